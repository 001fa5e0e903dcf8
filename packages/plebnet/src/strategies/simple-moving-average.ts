import { beginAccumulationTick, MAX_ACCUMULATION_MIN, sellParts } from './accumulation.ts'
import { lastDaySell } from './last-day-sell.ts'
import { dailyCloses, lastTrade, mean, sampleStd, utcHour } from './price-history.ts'
import type { StrategyContext, StrategyDecision, StrategyState } from './types.ts'

/** Inputs of the SMA bid rule. */
export interface SmaBidInput {
  /** Last trade price, sat/MB. */
  readonly last: number
  /** Mean of the daily closes. */
  readonly ma: number
  /** Sample standard deviation of the daily closes. */
  readonly sd: number
  /** Parts sold today. */
  readonly partsSoldToday: number
  /** Minutes of unsold production. */
  readonly timeAccumulatedMin: number
  /** Hour of the UTC day. */
  readonly hourUtc: number
}

/**
 * Parts to sell (ALGORITHMS.md §5.4): below the average hold up to 3 days of production, then one
 * day's worth at 23:00 UTC; at or above it sell 1, 2 or 3 days' worth at the MA, MA + 2σ and
 * MA + 3σ tiers (a Bollinger-band breakout rule), minus what was sold today.
 */
export function smaBid(input: SmaBidInput): number {
  const { last, ma, sd, partsSoldToday: parts } = input
  if (last < ma) return input.timeAccumulatedMin <= MAX_ACCUMULATION_MIN || input.hourUtc < 23 ? 0 : 1 - parts
  if (last >= ma + 3 * sd) return 3 - parts
  if (last >= ma + 2 * sd) return 2 - parts
  return 1 - parts
}

/**
 * SimpleMovingAverage (ALGORITHMS.md §5.4) over `smaWindowDays` daily closes (README: 30). Falls
 * back to LastDaySell without trades or with fewer than 2 closes in the window; tries to buy
 * every tick, as the original did.
 */
export function simpleMovingAverage(state: StrategyState, ctx: StrategyContext): StrategyDecision {
  const closes = dailyCloses(ctx.market.trades, ctx.nowMs, ctx.smaWindowDays)
  const last = lastTrade(ctx.market.trades)
  if (last === undefined || closes.length < 2) return { ...lastDaySell(state, ctx), rule: 'sma:fallback' }
  const acc = beginAccumulationTick(state.sma, ctx)
  const bid = smaBid({
    last: last.priceSatPerMb,
    ma: mean(closes),
    sd: sampleStd(closes),
    partsSoldToday: acc.partsSoldToday,
    timeAccumulatedMin: acc.timeAccumulatedMin,
    hourUtc: utcHour(ctx.nowMs),
  })
  const sale = sellParts(acc, state, ctx, bid, last.priceSatPerMb)
  return {
    state: { ...sale.state, sma: sale.acc },
    actions: sale.actions,
    attemptPurchase: true,
    rule: sale.actions.length > 0 ? `sma:sell-${bid}` : 'sma:hold',
  }
}
