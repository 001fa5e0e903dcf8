/**
 * Inputs and outputs of the sell strategies (ALGORITHMS.md §5). A strategy is a pure function
 * `(state, context) → decision`: the shell reads the market and balances, calls it, then cancels
 * and places the orders it returns and runs `attemptPurchase` when asked.
 */

/** One market trade of MB for BTC. */
export interface Trade {
  /** Price in satoshis per MB; fractional prices are fine (rounded only when an order is built). */
  readonly priceSatPerMb: number
  /** When it happened, ms since the epoch (UTC). */
  readonly timeMs: number
}

/** What a strategy sees of the market. */
export interface MarketView {
  /** Past trades, any order. */
  readonly trades: readonly Trade[]
  /** Highest open bid for MB in sat/MB, null when there is none. */
  readonly bestBidSatPerMb: number | null
  /** Fill ratio (0..1) of the last order this strategy placed, when the market reported it. */
  readonly lastOrderFill: number | null
  /** Whether open orders can be cancelled (the Tribler market can). */
  readonly canCancel: boolean
  /**
   * The smallest ask, sats, that the market will ever match (its dust-bound minimum trade); absent or
   * 0 when it has none. An ask below it is declined by every matchmaker, so no strategy places one.
   */
  readonly minOrderSats?: bigint
}

/** The agent's balances. */
export interface Balances {
  /** Spendable bitcoin in satoshis. */
  readonly btcSats: bigint
  /** Available bandwidth tokens, whole MB. */
  readonly mb: bigint
}

/** Everything a strategy reads besides its own state. */
export interface StrategyContext {
  /** Now, ms since the epoch (UTC). */
  readonly nowMs: number
  /** Market view. */
  readonly market: MarketView
  /** Balances. */
  readonly balances: Balances
  /** Price of one replication: `ceil((vps + vpn) · 1.15)` sat (`replicationPrice`). */
  readonly replicationPriceSats: bigint
  /** Children to fund per cycle (`strategy.vps_count`). */
  readonly vpsCount: number
  /** When the lease ends, ms. */
  readonly expirationMs: number
  /** Tick interval (Δ), ms; the SMA order timeout is one tick. */
  readonly tickMs: number
  /** `strategy.order_timeout`: minimum age of the last offer before it is refreshed, ms. */
  readonly orderTimeoutMs: number
  /** Never ask less than this many sat per MB (the agent's floor; 0 = none). */
  readonly floorSatPerMb: number
  /** SMA window in days (`strategy.sma_window_days`). */
  readonly smaWindowDays: number
}

/** The last order the accumulation strategies placed (their state file's `last_order`). */
export interface LastPartOrder {
  /** Parts (days of production) the order was for. */
  readonly bidSize: number
  /** Minutes of accumulated production it took. */
  readonly bidTimeMin: number
}

/** State of an accumulation strategy (`simple_moving_average.json` / `crossovers_moving_averages.json`). */
export interface AccumulationState {
  /** Minutes of production not yet sold. */
  readonly timeAccumulatedMin: number
  /** Parts (days of production) sold today. */
  readonly partsSoldToday: number
  /** UTC day "YYYY-MM-DD" the parts count belongs to ("" before the first tick). */
  readonly day: string
  /** The order placed last tick, whose fill is accounted for this tick. */
  readonly lastOrder: LastPartOrder | null
}

/** The persisted strategy state. */
export interface StrategyState {
  /** `last_offer`: what the last placed order asked, or null. */
  readonly lastOffer: { readonly mb: bigint; readonly btcSats: bigint } | null
  /** `last_offer_date`, ms (0 = never). */
  readonly lastOfferMs: number
  /** SimpleMovingAverage's own state. */
  readonly sma: AccumulationState
  /** CrossoverMovingAverages' own state. */
  readonly crossover: AccumulationState
}

/** An order effect for the shell. */
export type OrderAction =
  | { readonly kind: 'cancel-last' }
  | {
      readonly kind: 'place'
      /** Sell this many MB… */
      readonly mb: bigint
      /** …to receive this many satoshis. */
      readonly sats: bigint
      /** Order timeout in seconds. */
      readonly timeoutS: number
    }

/** A strategy's decision for one tick. */
export interface StrategyDecision {
  /** The state to persist. */
  readonly state: StrategyState
  /** Orders to cancel or place, in order. */
  readonly actions: readonly OrderAction[]
  /** Whether the shell should run `attemptPurchase` (AGENT.md §3.4) after the orders. */
  readonly attemptPurchase: boolean
  /** Which rule decided, for logs and tests. */
  readonly rule: string
}
