/**
 * The incremental payment schedule of a trade (ALGORITHMS.md §10), generalised to two assets with
 * different units (MB bytes and sats). Pure.
 *
 * The designated first payer pays its min unit. Then each side in turn pays
 * `2 · (counterparty's last / counterparty's total) · my total`, rounded down to a multiple of my min
 * unit, at least my min unit, at most my remaining amount, and all of it when less than a min unit
 * would be left (a Bitcoin payment below the unit may be dust no wallet can pay); once the
 * counterparty has paid its whole total, the next payment is everything I still owe. In shares of the trade a payment is at least
 * the counterparty's last share, so a side's cumulative share before its k-th payment never exceeds
 * what it has received: a counterparty that stops loses the honest side at most its last increment.
 */
import { MarketError } from '../errors.ts'

/** One side's part of a trade: what it pays in total and its smallest payment unit (same unit). */
export interface Leg {
  /** Total this side pays, in its asset's unit (MB bytes or sats); > 0. */
  readonly total: bigint
  /** Smallest payment, same unit; 0 < minUnit. Payments are multiples of it except a final remainder. */
  readonly minUnit: bigint
}

/** The two legs, first payer first. */
export interface ScheduleTerms {
  /** The side that pays first. */
  readonly first: Leg
  /** The side that pays second. */
  readonly second: Leg
}

/** Which side: `first` pays rounds 1, 3, 5 … of the alternation, `second` the others. */
export type Payer = 'first' | 'second'

/** One payment of the schedule. */
export interface Step {
  /** 1-based position in the alternation (first payer odd, second payer even while both owe). */
  readonly index: number
  readonly payer: Payer
  readonly amount: bigint
}

/** Bound on the steps of a schedule: each payment at least doubles a share, so 2·(log2 units + 2) suffice. */
export const MAX_SCHEDULE_STEPS = 512

/** Throws MARKET_TRADE_TERMS_INVALID unless both legs are positive with 0 < minUnit. */
export function checkScheduleTerms(terms: ScheduleTerms): void {
  for (const [name, leg] of [
    ['first', terms.first],
    ['second', terms.second],
  ] as const) {
    if (leg.total <= 0n || leg.minUnit <= 0n) {
      throw new MarketError(
        'MARKET_TRADE_TERMS_INVALID',
        `the ${name} leg needs total > 0 and minUnit > 0, got total ${leg.total} and minUnit ${leg.minUnit}`,
        { leg: name, total: leg.total, minUnit: leg.minUnit },
      )
    }
  }
}

/**
 * The next payment of `mine` given the counterparty's last payment (undefined before it paid) and
 * what each side has paid so far; 0n when I owe nothing.
 */
export function nextPayment(
  mine: Leg,
  myPaid: bigint,
  theirs: Leg,
  theirLast: bigint | undefined,
  theirPaid: bigint,
): bigint {
  const remaining = mine.total - myPaid
  if (remaining <= 0n) return 0n
  if (theirPaid >= theirs.total) return remaining
  let amount: bigint
  if (theirLast === undefined) {
    amount = mine.minUnit
  } else {
    // 2 · (theirLast / theirTotal) · myTotal, rounded down to my min unit: paying less than the
    // doubling never raises my exposure; the floor at minUnit keeps the schedule moving.
    const raw = (2n * theirLast * mine.total) / theirs.total
    amount = (raw / mine.minUnit) * mine.minUnit
    if (amount < mine.minUnit) amount = mine.minUnit
  }
  // A tail below the min unit is paid with this payment instead of after it: a Bitcoin payment below
  // the min unit may be below the dust limit, which no wallet can make, and the trade would then wait
  // for it until it timed out, with everything else delivered (seen in the world: 2 092 of 8 092 sats
  // left after a 6 000-sat first payment). The spec's golden table leaves no such tail.
  if (amount >= remaining || remaining - amount < mine.minUnit) return remaining
  return amount
}

/** The whole schedule, in payment order. Throws MARKET_TRADE_TERMS_INVALID for bad legs. */
export function paymentSchedule(terms: ScheduleTerms): readonly Step[] {
  checkScheduleTerms(terms)
  const steps: Step[] = []
  const paid = { first: 0n, second: 0n }
  const last: { first: bigint | undefined; second: bigint | undefined } = {
    first: undefined,
    second: undefined,
  }
  let payer: Payer = 'first'
  for (let i = 0; i < MAX_SCHEDULE_STEPS; i++) {
    if (paid.first >= terms.first.total && paid.second >= terms.second.total) return steps
    const other: Payer = payer === 'first' ? 'second' : 'first'
    const amount = nextPayment(terms[payer], paid[payer], terms[other], last[other], paid[other])
    if (amount > 0n) {
      steps.push({ index: steps.length + 1, payer, amount })
      paid[payer] += amount
      last[payer] = amount
    }
    payer = other
  }
  throw new MarketError(
    'MARKET_TRADE_TERMS_INVALID',
    `schedule did not finish in ${MAX_SCHEDULE_STEPS} steps`,
    {
      first: terms.first.total,
      second: terms.second.total,
    },
  )
}

/** The amount `payer` pays at its n-th payment (1-based), or undefined past its last one. */
export function paymentOf(steps: readonly Step[], payer: Payer, n: number): bigint | undefined {
  let seen = 0
  for (const step of steps) {
    if (step.payer !== payer) continue
    seen += 1
    if (seen === n) return step.amount
  }
  return undefined
}

/** How many payments `payer` makes in `steps`. */
export function paymentCount(steps: readonly Step[], payer: Payer): number {
  return steps.filter((s) => s.payer === payer).length
}

/**
 * Value in sats that `payer` has handed over beyond what it received, right after its n-th payment
 * and before the counterparty's answer: (paid share − received share) · `valueSats`, rounded up
 * (exposure is a risk; overstate it). 0n when it is ahead.
 */
export function exposureAfter(
  terms: ScheduleTerms,
  steps: readonly Step[],
  payer: Payer,
  n: number,
  valueSats: bigint,
): bigint {
  const other: Payer = payer === 'first' ? 'second' : 'first'
  let paid = 0n
  let received = 0n
  let mine = 0
  for (const step of steps) {
    if (step.payer === payer) {
      mine += 1
      paid += step.amount
      if (mine === n) break
    } else {
      received += step.amount
    }
  }
  // paid/myTotal − received/theirTotal, as one fraction over myTotal·theirTotal.
  const num = (paid * terms[other].total - received * terms[payer].total) * valueSats
  if (num <= 0n) return 0n
  const den = terms[payer].total * terms[other].total
  return (num + den - 1n) / den
}

/** The largest {@link exposureAfter} over all of `payer`'s payments: what trust must allow up front. */
export function maxExposure(terms: ScheduleTerms, payer: Payer, valueSats: bigint): bigint {
  const steps = paymentSchedule(terms)
  let max = 0n
  const count = paymentCount(steps, payer)
  for (let n = 1; n <= count; n++) {
    const e = exposureAfter(terms, steps, payer, n, valueSats)
    if (e > max) max = e
  }
  return max
}
