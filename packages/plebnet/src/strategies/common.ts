import type { OrderAction, StrategyContext, StrategyState } from './types.ts'

/** `BTC_FLUCTUATION_MARGIN` = 1.15 as an exact ratio (ALGORITHMS.md §5.1). */
export const MARGIN_NUMERATOR = 115n
/** Denominator of the margin. */
export const MARGIN_DENOMINATOR = 100n

/** Liquidation window: the last day of the lease (`lease.liquidate_before`, 86400 s). */
export const LAST_DAY_MS = 86_400_000

/** The Tribler market's default order timeout, 3600 s (`strategy.order_timeout`). */
export const DEFAULT_ORDER_TIMEOUT_MS = 3_600_000

/** A fresh strategy state. */
export function initialStrategyState(): StrategyState {
  const acc = { timeAccumulatedMin: 0, partsSoldToday: 0, day: '', lastOrder: null }
  return { lastOffer: null, lastOfferMs: 0, sma: acc, crossover: acc }
}

/**
 * `ceil((vps + vpn) · 1.15)` in sats (ALGORITHMS.md §5.1); rounded up so the margin is never short.
 * @example replicationPrice(300_000n, 100_000n) === 460_000n
 */
export function replicationPrice(vpsSats: bigint, vpnSats: bigint): bigint {
  return ((vpsSats + vpnSats) * MARGIN_NUMERATOR + MARGIN_DENOMINATOR - 1n) / MARGIN_DENOMINATOR
}

/** `max(replicationPrice · vps_count − btc_available, 0)` sats. */
export function btcNeeded(ctx: StrategyContext): bigint {
  const need = ctx.replicationPriceSats * BigInt(ctx.vpsCount) - ctx.balances.btcSats
  return need > 0n ? need : 0n
}

/** `ceil(pricePerMb · mb)` in sats; non-finite or negative prices give 0 (no order). */
export function priceFor(priceSatPerMb: number, mb: bigint): bigint {
  const sats = Math.ceil(priceSatPerMb * Number(mb))
  return Number.isFinite(sats) && sats > 0 ? BigInt(sats) : 0n
}

/** The result of building orders: the new state and the order effects. */
export interface OrderStep {
  /** State after the step. */
  readonly state: StrategyState
  /** Effects, in order. */
  readonly actions: readonly OrderAction[]
}

/**
 * What an ask below the market's minimum trade (`MarketView.minOrderSats`) becomes:
 * - `raise-sats` asks for the minimum for the same MB (an ask for the BTC still missing: the agent
 *   needs at least that much, and the minimum is the least any trade pays);
 * - `raise-mb` keeps the price per MB (an ask priced at the market) and offers as many more MB as
 *   reach the minimum; when all available MB do not, nothing is placed and the MB wait.
 */
export type BelowMinimum = 'raise-sats' | 'raise-mb'

/**
 * `placeOrder(mb, sat, timeout)` (ALGORITHMS.md §5.1): sell `mb` MB for `sat` satoshis. Nothing
 * when either is 0. Never sells more MB than available, never asks below the floor, and records
 * `last_offer` and `last_offer_date` (persisted, unlike the original). **[fix]** Never places an ask
 * the market cannot match: one below `minOrderSats` is raised to it or skipped (`belowMinimum`). The
 * original had no minimum; on a chain with a dust limit such an ask is declined by every matchmaker,
 * and an agent whose missing BTC is small kept asking for it and never sold (a world run showed it).
 */
export function placeOrder(
  state: StrategyState,
  ctx: StrategyContext,
  mbWanted: bigint,
  satsWanted: bigint,
  timeoutS: number,
  belowMinimum: BelowMinimum = 'raise-sats',
): OrderStep {
  let mb = mbWanted < ctx.balances.mb ? mbWanted : ctx.balances.mb
  if (mb <= 0n || satsWanted <= 0n) return { state, actions: [] }
  const floor = priceFor(ctx.floorSatPerMb, mb)
  const min = ctx.market.minOrderSats ?? 0n
  let sats = satsWanted > floor ? satsWanted : floor
  if (sats < min) {
    if (belowMinimum === 'raise-sats') sats = min
    else {
      const perMb = Number(sats) / Number(mb)
      const needed = BigInt(Math.ceil(Number(min) / perMb))
      if (needed > ctx.balances.mb) return { state, actions: [] }
      mb = needed
      const atPrice = priceFor(perMb, mb)
      sats = atPrice > min ? atPrice : min
    }
  }
  return {
    state: { ...state, lastOffer: { mb, btcSats: sats }, lastOfferMs: ctx.nowMs },
    actions: [{ kind: 'place', mb, sats, timeoutS }],
  }
}

/**
 * `updateOffer(mb, sat)`: acts only when the last offer is older than the order timeout; then
 * cancels the previous order (if the market can) and places the new one.
 */
export function updateOffer(
  state: StrategyState,
  ctx: StrategyContext,
  mb: bigint,
  sats: bigint,
  belowMinimum: BelowMinimum = 'raise-sats',
): OrderStep {
  if (!(ctx.nowMs - state.lastOfferMs > ctx.orderTimeoutMs)) return { state, actions: [] }
  const placed = placeOrder(state, ctx, mb, sats, Math.round(ctx.orderTimeoutMs / 1000), belowMinimum)
  const cancel: OrderAction[] =
    state.lastOffer !== null && ctx.market.canCancel ? [{ kind: 'cancel-last' }] : []
  // A cancelled order that is not replaced is forgotten, so it is not cancelled again next time.
  const next =
    placed.actions.length === 0 && cancel.length > 0 ? { ...placed.state, lastOffer: null } : placed.state
  return { state: next, actions: [...cancel, ...placed.actions] }
}
