/**
 * The state of one trade on one side and the pure rules over it: whose turn it is, what the
 * counterparty's next payment must be, and the fold of the journal that rebuilds it after a crash.
 * The engine (`trade.ts`) carries out the effects.
 */
import { MarketError, type MarketErrorCode } from '../errors.ts'
import type { JournalEntry } from './journal.ts'
import { paymentSchedule, type Payer, type Step } from './schedule.ts'
import { counterpartyOf, roleOf, scheduleTermsOf, type TradeRole, type TradeTerms } from './terms.ts'

/** Phase of a trade. */
export type TradePhase = 'negotiating' | 'settling' | 'completed' | 'aborted'

/** What a caller can see of a trade. */
export interface TradeSnapshot {
  readonly tradeId: string
  readonly role: TradeRole
  readonly phase: TradePhase
  /** What we paid, in our asset's unit. */
  readonly paid: bigint
  /** What we received, in the counterparty's unit. */
  readonly received: bigint
  /** The code or text the trade ended with ('' while open). */
  readonly reason: string
}

/** One payment made or counted. */
export interface Paid {
  readonly n: number
  readonly amount: bigint
  readonly ref: string
}

/** One side's view of a trade (mutable; owned by the engine, one step at a time). */
export interface TradeState {
  terms: TradeTerms
  readonly role: TradeRole
  readonly peer: string
  phase: TradePhase
  reason: string
  /** Counter-proposals so far (both sides). */
  counters: number
  /** We made the last offer and wait for the answer. */
  awaitingPeer: boolean
  acceptedBy: 'me' | 'peer' | undefined
  /** The payment schedule, once agreed. */
  steps: readonly Step[]
  /** Where the sats go (the MB seller's address). */
  address: string | undefined
  readonly paid: Paid[]
  /** Our payment journaled as intent, outcome unknown. */
  pending: { readonly n: number; readonly amount: bigint; readonly key: string } | undefined
  readonly received: Paid[]
  /** Sats counted at 0-conf. */
  zeroConfCounted: bigint
  /** 0-conf allowance trust granted. */
  zeroConfAllowance: bigint
  deadlineMs: number
  retransmitted: boolean
  openedMs: number
  closedMs: number
}

/** Throws a MarketError with `code` for `tradeId`. */
export function reject(code: MarketErrorCode, message: string, tradeId: string): never {
  throw new MarketError(code, message, { tradeId })
}

/** Our position in the schedule: the MB seller pays first. */
export const mine = (t: TradeState): Payer => (t.role === 'mb' ? 'first' : 'second')
/** The counterparty's position in the schedule. */
export const theirs = (t: TradeState): Payer => (t.role === 'mb' ? 'second' : 'first')
/** Sum of payments. */
export const sum = (ps: readonly Paid[]): bigint => ps.reduce((a, p) => a + p.amount, 0n)

/** Index in `steps` of `payer`'s n-th payment, or -1. */
function stepIndex(steps: readonly Step[], payer: Payer, n: number): number {
  let seen = 0
  for (let i = 0; i < steps.length; i++) {
    if (steps[i]?.payer !== payer) continue
    seen += 1
    if (seen === n) return i
  }
  return -1
}

/** How many of `payer`'s payments come before index `end`. */
function countBefore(steps: readonly Step[], payer: Payer, end: number): number {
  let c = 0
  for (let i = 0; i < end; i++) if (steps[i]?.payer === payer) c += 1
  return c
}

/** A fresh trade in negotiation; throws MARKET_TRADE_UNKNOWN when `me` is not a party. */
export function newTradeState(terms: TradeTerms, me: string, deadlineMs: number): TradeState {
  const role = roleOf(terms, me)
  if (role === undefined) reject('MARKET_TRADE_UNKNOWN', 'we are not a party to this trade', terms.tradeId)
  return {
    terms,
    role,
    peer: counterpartyOf(terms, me),
    phase: 'negotiating',
    reason: '',
    counters: 0,
    awaitingPeer: false,
    acceptedBy: undefined,
    steps: [],
    address: undefined,
    paid: [],
    pending: undefined,
    received: [],
    zeroConfCounted: 0n,
    zeroConfAllowance: 0n,
    deadlineMs,
    retransmitted: false,
    openedMs: 0,
    closedMs: 0,
  }
}

/** The caller's view. */
export function snapshotOf(t: TradeState): TradeSnapshot {
  return {
    tradeId: t.terms.tradeId,
    role: t.role,
    phase: t.phase,
    paid: sum(t.paid),
    received: sum(t.received),
    reason: t.reason,
  }
}

/** Whether our next payment is due: the counterparty's payments before it have all arrived. */
export function myTurn(t: TradeState): boolean {
  const i = stepIndex(t.steps, mine(t), t.paid.length + 1)
  return i >= 0 && t.received.length >= countBefore(t.steps, theirs(t), i)
}

/** Both totals reached. */
export function fullySettled(t: TradeState): boolean {
  const myTotal = t.role === 'mb' ? t.terms.mbBytes : t.terms.sats
  const theirTotal = t.role === 'mb' ? t.terms.sats : t.terms.mbBytes
  return t.steps.length > 0 && sum(t.paid) === myTotal && sum(t.received) === theirTotal
}

/** Our answer to the counterparty's n-th payment, if we made it (it may not have arrived). */
export function answerTo(t: TradeState, n: number): Paid | undefined {
  const i = stepIndex(t.steps, theirs(t), n)
  const next = t.steps[i + 1]
  if (i < 0 || next?.payer !== mine(t)) return undefined
  return t.paid[countBefore(t.steps, mine(t), i + 1)]
}

/**
 * Checks the counterparty's next payment notice against the schedule, while settling and past the
 * replay check: its number, its turn, its amount and a ref not counted before. Throws
 * MARKET_TRADE_OUT_OF_ORDER, MARKET_TRADE_AMOUNT_INVALID or MARKET_TRADE_REPLAYED.
 */
export function checkNextPayment(t: TradeState, n: number, amount: bigint, ref: string): void {
  const id = t.terms.tradeId
  if (n !== t.received.length + 1) {
    reject('MARKET_TRADE_OUT_OF_ORDER', `expected payment ${t.received.length + 1}, got ${n}`, id)
  }
  const i = stepIndex(t.steps, theirs(t), n)
  if (i < 0 || t.paid.length < countBefore(t.steps, mine(t), i)) {
    reject('MARKET_TRADE_OUT_OF_ORDER', `payment ${n} before our payment it answers`, id)
  }
  const expected = t.steps[i]?.amount
  if (amount !== expected) {
    reject('MARKET_TRADE_AMOUNT_INVALID', `payment ${n} must be ${expected}, got ${amount}`, id)
  }
  if (t.received.some((p) => p.ref === ref))
    reject('MARKET_TRADE_REPLAYED', `ref ${ref} was already counted`, id)
}

/**
 * Rebuilds one trade from its journal entries (in order); undefined for none. Throws
 * MARKET_TRADE_JOURNAL_CORRUPT for an entry before the trade's terms.
 */
export function foldJournal(
  entries: readonly JournalEntry[],
  me: string,
  deadlineMs: number,
): TradeState | undefined {
  let t: TradeState | undefined
  for (const e of entries) {
    if (e.kind === 'offered' || e.kind === 'open') {
      t ??= newTradeState(e.terms, me, deadlineMs)
      t.terms = e.terms
      if (e.kind === 'offered') {
        // Our first offer as proposer is the proposal; every other offer of ours is a counter.
        if (t.awaitingPeer || e.terms.proposer !== me) t.counters += 1
        t.awaitingPeer = true
      } else {
        Object.assign(t, {
          phase: 'settling',
          acceptedBy: e.acceptedBy,
          steps: paymentSchedule(scheduleTermsOf(e.terms)),
          zeroConfAllowance: e.zeroConfSats,
          openedMs: e.atMs,
          awaitingPeer: false,
        })
      }
      continue
    }
    if (t === undefined) {
      throw new MarketError(
        'MARKET_TRADE_JOURNAL_CORRUPT',
        `trade ${e.tradeId}: ${e.kind} before its terms`,
        {
          tradeId: e.tradeId,
        },
      )
    }
    if (e.kind === 'address') t.address = e.address
    else if (e.kind === 'pay-intent') t.pending = { n: e.n, amount: e.amount, key: e.key }
    else if (e.kind === 'pay-done') {
      t.paid.push({ n: e.n, amount: e.amount, ref: e.ref })
      t.pending = undefined
    } else if (e.kind === 'received') {
      t.received.push({ n: e.n, amount: e.amount, ref: e.ref })
      if (e.zeroConf) t.zeroConfCounted += e.amount
    } else {
      t.phase = e.outcome
      t.reason = e.reason
      t.closedMs = e.atMs
    }
  }
  return t
}
