import { btcNeeded, LAST_DAY_MS, priceFor, updateOffer } from './common.ts'
import { lastTrade } from './price-history.ts'
import type { StrategyContext, StrategyDecision, StrategyState } from './types.ts'

/** True in the last day of the lease, when liquidation applies (AGENT.md §3.6). */
export function inLastDay(ctx: StrategyContext): boolean {
  return ctx.expirationMs - ctx.nowMs <= LAST_DAY_MS
}

/**
 * LastDaySell (ALGORITHMS.md §5.3): ConstantSell's offer, but only in the last day of the lease.
 * **[new]** When no BTC is needed any more, all MB are still sold, at the last trade price or the
 * best bid, because reputation not sold dies with the server.
 */
export function lastDaySell(state: StrategyState, ctx: StrategyContext): StrategyDecision {
  if (!inLastDay(ctx)) return { state, actions: [], attemptPurchase: true, rule: 'last-day:wait' }
  if (ctx.balances.mb <= 0n) return { state, actions: [], attemptPurchase: true, rule: 'last-day:no-mb' }
  const need = btcNeeded(ctx)
  if (need > 0n) {
    const step = updateOffer(state, ctx, ctx.balances.mb, need)
    return { ...step, attemptPurchase: true, rule: 'last-day:offer' }
  }
  const price = lastTrade(ctx.market.trades)?.priceSatPerMb ?? ctx.market.bestBidSatPerMb
  if (price === null || !(price > 0))
    return { state, actions: [], attemptPurchase: true, rule: 'last-day:no-price' }
  const step = updateOffer(state, ctx, ctx.balances.mb, priceFor(price, ctx.balances.mb), 'raise-mb')
  return { ...step, attemptPurchase: true, rule: 'last-day:liquidate' }
}
