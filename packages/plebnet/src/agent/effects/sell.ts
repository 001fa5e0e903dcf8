import type { Genome, StrategyName } from '@dolly/learning'
import { applyStrategy } from '../../strategies/apply-strategy.ts'
import { DEFAULT_ORDER_TIMEOUT_MS } from '../../strategies/common.ts'
import { initialSellState, type PlacingOrder, type SellState } from '../../strategies/sell-state.ts'
import type { StrategyContext } from '../../strategies/types.ts'
import type { AgentOptions, AgentPorts, TokenMarket } from '../ports.ts'

/**
 * The tick's sell step (AGENT.md §3.3 step 9, ALGORITHMS.md §5): the genome's strategy reads the
 * market's trade history and the agent's balances and decides which ask to cancel and place; this
 * runs those actions on the market port. In the last day of the lease `last_day_sell` decides
 * whatever the genome says. Placing an ask is journaled in `strategy.json` before the market hears of
 * it, and the market places an order under a number at most once, so a kill never places two.
 */

/** Bytes per MB token (MB = bytes / 2^20). */
export const MB_BYTES = 1n << 20n

/** The default tick interval Δ (AGENT.md §3.2 `daemon.tick_interval`), ms. */
const DEFAULT_TICK_MS = 300_000

/** What one sell step did. */
export interface SellReport {
  readonly strategy: StrategyName
  /** The rule that decided (e.g. `constant:offer`, `last-day:liquidate`, `sma:accumulate`). */
  readonly rule: string
  /** MB token bytes the agent could offer. */
  readonly availableMbBytes: bigint
  /** The ask placed this tick, if any. */
  readonly placed: PlacingOrder | null
  /** The number of the ask cancelled this tick, if any. */
  readonly cancelled: number | null
  /** An ask journaled by an earlier tick that this one placed (a kill came between). */
  readonly resumed: number | null
}

/** What the sell step needs from the tick. */
export interface SellInput {
  readonly genome: Genome | undefined
  readonly spendableSats: bigint
  /** When the lease ends, world ms. */
  readonly expirationMs: number
  /** `replicationPrice` of the next purchase (ALGORITHMS.md §5.1); 0 when nothing is to be bought. */
  readonly replicationPriceSats: bigint
}

/** One sell step; undefined when the agent has no market or the market no matchmakers. */
export async function sellStep(
  ports: Pick<AgentPorts, 'market' | 'store' | 'clock' | 'log' | 'checkpoint'>,
  options: Pick<AgentOptions, 'sell'>,
  input: SellInput,
): Promise<SellReport | undefined> {
  const market = ports.market
  if (market === undefined || !market.hasMatchmakers()) return undefined
  let state = (await ports.store.sell.load()) ?? initialSellState()
  let resumed: number | null = null
  if (state.placing !== null) {
    // Journaled and maybe placed before a kill: placing it again under its number is a no-op.
    resumed = state.placing.number
    state = await place(ports, market, state, state.placing)
    ports.log.info('sell.order_resumed', { number: resumed })
  }
  const availableMbBytes = await market.availableMbBytes()
  const strategy = input.genome?.strategy.name ?? 'constant_sell'
  const nowMs = ports.clock.nowMs()
  const ctx: StrategyContext = {
    nowMs,
    market: {
      trades: market.trades(),
      bestBidSatPerMb: market.bestBidSatPerMb(),
      lastOrderFill: state.lastOrder === null ? null : market.fillOf(state.lastOrder),
      canCancel: market.canCancel,
      minOrderSats: market.minOrderSats,
    },
    balances: { btcSats: input.spendableSats, mb: availableMbBytes / MB_BYTES },
    replicationPriceSats: input.replicationPriceSats,
    vpsCount: input.genome?.strategy.vpsCount ?? 1,
    expirationMs: input.expirationMs,
    tickMs: options.sell?.tickMs ?? DEFAULT_TICK_MS,
    orderTimeoutMs: options.sell?.orderTimeoutMs ?? DEFAULT_ORDER_TIMEOUT_MS,
    floorSatPerMb: options.sell?.floorSatPerMb ?? 0,
    smaWindowDays: input.genome?.strategy.smaWindowDays ?? 30,
  }
  const decision = applyStrategy(strategy, state.strategy, ctx)
  state = { ...state, strategy: decision.state, last: { strategy, rule: decision.rule, atMs: nowMs } }
  let placed: PlacingOrder | null = null
  let cancelled: number | null = null
  for (const action of decision.actions) {
    if (action.kind === 'cancel-last') {
      if (state.lastOrder === null) continue
      await market.cancel(state.lastOrder)
      cancelled = state.lastOrder
      state = { ...state, lastOrder: null }
      await ports.store.sell.save(state)
      ports.log.info('sell.order_cancelled', { number: cancelled })
      continue
    }
    placed = {
      number: state.nextNumber,
      mbBytes: action.mb * MB_BYTES,
      sats: action.sats,
      timeoutS: action.timeoutS,
    }
    // The intent first: a kill after this line finds the order in `placing` and places it once.
    state = { ...state, nextNumber: state.nextNumber + 1, placing: placed }
    await ports.store.sell.save(state)
    state = await place(ports, market, state, placed)
    ports.log.info('sell.order_placed', {
      number: placed.number,
      mb: action.mb.toString(),
      sats: placed.sats.toString(),
      rule: decision.rule,
    })
  }
  await ports.store.sell.save(state)
  return { strategy, rule: decision.rule, availableMbBytes, placed, cancelled, resumed }
}

/** Places a journaled ask and records it as the strategy's last order (the outcome). */
async function place(
  ports: Pick<AgentPorts, 'store' | 'checkpoint'>,
  market: TokenMarket,
  state: SellState,
  order: PlacingOrder,
): Promise<SellState> {
  await market.placeAsk(order)
  ports.checkpoint('sell-placed')
  const next = { ...state, lastOrder: order.number, placing: null }
  await ports.store.sell.save(next)
  return next
}
