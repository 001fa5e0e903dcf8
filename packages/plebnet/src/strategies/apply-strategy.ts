import type { StrategyName } from '@dolly/learning'
import { constantSell } from './constant-sell.ts'
import { crossoverMovingAverages } from './crossover-moving-averages.ts'
import { inLastDay, lastDaySell } from './last-day-sell.ts'
import { simpleMovingAverage } from './simple-moving-average.ts'
import type { StrategyContext, StrategyDecision, StrategyState } from './types.ts'

/**
 * One tick of the configured sell strategy. In the last day of the lease the `last_day_sell` logic
 * is forced whatever is configured (AGENT.md §3.3 step 8), because unsold reputation dies with the
 * server.
 */
export function applyStrategy(
  name: StrategyName,
  state: StrategyState,
  ctx: StrategyContext,
): StrategyDecision {
  if (inLastDay(ctx)) return lastDaySell(state, ctx)
  switch (name) {
    case 'constant_sell':
      return constantSell(state, ctx)
    case 'last_day_sell':
      return lastDaySell(state, ctx)
    case 'simple_moving_average':
      return simpleMovingAverage(state, ctx)
    case 'crossovers_moving_averages':
      return crossoverMovingAverages(state, ctx)
    default: {
      const never: never = name
      return never
    }
  }
}
