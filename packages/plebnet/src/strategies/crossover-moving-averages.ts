import { beginAccumulationTick, MAX_ACCUMULATION_MIN, sellParts } from './accumulation.ts'
import { lastDaySell } from './last-day-sell.ts'
import { dailyCloses, lastTrade, mean, sampleStd } from './price-history.ts'
import type { StrategyContext, StrategyDecision, StrategyState } from './types.ts'

/** Short moving-average window, days. */
export const SHORT_WINDOW_DAYS = 3

/** Long moving-average window, days. */
export const LONG_WINDOW_DAYS = 10

/** Inputs of the crossover bid rule. */
export interface CrossoverBidInput {
  /** Short MA (3 days). */
  readonly maShort: number
  /** Long MA (10 days). */
  readonly maLong: number
  /** Sample standard deviation of the long window. */
  readonly sdLong: number
  /** Parts sold today. */
  readonly partsSoldToday: number
  /** Minutes of unsold production. */
  readonly timeAccumulatedMin: number
}

/**
 * Parts to sell (ALGORITHMS.md §5.5): on a golden cross (short ≥ long) hold up to 3 days, then
 * one part; on a death cross sell 3, 2 or 1 parts as the short MA falls 2σ, 1σ or less below the
 * long one. **[fix]** The original always overwrote the 3-part branch.
 */
export function crossoverBid(input: CrossoverBidInput): number {
  const { maShort, maLong, sdLong, partsSoldToday: parts } = input
  if (maShort >= maLong) return input.timeAccumulatedMin <= MAX_ACCUMULATION_MIN ? 0 : 1 - parts
  if (maShort < maLong - 2 * sdLong) return 3 - parts
  if (maShort < maLong - sdLong) return 2 - parts
  return 1 - parts
}

/**
 * CrossoverMovingAverages (ALGORITHMS.md §5.5): the SMA's selling mechanics with a 3/10-day
 * crossover rule, in its own state (**[fix]** the original wrote the SMA's file). Falls back to
 * LastDaySell without enough history.
 */
export function crossoverMovingAverages(state: StrategyState, ctx: StrategyContext): StrategyDecision {
  const short = dailyCloses(ctx.market.trades, ctx.nowMs, SHORT_WINDOW_DAYS)
  const long = dailyCloses(ctx.market.trades, ctx.nowMs, LONG_WINDOW_DAYS)
  const last = lastTrade(ctx.market.trades)
  if (last === undefined || long.length < 2 || short.length < 1) {
    return { ...lastDaySell(state, ctx), rule: 'crossover:fallback' }
  }
  const acc = beginAccumulationTick(state.crossover, ctx)
  const bid = crossoverBid({
    maShort: mean(short),
    maLong: mean(long),
    sdLong: sampleStd(long),
    partsSoldToday: acc.partsSoldToday,
    timeAccumulatedMin: acc.timeAccumulatedMin,
  })
  const sale = sellParts(acc, state, ctx, bid, last.priceSatPerMb)
  return {
    state: { ...sale.state, crossover: sale.acc },
    actions: sale.actions,
    attemptPurchase: true,
    rule: sale.actions.length > 0 ? `crossover:sell-${bid}` : 'crossover:hold',
  }
}
