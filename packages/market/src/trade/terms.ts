/**
 * The agreed terms of one trade: who sells MB for how many sats, and each leg's smallest payment.
 * A minimal local form of a match (the order book's types are connected by the integrator).
 */
import { MarketError } from '../errors.ts'
import type { Leg, ScheduleTerms } from './schedule.ts'

/** What two traders agree on (price = sats / MB bytes, carried as the two amounts). */
export interface TradeTerms {
  /** Trade id: 1–64 characters of `[A-Za-z0-9_-]` (the match id of §10 fits). */
  readonly tradeId: string
  /** Public key (hex, 64 lower-case digits) of the trader who proposed. */
  readonly proposer: string
  /** Public key of the trader who answers the proposal. */
  readonly responder: string
  /** Which of the two sells MB (and receives sats): `proposer` or `responder`. */
  readonly mbSeller: 'proposer' | 'responder'
  /** MB moved, in bytes (MB = bytes / 2^20). */
  readonly mbBytes: bigint
  /** Sats paid for them. */
  readonly sats: bigint
  /** Smallest MB payment, bytes. */
  readonly mbMinUnit: bigint
  /** Smallest Bitcoin payment, sats (keep it above the dust limit). */
  readonly satsMinUnit: bigint
}

/** Our side of a trade. `mb` sells MB and pays first; `btc` buys MB with sats. */
export type TradeRole = 'mb' | 'btc'

const TRADE_ID = /^[A-Za-z0-9_-]{1,64}$/
const KEY_HEX = /^[0-9a-f]{64}$/
/** Upper bound of either amount (2^62): far above any real trade, keeps arithmetic in bigint sane. */
export const MAX_TRADE_AMOUNT = 2n ** 62n

/** Throws MARKET_TRADE_TERMS_INVALID unless `terms` are well formed. */
export function checkTradeTerms(terms: TradeTerms): void {
  const bad = (why: string): never => {
    throw new MarketError('MARKET_TRADE_TERMS_INVALID', `trade terms rejected: ${why}`, {
      tradeId: terms.tradeId,
    })
  }
  if (!TRADE_ID.test(terms.tradeId)) bad('tradeId must be 1–64 characters of [A-Za-z0-9_-]')
  if (!KEY_HEX.test(terms.proposer) || !KEY_HEX.test(terms.responder))
    bad('keys must be 64 lower-case hex digits')
  if (terms.proposer === terms.responder) bad('a trader cannot trade with itself')
  if (terms.mbSeller !== 'proposer' && terms.mbSeller !== 'responder')
    bad('mbSeller is proposer or responder')
  for (const [name, v] of [
    ['mbBytes', terms.mbBytes],
    ['sats', terms.sats],
    ['mbMinUnit', terms.mbMinUnit],
    ['satsMinUnit', terms.satsMinUnit],
  ] as const) {
    if (v <= 0n || v > MAX_TRADE_AMOUNT) bad(`${name} must be in 1..2^62, got ${v}`)
  }
}

/** Public key of the MB seller. */
export function mbSellerKey(terms: TradeTerms): string {
  return terms.mbSeller === 'proposer' ? terms.proposer : terms.responder
}

/** Public key of the MB buyer (the Bitcoin payer). */
export function btcPayerKey(terms: TradeTerms): string {
  return terms.mbSeller === 'proposer' ? terms.responder : terms.proposer
}

/** The role of `me` in `terms`; undefined when `me` is not a party. */
export function roleOf(terms: TradeTerms, me: string): TradeRole | undefined {
  if (me === mbSellerKey(terms)) return 'mb'
  if (me === btcPayerKey(terms)) return 'btc'
  return undefined
}

/** The counterparty's key of `me`. */
export function counterpartyOf(terms: TradeTerms, me: string): string {
  return me === terms.proposer ? terms.responder : terms.proposer
}

/** The MB leg and the Bitcoin leg. */
export function legs(terms: TradeTerms): { readonly mb: Leg; readonly btc: Leg } {
  return {
    mb: { total: terms.mbBytes, minUnit: terms.mbMinUnit },
    btc: { total: terms.sats, minUnit: terms.satsMinUnit },
  }
}

/** The payment schedule's terms: the MB seller pays first (README "Who pays first"). */
export function scheduleTermsOf(terms: TradeTerms): ScheduleTerms {
  const { mb, btc } = legs(terms)
  return { first: mb, second: btc }
}

/** Whether two terms are the same agreement. */
export function sameTerms(a: TradeTerms, b: TradeTerms): boolean {
  return (
    a.tradeId === b.tradeId &&
    a.proposer === b.proposer &&
    a.responder === b.responder &&
    a.mbSeller === b.mbSeller &&
    a.mbBytes === b.mbBytes &&
    a.sats === b.sats &&
    a.mbMinUnit === b.mbMinUnit &&
    a.satsMinUnit === b.satsMinUnit
  )
}
