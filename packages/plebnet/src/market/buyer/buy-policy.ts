/**
 * When a token buyer bids (issue 17, "the world's token buyers"; DESIGN.md §5): a user of the tunnels
 * pays its circuits' hops in MB tokens from its ledger balance and buys more MB with Bitcoin when the
 * balance runs low. Pure: the adapter (market-buyer.ts) reads the balances and the bids and places
 * what this decides.
 */

/** Bytes per MB token. */
export const MB_BYTES = 1n << 20n

/** What a buyer buys, at what price, when. */
export interface BuyPolicy {
  /** Bids once its MB balance (bytes, may be negative: it owes) is below this. */
  readonly belowBytes: bigint
  /** MB bought per bid, bytes (a whole number of MB). */
  readonly bidBytes: bigint
  /** The most it pays, sats per MB (an integer: the bid's price is exactly this). */
  readonly maxSatPerMb: bigint
  /** How long a bid stays in the book, world seconds (≤ 86 400). */
  readonly bidTimeoutS: number
}

/** One of the buyer's bids as the market tracks it. */
export interface BidView {
  readonly mbBytes: bigint
  /** Matched and not failed. */
  readonly matchedBytes: bigint
  /** Matched, trade not ended yet. */
  readonly unsettledBytes: bigint
  /** In the book: not expired, cancelled or fully matched. */
  readonly open: boolean
}

/** What the buyer does now. */
export type BuyDecision =
  | { readonly kind: 'bid'; readonly mbBytes: bigint; readonly sats: bigint }
  | {
      readonly kind: 'wait'
      /** `enough`: balance at or above the threshold; `bid-open`: a bid is in the book or trading; `budget`: less than 1 MB's price spendable. */
      readonly reason: 'enough' | 'bid-open' | 'budget'
    }

/**
 * Bids for `bidBytes` at `maxSatPerMb` while the balance is below `belowBytes`, one bid at a time
 * (the next once the last one left the book and its trades ended), never for more sats than it can
 * spend: a smaller budget bids for the whole MB it pays for, less than one MB's price waits.
 */
export function decideBuy(
  policy: BuyPolicy,
  state: { readonly balanceBytes: bigint; readonly spendableSats: bigint; readonly bids: readonly BidView[] },
): BuyDecision {
  if (state.bids.some((b) => b.open || b.unsettledBytes > 0n)) return { kind: 'wait', reason: 'bid-open' }
  if (state.balanceBytes >= policy.belowBytes) return { kind: 'wait', reason: 'enough' }
  const wantedMb = policy.bidBytes / MB_BYTES
  const affordableMb = policy.maxSatPerMb === 0n ? wantedMb : state.spendableSats / policy.maxSatPerMb
  const mb = wantedMb < affordableMb ? wantedMb : affordableMb
  if (mb < 1n) return { kind: 'wait', reason: 'budget' }
  return { kind: 'bid', mbBytes: mb * MB_BYTES, sats: mb * policy.maxSatPerMb }
}
