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

/** Where to stop: the `nth` time (from 1) the process reaches `step`. */
export interface KillAt {
  readonly step: KillPoint
  readonly nth: number
}

function isKillPoint(text: string): text is KillPoint {
  return (KILL_POINTS as readonly string[]).includes(text)
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
      `kill point "${text}" is not <step>[:<n>] with n ≥ 1 and step one of ${KILL_POINTS.join(', ')}`,
      { value: text },
    )
  }
  return { step, nth }
}
