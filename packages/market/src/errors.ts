import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/**
 * Codes of the market. Every order, tick or trade message the market rejects, and every reason a
 * trade is abandoned, is one of these.
 */
export type MarketErrorCode =
  | 'MARKET_ORDER_MALFORMED'
  // Orders and the book (order.ts, book.ts).
  | 'MARKET_ORDER_FORGED'
  | 'MARKET_ORDER_EXPIRED'
  | 'MARKET_ORDER_FUTURE'
  | 'MARKET_ORDER_TIMEOUT_RANGE'
  | 'MARKET_ORDER_AMOUNT'
  | 'MARKET_ORDER_REPLAYED'
  | 'MARKET_ORDER_UNKNOWN'
  | 'MARKET_TRADER_LIMIT'
  | 'MARKET_BOOK_FULL'
  // Messages between agents (plebnet's market channel).
  | 'MARKET_MESSAGE_MALFORMED'
  | 'MARKET_RATE_LIMITED'
  | 'MARKET_TRADE_TERMS_INVALID'
  | 'MARKET_TRADE_MALFORMED'
  | 'MARKET_TRADE_BAD_SIGNATURE'
  | 'MARKET_TRADE_UNKNOWN'
  | 'MARKET_TRADE_OUT_OF_ORDER'
  | 'MARKET_TRADE_REPLAYED'
  | 'MARKET_TRADE_AMOUNT_INVALID'
  | 'MARKET_TRADE_PAYMENT_UNVERIFIED'
  | 'MARKET_TRADE_TIMEOUT'
  | 'MARKET_TRADE_UNTRUSTED'
  | 'MARKET_TRADE_DECLINED'
  | 'MARKET_TRADE_PEER_ABORTED'
  | 'MARKET_TRADE_JOURNAL_CORRUPT'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input). */
export const MARKET_EXIT_STATUS: ExitStatusMap<MarketErrorCode> = Object.freeze({
  MARKET_ORDER_MALFORMED: EXIT.FAILURE,
  // A peer's order is the network's input, not the operator's: none of these is a usage error.
  MARKET_ORDER_FORGED: EXIT.FAILURE,
  MARKET_ORDER_EXPIRED: EXIT.FAILURE,
  MARKET_ORDER_FUTURE: EXIT.FAILURE,
  MARKET_ORDER_TIMEOUT_RANGE: EXIT.FAILURE,
  MARKET_ORDER_AMOUNT: EXIT.FAILURE,
  MARKET_ORDER_REPLAYED: EXIT.FAILURE,
  MARKET_ORDER_UNKNOWN: EXIT.FAILURE,
  MARKET_TRADER_LIMIT: EXIT.FAILURE,
  MARKET_BOOK_FULL: EXIT.FAILURE,
  MARKET_MESSAGE_MALFORMED: EXIT.FAILURE,
  MARKET_RATE_LIMITED: EXIT.FAILURE,
  MARKET_TRADE_TERMS_INVALID: EXIT.FAILURE,
  MARKET_TRADE_MALFORMED: EXIT.FAILURE,
  MARKET_TRADE_BAD_SIGNATURE: EXIT.FAILURE,
  MARKET_TRADE_UNKNOWN: EXIT.FAILURE,
  MARKET_TRADE_OUT_OF_ORDER: EXIT.FAILURE,
  MARKET_TRADE_REPLAYED: EXIT.FAILURE,
  MARKET_TRADE_AMOUNT_INVALID: EXIT.FAILURE,
  MARKET_TRADE_PAYMENT_UNVERIFIED: EXIT.FAILURE,
  MARKET_TRADE_TIMEOUT: EXIT.FAILURE,
  MARKET_TRADE_UNTRUSTED: EXIT.FAILURE,
  MARKET_TRADE_DECLINED: EXIT.FAILURE,
  MARKET_TRADE_PEER_ABORTED: EXIT.FAILURE,
  MARKET_TRADE_JOURNAL_CORRUPT: EXIT.FAILURE,
})

/** Errors of `@dolly/market`. */
export class MarketError extends DollyError<MarketErrorCode> {}

/** Reads a market code off any error (no `instanceof`, STYLE.md §1.7); undefined if it has none of ours. */
export function marketCodeOf(err: unknown): MarketErrorCode | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined
  const code = (err as { code: unknown }).code
  return typeof code === 'string' && Object.hasOwn(MARKET_EXIT_STATUS, code)
    ? (code as MarketErrorCode)
    : undefined
}
