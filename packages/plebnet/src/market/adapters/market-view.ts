import { marketBookOf, marketStatusOf, marketTradesOf, type MarketStatusSource } from '../market-status.ts'
import type { SettlementStats } from '../settlement/settlement.ts'
import type { MarketComponent } from './market-component.ts'

/**
 * The daemon's market for the status API (issue 17): the `market` block from the running market
 * component, the ledger balance and the settlement (once the wallet opened), and the local
 * matchmaker's book and trades for `plebnet market book|trades`. Reads only; before the component
 * started it shows no orders and no matchmaker.
 */
export function createMarketView(deps: {
  readonly market: Pick<MarketComponent, 'agentMarket' | 'matchmaker'>
  /** World time (orders' expiries). */
  readonly clock: { nowMs(): number }
  /** The agent's MB balance on its ledger, bytes; undefined while the ledger is not open. */
  readonly balanceBytes: () => bigint | undefined
  /** The settlement's totals; undefined until the wallet opens. */
  readonly settlement: () => SettlementStats | undefined
}): MarketStatusSource {
  return {
    status() {
      const agent = deps.market.agentMarket()
      const mm = deps.market.matchmaker()
      // One side listed, the other the rest of the book (each listing walks its side).
      const bids = mm?.book.side('bid').length ?? 0
      return marketStatusOf({
        nowMs: deps.clock.nowMs(),
        balanceBytes: deps.balanceBytes(),
        orders: agent?.orders().values() ?? [],
        trades: agent?.trades() ?? [],
        matchmaker:
          mm === undefined
            ? undefined
            : {
                bids,
                asks: Math.max(0, mm.book.size() - bids),
                trades: mm.trades(),
                stats: mm.stats(),
              },
        settlement: deps.settlement(),
      })
    },
    book(limit) {
      const mm = deps.market.matchmaker()
      if (mm === undefined) return undefined
      return marketBookOf({ asks: mm.book.side('ask'), bids: mm.book.side('bid') }, limit)
    },
    trades(limit) {
      const mm = deps.market.matchmaker()
      return mm === undefined ? undefined : marketTradesOf(mm.trades(), limit)
    },
  }
}
