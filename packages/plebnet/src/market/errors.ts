import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/** Codes of `plebnet market book|orders|trades` reading the daemon's market (issue 17). */
export type MarketViewErrorCode =
  /** The agent runs no token market (`[market] enabled = 0`), or no matchmaker to show a book of. */
  | 'MARKET_VIEW_DISABLED'
  /** The daemon shows only its public status: the caller is neither on loopback nor holds the status token. */
  | 'MARKET_VIEW_UNAUTHORIZED'
  /** The daemon's answer is not a market document (another version, or not a Dollynator daemon). */
  | 'MARKET_VIEW_MALFORMED'

/** Exit status per code (STYLE.md §1.7): none is a usage error. */
export const MARKET_VIEW_EXIT_STATUS: ExitStatusMap<MarketViewErrorCode> = Object.freeze({
  MARKET_VIEW_DISABLED: EXIT.FAILURE,
  MARKET_VIEW_UNAUTHORIZED: EXIT.FAILURE,
  MARKET_VIEW_MALFORMED: EXIT.FAILURE,
})

/** Errors of the market views of the CLI. */
export class MarketViewError extends DollyError<MarketViewErrorCode> {}
