import { placeOrder, priceFor } from './common.ts'
import { dayString, utcDay } from './price-history.ts'
import type { AccumulationState, OrderAction, StrategyContext, StrategyState } from './types.ts'

/** Minutes in a day: one "part" of production. */
export const MINUTES_IN_DAY = 1440

/** Longest production held back while the price is unfavourable: 3 days, in minutes. */
export const MAX_ACCUMULATION_MIN = 4320

/**
 * Start of an accumulation tick (ALGORITHMS.md §5.4): add one tick of production, reset the day's
 * parts on a new UTC day, then account for last tick's order: the filled share counts as sold,
 * the unfilled share's production time is given back (partial fills carry over).
 */
export function beginAccumulationTick(acc: AccumulationState, ctx: StrategyContext): AccumulationState {
  const today = dayString(utcDay(ctx.nowMs))
  let next: AccumulationState = { ...acc, timeAccumulatedMin: acc.timeAccumulatedMin + ctx.tickMs / 60_000 }
  if (next.day !== today) next = { ...next, partsSoldToday: 0, day: today }
  if (next.lastOrder !== null) {
    const raw = ctx.market.lastOrderFill ?? 0
    // An unreported or nonsensical fill counts as nothing sold: the production time is given back.
    const f = Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : 0
    next = {
      ...next,
      partsSoldToday: next.partsSoldToday + next.lastOrder.bidSize * f,
      timeAccumulatedMin: next.timeAccumulatedMin + Math.round(next.lastOrder.bidTimeMin * (1 - f)),
      lastOrder: null,
    }
  }
  return next
}

/** The result of selling parts: the accumulation state, the strategy state and the order effects. */
export interface PartsSale {
  /** Accumulation state after the sale. */
  readonly acc: AccumulationState
  /** Strategy state after the sale (last offer). */
  readonly state: StrategyState
  /** Orders to place. */
  readonly actions: readonly OrderAction[]
}

/**
 * Sells `bid` parts at the last price (ALGORITHMS.md §5.4): `gain_rate = available·1440/time`,
 * `mb = min(available, gain_rate·bid)` (whole MB, rounded down), priced `ceil(last·mb)`, with a
 * one-tick timeout. Nothing when `bid ≤ 0` or nothing would be sold; production time is spent only
 * when an order is placed.
 */
export function sellParts(
  acc: AccumulationState,
  state: StrategyState,
  ctx: StrategyContext,
  bid: number,
  lastPrice: number,
): PartsSale {
  if (!(bid > 0) || !(acc.timeAccumulatedMin > 0)) return { acc, state, actions: [] }
  const available = Number(ctx.balances.mb)
  const gainRatePerDay = (available * MINUTES_IN_DAY) / acc.timeAccumulatedMin
  const mb = BigInt(Math.floor(Math.min(available, gainRatePerDay * bid)))
  const placed = placeOrder(
    state,
    ctx,
    mb,
    priceFor(lastPrice, mb),
    Math.round(ctx.tickMs / 1000),
    'raise-mb',
  )
  if (placed.actions.length === 0) return { acc, state, actions: [] }
  const timeChange = Math.min(acc.timeAccumulatedMin, MINUTES_IN_DAY * bid)
  return {
    acc: {
      ...acc,
      timeAccumulatedMin: acc.timeAccumulatedMin - timeChange,
      lastOrder: { bidSize: bid, bidTimeMin: timeChange },
    },
    state: placed.state,
    actions: placed.actions,
  }
}
