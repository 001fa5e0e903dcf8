import { errorCode, type Logger } from '@dolly/base'
import type { TradeSnapshot, TradeTerms } from '@dolly/market'
import { MIN_MATCH_SATS } from '../min-match.ts'
import type { OwnMatch } from '../token-market.ts'

/**
 * The daemon's glue from matches to trades (issue 17): a MATCH the matchmaker sent both traders
 * becomes the same `TradeTerms` on both sides, the settlement trades it, and the market hears how it
 * ended (the MB an ask holds are freed again when a trade fails).
 */

/** The smallest MB payment of a trade: 1 MiB, or the whole trade when it is smaller. */
export const MB_MIN_UNIT_BYTES = 1n << 20n
/**
 * The smallest Bitcoin payment of a trade: {@link MIN_MATCH_SATS} (6 000), above the dust limit of a
 * p2wpkh or p2pkh output on every network the wallet pays on (a trade is never smaller: the traders
 * decline smaller matches).
 */
export const SATS_MIN_UNIT = MIN_MATCH_SATS

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b)

/**
 * The terms both traders derive alike from one MATCH: the taker proposes, the trader of the ask
 * sells MB, the match id is the trade id.
 */
export function termsOfMatch(match: OwnMatch): TradeTerms {
  return {
    tradeId: match.id,
    proposer: match.takerTrader,
    responder: match.makerTrader,
    // A taker that bids buys MB: the maker (the ask) sells them.
    mbSeller: match.takerSide === 'bid' ? 'responder' : 'proposer',
    mbBytes: match.mbBytes,
    sats: match.sats,
    mbMinUnit: min(match.mbBytes, MB_MIN_UNIT_BYTES),
    satsMinUnit: min(match.sats, SATS_MIN_UNIT),
  }
}

/** What the glue needs of the settlement (market/settlement/settlement.ts). */
export interface MatchSettler {
  onMatch(terms: TradeTerms): Promise<void>
  settled(tradeId: string): Promise<TradeSnapshot>
}

/**
 * Trades one match and reports the outcome: `report(match, true)` when the trade completed, false
 * when it aborted, could not start (no settlement yet: the agent's wallet opens at its first tick) or
 * failed. Never throws: a trade's failure is the market's business, not the daemon's.
 */
export async function tradeMatch(
  match: OwnMatch,
  settlement: MatchSettler | undefined,
  report: (match: OwnMatch, ok: boolean) => void,
  log: Logger,
): Promise<void> {
  if (settlement === undefined) {
    log.warn('market.match_unsettled', { match: match.id, reason: 'the wallet is not open yet' })
    report(match, false)
    return
  }
  const terms = termsOfMatch(match)
  try {
    await settlement.onMatch(terms)
    const end = await settlement.settled(terms.tradeId)
    const ok = end.phase === 'completed'
    log.info(ok ? 'market.trade_completed' : 'market.trade_aborted', {
      trade: terms.tradeId,
      role: end.role,
      paid: end.paid.toString(),
      received: end.received.toString(),
      reason: end.reason,
    })
    report(match, ok)
  } catch (err) {
    log.warn('market.trade_failed', { trade: terms.tradeId, code: errorCode(err) ?? 'error' })
    report(match, false)
  }
}
