import { btcNeeded, updateOffer } from './common.ts'
import type { StrategyContext, StrategyDecision, StrategyState } from './types.ts'

/**
 * ConstantSell (ALGORITHMS.md §5.2, plebnet/agent/strategies/constant_sell.py): offer all
 * available MB for the BTC still missing for `vps_count` replications, refreshed every order
 * timeout; then try to buy.
 */
export function constantSell(state: StrategyState, ctx: StrategyContext): StrategyDecision {
  if (ctx.balances.mb <= 0n) return { state, actions: [], attemptPurchase: true, rule: 'constant:no-mb' }
  const step = updateOffer(state, ctx, ctx.balances.mb, btcNeeded(ctx))
  return { state: step.state, actions: step.actions, attemptPurchase: true, rule: 'constant:offer' }
}
