import { MIN_TRANSACTION_BYTES } from './constants.ts'
import { LedgerError } from './errors.ts'

/**
 * The tunnel payout rule (ALGORITHMS.md §9.3, Tribler `triblertunnel/community.py`): when the
 * downloader closes a circuit it pays the first hop; each relay keeps its share and pays the rest
 * to the next hop; the exit keeps what reaches it.
 */

/** A data circuit (`2·hops − 1`) or an end-to-end / rendezvous circuit (`2·hops + 1`). */
export type CircuitKind = 'data' | 'e2e'

/**
 * How a relay computes what it forwards. `subtract-2019`: received − 2·base (Tribler at the parent
 * of 0f9cb7d: a relay nets 2·base). `fixed-2021`: 2·base (the 2021 accounting `on_payout`). Both
 * forward only when received > base, as both versions did.
 */
export type ForwardRule = 'subtract-2019' | 'fixed-2021'

/** One hop's share of a payout, in bytes. */
export interface HopPayout {
  /** What reaches this hop. */
  readonly receivedBytes: bigint
  /** What it keeps. */
  readonly keptBytes: bigint
  /** What it pays the next hop (0 at the exit). */
  readonly forwardedBytes: bigint
}

/** The whole payout of one closed circuit. */
export interface PayoutPlan {
  /** What the downloader pays the first hop. */
  readonly downloaderPaysBytes: bigint
  /** Per hop, first hop first; the last is the exit. Empty when nothing is paid. */
  readonly hops: readonly HopPayout[]
}

/**
 * Computes the payout of a circuit that carried `bytesDown` to the downloader over `hops` hops.
 * Below 1 MiB nothing is paid (Tribler's threshold). Throws LEDGER_OPTION_INVALID for hops < 1 or bytesDown < 0.
 * @example payoutPlan(100n * MiB, 3, 'data', 'subtract-2019').downloaderPaysBytes === 500n * MiB
 */
export function payoutPlan(
  bytesDown: bigint,
  hops: number,
  kind: CircuitKind,
  rule: ForwardRule,
): PayoutPlan {
  if (!Number.isSafeInteger(hops) || hops < 1)
    throw new LedgerError('LEDGER_OPTION_INVALID', `hops must be a positive integer, got ${hops}`, { hops })
  if (bytesDown < 0n)
    throw new LedgerError('LEDGER_OPTION_INVALID', `bytesDown must be non-negative, got ${bytesDown}`, {
      bytesDown,
    })
  if (bytesDown < MIN_TRANSACTION_BYTES) return { downloaderPaysBytes: 0n, hops: [] }
  const base = bytesDown
  const h = BigInt(hops)
  const downloaderPaysBytes = kind === 'data' ? base * (2n * h - 1n) : base * (2n * h + 1n)
  const plan: HopPayout[] = []
  let received = downloaderPaysBytes
  for (let i = 0; i < hops; i++) {
    const last = i === hops - 1
    const forwardedBytes = last ? 0n : forwardOf(received, base, rule)
    plan.push({ receivedBytes: received, keptBytes: received - forwardedBytes, forwardedBytes })
    received = forwardedBytes
  }
  return { downloaderPaysBytes, hops: plan }
}

/** What a relay that received `receivedBytes` for a circuit with `baseBytes` forwards under `rule`. */
export function forwardOf(receivedBytes: bigint, baseBytes: bigint, rule: ForwardRule): bigint {
  if (receivedBytes <= baseBytes) return 0n
  const amount = rule === 'subtract-2019' ? receivedBytes - 2n * baseBytes : 2n * baseBytes
  // Never forward more than arrived nor a negative amount: a hop cannot pay out of its own balance here.
  if (amount <= 0n) return 0n
  return amount > receivedBytes ? receivedBytes : amount
}
