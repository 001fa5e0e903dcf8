import { BaseError } from '@dolly/base'

/**
 * Tunnel payout rules (ALGORITHMS.md §9.3): the downloader pays its first hop for the bytes it
 * received, each relay keeps its share and pays the rest to its next hop, the exit keeps what
 * reaches it. All amounts are token bytes (MB tokens are bytes / 2^20 on the ledger).
 *
 * - `'2017'` (Tribler at the parent of `0f9cb7d`): the downloader pays `base·(2·hops − 1)`, a relay
 *   keeps `2·base` and forwards `received − 2·base`, the exit keeps `1·base`.
 * - `'2021'` (Tribler's 2021 accounting `on_payout`): same price, but a relay forwards a fixed `2·base`
 *   and keeps the rest. **Gap**: at 3 or more hops the first relay keeps `3·base`, the middle relays
 *   receive `2·base` and forward all of it — they carry the bytes for nothing — and the exit gets
 *   `2·base` (`payoutShares(b, 3, '2021')` → relay 2 keeps 0). Kept to reproduce Tribler, not to use.
 * - `'fair'` (ours, the default): every hop that carried the bytes earns and the exit, whose risk is
 *   highest, earns the most (as Nym's reward split does): a relay keeps `1·base`, the exit `2·base`,
 *   the downloader pays `(hops + 1)·base`. A hop's share depends only on its role (relay or exit),
 *   never on its position, so a hop that sees only its neighbours can check it.
 */
export type PayoutRule = '2017' | '2021' | 'fair'

/** Every rule, for tables and option parsing. */
export const PAYOUT_RULES: readonly PayoutRule[] = Object.freeze(['2017', '2021', 'fair'])

/** The rule a node uses unless told otherwise. */
export const DEFAULT_PAYOUT_RULE: PayoutRule = 'fair'

/** One hop's part of a payout, in token bytes. */
export interface HopShare {
  readonly received: bigint
  readonly kept: bigint
  readonly forwarded: bigint
}

/** What a downloader pays for `base` bytes over a circuit, and what each hop (first to exit) gets. */
export interface PayoutShares {
  readonly downloaderPays: bigint
  readonly hops: readonly HopShare[]
}

function checkHops(hops: number): void {
  if (!Number.isSafeInteger(hops) || hops < 1 || hops > 8)
    throw new BaseError('BASE_INVALID_OPTION', `hops must be an integer in 1..8, got ${hops}`, { hops })
}

function checkBase(base: bigint): void {
  if (base < 0n)
    throw new BaseError('BASE_INVALID_OPTION', `bytes must be non-negative, got ${base}`, { base })
}

/** What the downloader pays its first hop for `base` bytes down over `hops` hops. */
export function downloaderPays(base: bigint, hops: number, rule: PayoutRule): bigint {
  checkHops(hops)
  checkBase(base)
  return rule === 'fair' ? base * BigInt(hops + 1) : base * BigInt(2 * hops - 1)
}

/**
 * What a relay keeps of `received` paid for `base` bytes (the rest goes to its next hop). Throws
 * BASE_INVALID_OPTION if `received` does not cover what the rule makes it keep or forward.
 */
export function relayKeeps(received: bigint, base: bigint, rule: PayoutRule): bigint {
  checkBase(base)
  const need = minimumRelayReceives(base, rule)
  if (received < need)
    throw new BaseError(
      'BASE_INVALID_OPTION',
      `a relay needs at least ${need} for ${base} bytes, got ${received}`,
      {
        received,
        base,
      },
    )
  switch (rule) {
    case '2017':
      return 2n * base
    case '2021':
      return received - 2n * base
    case 'fair':
      return base
  }
}

/**
 * The least a relay must receive for `base` bytes to keep its share and pay its next hop at least
 * the exit's minimum: what it checks a payment against (it does not know how many hops follow).
 */
export function minimumRelayReceives(base: bigint, rule: PayoutRule): bigint {
  checkBase(base)
  switch (rule) {
    case '2017':
      return 3n * base // keeps 2, the exit after it at least 1
    case '2021':
      return 2n * base // forwards 2 (the 2021 rule lets a middle relay keep 0)
    case 'fair':
      return 3n * base // keeps 1, the exit after it 2
  }
}

/** The least an exit must receive for `base` bytes (its share). */
export function exitKeeps(base: bigint, rule: PayoutRule): bigint {
  checkBase(base)
  return rule === 'fair' ? 2n * base : base
}

/**
 * The whole payout for `bytesDown` (`base`) over `hops` hops, by passing the payment along as the
 * hops do. Golden values: ALGORITHMS.md §9.3 and `payout.test.ts`.
 * @example payoutShares(100n * MiB, 3, '2017').downloaderPays === 500n * MiB
 */
export function payoutShares(
  bytesDown: bigint,
  hops: number,
  rule: PayoutRule = DEFAULT_PAYOUT_RULE,
): PayoutShares {
  const total = downloaderPays(bytesDown, hops, rule)
  const shares: HopShare[] = []
  let received = total
  for (let i = 0; i < hops; i++) {
    if (i === hops - 1) {
      shares.push({ received, kept: received, forwarded: 0n })
      break
    }
    // 2021 at 1 relay before the exit: keeps received − 2·base. Every rule covers its own minimum here.
    const kept = rule === '2021' ? received - 2n * bytesDown : relayKeeps(received, bytesDown, rule)
    shares.push({ received, kept, forwarded: received - kept })
    received -= kept
  }
  return { downloaderPays: total, hops: shares }
}
