import { MarketError } from './errors.ts'
import { ASK, BID, createMatchingEngine, type MatchingEngine } from './matching.ts'
import { checkOrderFields, orderIdOf, type Order, type OrderId, type OrderSide } from './order.ts'

/**
 * The matchmaker's order book (ALGORITHMS.md §10): verified orders in, fills out. It wraps the
 * matching engine (`matching.ts`, price-time priority, fill rule there) with order ids, bigint
 * amounts, expiry, and the flood bounds:
 *
 * - a trader has at most `maxOrdersPerTrader` open orders (MARKET_TRADER_LIMIT beyond);
 * - the book holds at most `maxOrders` orders. When it is full, an order's remainder takes the
 *   place of the oldest resting order of a STRANGER (a trader this book never saw trade, nor was
 *   told of with `markKnown`); an order of a known trader is never evicted. With no stranger's
 *   order left to evict the remainder is not rested (`rested: false`, `refusal` MARKET_BOOK_FULL).
 *
 * So a flood from fresh keys churns only among strangers' orders; memory stays within
 * `maxOrders` resting orders, their ids, and one record per trader with open orders or trades.
 */

/** One fill: `mbBytes` went from the seller to the buyer for `sats`. */
export interface Fill {
  /** The resting order. */
  readonly maker: OrderId
  /** The incoming order. */
  readonly taker: OrderId
  readonly makerTrader: string
  readonly takerTrader: string
  /** Side of the taker: `bid` when the taker bought. */
  readonly takerSide: OrderSide
  readonly mbBytes: bigint
  readonly sats: bigint
}

/** What `match` did with an order. */
export interface MatchResult {
  readonly fills: readonly Fill[]
  /** Bytes not filled. */
  readonly remaining: bigint
  /** True when the remainder rests in the book. */
  readonly rested: boolean
  /** Why a remainder did not rest. */
  readonly refusal?: 'MARKET_BOOK_FULL'
  /** Orders evicted to make room. */
  readonly evicted: readonly OrderId[]
}

/** A resting order as the book reports it. */
export interface RestingView {
  readonly id: OrderId
  readonly trader: string
  readonly side: OrderSide
  readonly mbBytes: bigint
  readonly sats: bigint
  /** Unfilled bytes. */
  readonly remaining: bigint
  readonly expiresAtMs: number
}

/** Options of a book. */
export interface OrderBookOptions {
  /** Open orders per trader (default 16). */
  readonly maxOrdersPerTrader?: number
  /** Resting orders in all (default 50 000). */
  readonly maxOrders?: number
  /** True when `makerTrader`'s orders must not match `takerTrader` (e.g. a failed trade, Model 0). */
  readonly isBlocked?: (makerTrader: string, takerTrader: string) => boolean
}

/** The book. */
export interface OrderBook {
  /**
   * Matches a (verified) order: fills against resting orders, price-time priority, then rests the
   * remainder. Throws MARKET_ORDER_REPLAYED when the id rests already, MARKET_TRADER_LIMIT when
   * the trader has its maximum of open orders, MARKET_ORDER_EXPIRED when it expired before `nowMs`.
   */
  match(order: Order, nowMs: number): MatchResult
  /** Withdraws a resting order (after `verifyCancel`); false if it does not rest. */
  cancel(id: OrderId): boolean
  /** Removes the orders that expired before `nowMs`; returns their ids. */
  expire(nowMs: number): OrderId[]
  /** A resting order, or undefined. */
  get(id: OrderId): RestingView | undefined
  /** Resting orders of one side, best price first, earliest first within a price. */
  side(side: OrderSide): RestingView[]
  /** Number of resting orders. */
  size(): number
  /** Open orders of `trader`. */
  openOrdersOf(trader: string): number
  /** Records that `trader` has traded (known traders' orders are never evicted for strangers'). */
  markKnown(trader: string): void
  /** True when `trader` is known. */
  isKnown(trader: string): boolean
  /** Order slots the engine holds (resting orders plus cancelled ones not yet swept; bounded). */
  slotsInUse(): number
  /** Trader records held (bounded by known traders plus traders with open orders). */
  traders(): number
}

interface TraderState {
  readonly key: string
  readonly index: number
  open: number
  known: boolean
}

interface Entry {
  readonly id: OrderId
  readonly num: number
  readonly trader: TraderState
  readonly side: OrderSide
  readonly mbBytes: bigint
  readonly sats: bigint
  readonly expiresAtMs: number
  /** The engine's handle while it rests. */
  handle: number
}

/** Default open orders per trader. */
export const DEFAULT_MAX_ORDERS_PER_TRADER = 16
/** Default resting orders in all. */
export const DEFAULT_MAX_ORDERS = 50_000

/** A new, empty book. */
export function createOrderBook(options: OrderBookOptions = {}): OrderBook {
  const perTrader = options.maxOrdersPerTrader ?? DEFAULT_MAX_ORDERS_PER_TRADER
  const maxOrders = options.maxOrders ?? DEFAULT_MAX_ORDERS
  if (!Number.isSafeInteger(perTrader) || perTrader < 1 || !Number.isSafeInteger(maxOrders) || maxOrders < 1)
    throw new MarketError('MARKET_ORDER_MALFORMED', 'book caps must be positive integers')
  const traders = new Map<string, TraderState>()
  const tradersByIndex = new Map<number, TraderState>()
  const byId = new Map<OrderId, Entry>()
  const byNum = new Map<number, Entry>()
  /** Stranger orders in arrival order (lazily cleaned): eviction candidates. */
  let strangers: number[] = []
  let strangersHead = 0
  let nextNum = 1
  let nextTrader = 1
  let fills: Fill[] = []
  let taker: Entry | undefined

  const blocked = options.isBlocked
  const engine: MatchingEngine = createMatchingEngine({
    onFill(makerNum, _takerNum, bytes, sats, makerDone) {
      const maker = byNum.get(makerNum) as Entry
      const t = taker as Entry
      maker.trader.known = true
      t.trader.known = true
      fills.push({
        maker: maker.id,
        taker: t.id,
        makerTrader: maker.trader.key,
        takerTrader: t.trader.key,
        takerSide: t.side,
        mbBytes: BigInt(bytes),
        sats: BigInt(sats),
      })
      if (makerDone) forget(maker)
    },
    onExpire: (num) => forget(byNum.get(num) as Entry),
    ...(blocked === undefined
      ? {}
      : {
          isBlocked: (m: number, t: number) =>
            blocked(tradersByIndex.get(m)?.key ?? '', tradersByIndex.get(t)?.key ?? ''),
        }),
  })

  function traderOf(key: string): TraderState {
    let state = traders.get(key)
    if (state === undefined) {
      state = { key, index: nextTrader++, open: 0, known: false }
      traders.set(key, state)
      tradersByIndex.set(state.index, state)
    }
    return state
  }

  function release(state: TraderState): void {
    if (state.open === 0 && !state.known) {
      traders.delete(state.key)
      tradersByIndex.delete(state.index)
    }
  }

  function forget(entry: Entry): void {
    byId.delete(entry.id)
    byNum.delete(entry.num)
    entry.trader.open--
    release(entry.trader)
  }

  /** Evicts the oldest resting stranger order; its id, or undefined when there is none. */
  function evictStranger(): OrderId | undefined {
    while (strangersHead < strangers.length) {
      const num = strangers[strangersHead++] as number
      const entry = byNum.get(num)
      if (entry === undefined || entry.trader.known) continue
      engine.cancel(entry.handle, num)
      forget(entry)
      return entry.id
    }
    return undefined
  }

  function compactStrangers(): void {
    if (strangersHead < 1024 || strangersHead * 2 < strangers.length) return
    strangers = strangers.slice(strangersHead).filter((n) => {
      const e = byNum.get(n)
      return e !== undefined && !e.trader.known
    })
    strangersHead = 0
  }

  function view(entry: Entry): RestingView {
    return {
      id: entry.id,
      trader: entry.trader.key,
      side: entry.side,
      mbBytes: entry.mbBytes,
      sats: entry.sats,
      remaining: BigInt(engine.remaining(entry.handle, entry.num)),
      expiresAtMs: entry.expiresAtMs,
    }
  }

  return {
    match(order, nowMs) {
      checkOrderFields(order)
      const id = orderIdOf(order)
      if (byId.has(id)) throw new MarketError('MARKET_ORDER_REPLAYED', `order ${id} rests already`)
      const expiresAtMs = order.timestampMs + order.timeoutS * 1000
      if (expiresAtMs < nowMs) throw new MarketError('MARKET_ORDER_EXPIRED', `order ${id} expired`)
      const known = traders.get(order.trader)
      if (known !== undefined && known.open >= perTrader)
        throw new MarketError(
          'MARKET_TRADER_LIMIT',
          `trader has ${known.open} open orders, the most a book keeps`,
        )
      const state = traderOf(order.trader)
      const entry: Entry = {
        id,
        num: nextNum++,
        trader: state,
        side: order.side,
        mbBytes: order.mbBytes,
        sats: order.sats,
        expiresAtMs,
        handle: -1,
      }
      const side = order.side === 'ask' ? ASK : BID
      const sats = Number(order.sats)
      const bytes = Number(order.mbBytes)
      fills = []
      taker = entry
      let left: number
      try {
        left = engine.limit(entry.num, state.index, side, sats, bytes, bytes, expiresAtMs, nowMs, false)
      } finally {
        taker = undefined
      }
      const made = fills
      const evicted: OrderId[] = []
      let rested = false
      let refusal: MatchResult['refusal']
      if (left > 0) {
        if (byNum.size >= maxOrders) {
          const gone = evictStranger()
          if (gone !== undefined) evicted.push(gone)
        }
        if (byNum.size < maxOrders) {
          // Re-entering finds only makers the first pass skipped (self, blocked, rounding): no fills.
          taker = entry
          try {
            left = engine.limit(entry.num, state.index, side, sats, bytes, left, expiresAtMs, nowMs, true)
          } finally {
            taker = undefined
          }
          if (left > 0) {
            rested = true
            entry.handle = engine.restedHandle()
            byId.set(id, entry)
            byNum.set(entry.num, entry)
            state.open++
            if (!state.known) strangers.push(entry.num)
            compactStrangers()
          }
        } else refusal = 'MARKET_BOOK_FULL'
      }
      if (!rested) release(state)
      return {
        fills: made,
        remaining: BigInt(left),
        rested,
        evicted,
        ...(refusal === undefined ? {} : { refusal }),
      }
    },
    cancel(id) {
      const entry = byId.get(id)
      if (entry === undefined) return false
      engine.cancel(entry.handle, entry.num)
      forget(entry)
      return true
    },
    expire(nowMs) {
      const gone: OrderId[] = []
      for (const entry of byId.values()) if (entry.expiresAtMs < nowMs) gone.push(entry.id)
      engine.expire(nowMs)
      return gone
    },
    get(id) {
      const entry = byId.get(id)
      return entry === undefined ? undefined : view(entry)
    },
    side(s) {
      const out: RestingView[] = []
      for (const level of engine.depth(s === 'ask' ? ASK : BID))
        for (const num of level.orders) out.push(view(byNum.get(num) as Entry))
      return out
    },
    size: () => byNum.size,
    slotsInUse: () => engine.slotsInUse(),
    openOrdersOf: (trader) => traders.get(trader)?.open ?? 0,
    markKnown(trader) {
      traderOf(trader).known = true
    },
    isKnown: (trader) => traders.get(trader)?.known === true,
    traders: () => traders.size,
  }
}
