/**
 * The named steps of a purchase, a dowry and an heir payment that the agent must survive a SIGKILL
 * at (issue 14): each flow calls its checkpoint right after the step. The kill-point test iterates
 * over this list, in this order, and reports how many points it covered.
 */
import { LifecycleError } from './errors.ts'

/**
 * Every named step, in the order a purchase, an install, a dowry and an heir payment reach them:
 * - `started`, `quoted`, `paying`, `paid`: cloudomate's purchase journal line is on disk;
 * - `wallet-insert`: the wallet recorded the signed payment, nothing broadcast yet;
 * - `broadcast`: the node replied to the single broadcast, the record still says `signed`;
 * - `server-active`: the tick saved the bought server's IP;
 * - `install`: the child runs on its server, the tick's state does not know it yet;
 * - `dowry`, `sweep`: the dowry or the heir payment is broadcast, the tick's state does not know it yet.
 */
export const KILL_POINTS = [
  'started',
  'quoted',
  'paying',
  'wallet-insert',
  'broadcast',
  'paid',
  'server-active',
  'install',
  'dowry',
  'sweep',
] as const

/** One named step of {@link KILL_POINTS}. */
export type KillPoint = (typeof KILL_POINTS)[number]

/**
 * The named steps of a market trade (issue 17) the settlement calls its checkpoint at, each right
 * after its line is durable or its effect happened (market/settlement/settlement.ts):
 * - `trade-<kind>`: the trade journal's entry of that kind is on disk (`offered`, `open`, `address`,
 *   `pay-intent`, `pay-done`, `received`, `closed`);
 * - `index-<kind>`: the settlement index's line (`trade-floor`, `address`, `transfer-intent`,
 *   `transfer-proposed`, `transfer-done`);
 * - `transfer-countersigned`: the payee's agreement to an MB transfer is in our ledger, the index does
 *   not know it yet.
 * A Bitcoin payment passes the wallet's own `wallet-insert` and `broadcast` (KILL_POINTS).
 */
export const TRADE_KILL_POINTS = [
  'trade-offered',
  'trade-open',
  'trade-address',
  'trade-pay-intent',
  'trade-pay-done',
  'trade-received',
  'trade-closed',
  'index-trade-floor',
  'index-address',
  'index-transfer-intent',
  'index-transfer-proposed',
  'index-transfer-done',
  'transfer-countersigned',
] as const

/** One named step of {@link TRADE_KILL_POINTS}. */
export type TradeKillPoint = (typeof TRADE_KILL_POINTS)[number]

/** Where to stop: the `nth` time (from 1) the process reaches `step`. */
export interface KillAt {
  readonly step: KillPoint | TradeKillPoint
  readonly nth: number
}

function isKillPoint(text: string): text is KillPoint | TradeKillPoint {
  return (
    (KILL_POINTS as readonly string[]).includes(text) ||
    (TRADE_KILL_POINTS as readonly string[]).includes(text)
  )
}

/**
 * Parses `<step>[:<n>]` (e.g. `paying`, `wallet-insert:2`).
 *
 * @throws LifecycleError LIFECYCLE_CONFIG_INVALID for an unknown step or a count that is not a whole number ≥ 1
 */
export function parseKillAt(text: string): KillAt {
  const match = /^([a-z-]+)(?::(\d{1,6}))?$/.exec(text.trim())
  const step = match?.[1] ?? ''
  const nth = match?.[2] === undefined ? 1 : Number(match[2])
  if (match === null || !isKillPoint(step) || nth < 1) {
    throw new LifecycleError(
      'LIFECYCLE_CONFIG_INVALID',
      `kill point "${text}" is not <step>[:<n>] with n ≥ 1 and step one of ${[...KILL_POINTS, ...TRADE_KILL_POINTS].join(', ')}`,
      { value: text },
    )
  }
  return { step, nth }
}
