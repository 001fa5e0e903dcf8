import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/**
 * Codes of the market. Every order, tick or trade message the market rejects, and every reason a
 * trade is abandoned, is one of these.
 */
export type MarketErrorCode = 'MARKET_ORDER_MALFORMED'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input). */
export const MARKET_EXIT_STATUS: ExitStatusMap<MarketErrorCode> = Object.freeze({
  MARKET_ORDER_MALFORMED: EXIT.FAILURE,
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
