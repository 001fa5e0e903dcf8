import { comparePrices, compareProducts, mulDiv } from './price.ts'

/**
 * The matching engine: a pure, synchronous, allocation-light limit order book over safe integers
 * (ALGORITHMS.md §10 `match()`). Price-time priority; partial fills leave the remainder resting;
 * self-trades and blocked counterparties are skipped (the skipped order keeps its place).
 *
 * Data structure. Each side is an array of price levels sorted so that the best level is the
 * LAST element (asks descending, bids ascending): matching pops from the end, and a new level near
 * the best price is inserted with a short move. A level is found by binary search on the exact
 * price. Orders live in a slot pool of typed arrays (struct of arrays: amounts, expiry, trader,
 * caller id; a free list reuses slots), so resting an order allocates nothing and the garbage
 * collector never sees the orders. A level holds a FIFO queue of slot numbers (an array with a
 * head index). A resting order's handle is its slot: cancelling marks it dead in place, O(1),
 * and its slot is reused once its queue has moved past it (head or compaction), so a stale queue
 * entry never meets a new order.
 *
 * Price. An order's limit price is the exact ratio `sats / bytes` of its own amounts (never
 * reduced, never a float); prices are compared by cross-multiplication (`price.ts`).
 *
 * Fill rule. A fill of `q` bytes is priced at the resting maker's price; its satoshis are
 * `q · makerSats / makerBytes` rounded in the MAKER's favour (up when the maker sells, down when
 * the maker buys), so the maker never trades worse than its limit. The taker is protected by a
 * check: the fill is made only if it is within the taker's own limit too (a buying taker pays at
 * most `q · takerSats / takerBytes`, a selling taker receives at least that). When integer
 * satoshis leave no amount within both limits (equal prices, an indivisible quantity), that
 * maker is skipped for this taker. So neither side ever pays more, or receives less, than its
 * own limit price on any fill.
 */

/** Side of an order: an ask sells MB for BTC. */
export const ASK = 0
/** Side of an order: a bid buys MB with BTC. */
export const BID = 1
/** `ASK` or `BID`. */
export type Side = typeof ASK | typeof BID

/** Receives each fill, in match order: `makerDone` is true when the maker order left the book. */
export type FillSink = (
  makerId: number,
  takerId: number,
  bytes: number,
  sats: number,
  makerDone: boolean,
) => void

/** Options of an engine. */
export interface MatchingEngineOptions {
  /** Called for every fill, synchronously, during `limit` (it must not call the engine). */
  readonly onFill: FillSink
  /** True when `makerTrader`'s order must not be matched with `takerTrader` (the skipped order stays). */
  readonly isBlocked?: (makerTrader: number, takerTrader: number) => boolean
  /** Called when a resting order leaves the book because it expired (during `limit` or `expire`). */
  readonly onExpire?: (id: number) => void
}

/** One price level as `depth` shows it. */
export interface LevelView {
  /** A representative of the level's exact price `sats / bytes` (its first order's amounts). */
  readonly sats: number
  readonly bytes: number
  /** Unfilled bytes resting at this price. */
  readonly volume: number
  /** Ids of the live orders at this price, oldest first. */
  readonly orders: readonly number[]
}

/**
 * The engine. All amounts are positive safe integers. A resting order is named by its handle
 * (from `restedHandle`) together with its id: a handle alone may be reused once the order left.
 */
export interface MatchingEngine {
  /**
   * Matches `quantity` bytes of a limit order with price `sats / bytes` against the book
   * (price-time priority, fills to `onFill`), then rests what is left unless `rest` is false.
   * Returns the unfilled bytes. Resting orders whose expiry is before `nowMs` are removed as they
   * are met. The hot path does not validate: amounts are positive safe integers and
   * `quantity · sats / bytes` is a safe integer (so `quantity ≤ bytes` suffices), which the book
   * guarantees by checking orders first.
   */
  limit(
    id: number,
    trader: number,
    side: Side,
    sats: number,
    bytes: number,
    quantity: number,
    expiresAtMs: number,
    nowMs: number,
    rest?: boolean,
  ): number
  /** Handle of the order the last `limit` call rested, or -1 when it rested nothing. */
  restedHandle(): number
  /** Removes the resting order `id` under `handle`; false if it does not rest there. */
  cancel(handle: number, id: number): boolean
  /** Unfilled bytes of the resting order `id` under `handle`, 0 if it does not rest there. */
  remaining(handle: number, id: number): number
  /** Removes every order whose expiry is before `nowMs`; returns how many. */
  expire(nowMs: number): number
  /** Number of resting orders. */
  size(): number
  /** Slots of the pool not free: resting orders plus dead ones still queued (bounded by a constant factor of `size`). */
  slotsInUse(): number
  /** Levels of one side, best first. */
  depth(side: Side): LevelView[]
}

class Level {
  /** Slots, oldest first from `head`; dead slots stay until passed. */
  queue: number[] = []
  head = 0
  live = 0
  volume = 0
  readonly sats: number
  readonly bytes: number
  constructor(sats: number, bytes: number) {
    this.sats = sats
    this.bytes = bytes
  }
}

/** A queue is compacted once it holds this many passed or dead entries and they are most of it. */
const COMPACT_AT = 64
const FREE = 0
const LIVE = 1
const DEAD = 2
const INITIAL_SLOTS = 1024

/** A new, empty engine. */
export function createMatchingEngine(options: MatchingEngineOptions): MatchingEngine {
  const onFill = options.onFill
  const isBlocked = options.isBlocked
  const onExpire = options.onExpire
  // sides[ASK]: descending price (best = lowest at the end); sides[BID]: ascending.
  const sides: [Level[], Level[]] = [[], []]

  // The slot pool.
  let capacity = INITIAL_SLOTS
  let ids: Float64Array = new Float64Array(capacity)
  let satsOf: Float64Array = new Float64Array(capacity)
  let bytesOf: Float64Array = new Float64Array(capacity)
  let left: Float64Array = new Float64Array(capacity)
  let expiry: Float64Array = new Float64Array(capacity)
  let traderOf: Float64Array = new Float64Array(capacity)
  let state: Uint8Array = new Uint8Array(capacity)
  let sideOf: Uint8Array = new Uint8Array(capacity)
  const levelOf: (Level | undefined)[] = []
  let free = new Int32Array(capacity)
  let freeCount = 0
  let used = 0
  let live = 0
  let rested = -1

  function grow(): void {
    const next = capacity * 2
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(next)
      b.set(a)
      return b
    }
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(next)
      b.set(a)
      return b
    }
    ids = f64(ids)
    satsOf = f64(satsOf)
    bytesOf = f64(bytesOf)
    left = f64(left)
    expiry = f64(expiry)
    traderOf = f64(traderOf)
    state = u8(state)
    sideOf = u8(sideOf)
    const f = new Int32Array(next)
    f.set(free)
    free = f
    capacity = next
  }

  function allocate(): number {
    if (freeCount > 0) return free[--freeCount] as number
    if (used === capacity) grow()
    return used++
  }

  function release(slot: number): void {
    state[slot] = FREE
    levelOf[slot] = undefined
    free[freeCount++] = slot
  }

  /** Index of the level at exactly `s/b` on `side`, or `-(insertion point) - 1`. */
  function findLevel(side: Side, s: number, b: number): number {
    const levels = sides[side]
    let lo = 0
    let hi = levels.length - 1
    // Ascending for bids, descending for asks: flip the comparison for asks.
    const dir = side === BID ? 1 : -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const level = levels[mid] as Level
      const c = comparePrices(level.sats, level.bytes, s, b) * dir
      if (c === 0) return mid
      if (c < 0) lo = mid + 1
      else hi = mid - 1
    }
    return -lo - 1
  }

  /** Frees every slot left in an emptied level's queue (all dead) and forgets the queue. */
  function clearLevel(level: Level): void {
    const q = level.queue
    for (let i = level.head; i < q.length; i++) release(q[i] as number)
    q.length = 0
    level.head = 0
  }

  function compact(level: Level): void {
    const q = level.queue
    let w = 0
    for (let r = level.head; r < q.length; r++) {
      const slot = q[r] as number
      if (state[slot] === LIVE) q[w++] = slot
      else release(slot)
    }
    q.length = w
    level.head = 0
  }

  /** True when a queue's passed prefix or its dead entries are both many and most of it. */
  function untidy(level: Level): boolean {
    const queued = level.queue.length - level.head
    const dead = queued - level.live
    return (level.head >= COMPACT_AT && level.head >= queued) || (dead >= COMPACT_AT && dead >= level.live)
  }

  /** Marks a live slot dead (it stays in its queue until passed); the level's counts follow. */
  function drop(slot: number, level: Level): void {
    state[slot] = DEAD
    level.live--
    level.volume -= left[slot] as number
    live--
  }

  /** Takes a slot out of the book outside matching: drops its level when it empties, compacts it. */
  function kill(slot: number): void {
    const level = levelOf[slot] as Level
    drop(slot, level)
    const q = level.queue
    while (level.head < q.length && state[q[level.head] as number] !== LIVE)
      release(q[level.head++] as number)
    if (level.live === 0) {
      const levels = sides[sideOf[slot] as Side]
      if (levels[levels.length - 1] === level) levels.pop()
      else {
        const at = findLevel(sideOf[slot] as Side, level.sats, level.bytes)
        if (at >= 0) levels.splice(at, 1)
      }
      clearLevel(level)
    } else if (untidy(level)) compact(level)
  }

  function rest(
    id: number,
    trader: number,
    side: Side,
    sats: number,
    bytes: number,
    remaining: number,
    expiresAt: number,
  ): number {
    const levels = sides[side]
    let level: Level
    const top = levels[levels.length - 1]
    if (top !== undefined && comparePrices(top.sats, top.bytes, sats, bytes) === 0) level = top
    else {
      const at = findLevel(side, sats, bytes)
      if (at >= 0) level = levels[at] as Level
      else {
        level = new Level(sats, bytes)
        const pos = -at - 1
        if (pos === levels.length) levels.push(level)
        else levels.splice(pos, 0, level)
      }
    }
    const slot = allocate()
    ids[slot] = id
    satsOf[slot] = sats
    bytesOf[slot] = bytes
    left[slot] = remaining
    expiry[slot] = expiresAt
    traderOf[slot] = trader
    state[slot] = LIVE
    sideOf[slot] = side
    levelOf[slot] = level
    level.queue.push(slot)
    level.live++
    level.volume += remaining
    live++
    return slot
  }

  function limit(
    id: number,
    trader: number,
    side: Side,
    sats: number,
    bytes: number,
    quantity: number,
    expiresAtMs: number,
    nowMs: number,
    restRemainder = true,
  ): number {
    let want = quantity
    rested = -1
    const opposite = side === BID ? sides[ASK] : sides[BID]
    const buying = side === BID
    let li = opposite.length - 1
    while (li >= 0 && want > 0) {
      const level = opposite[li] as Level
      // A bid crosses an ask level when sats/bytes ≥ level price; an ask crosses a bid level when ≤.
      const c = comparePrices(sats, bytes, level.sats, level.bytes)
      if (buying ? c < 0 : c > 0) break
      const q = level.queue
      for (let i = level.head; i < q.length; i++) {
        const m = q[i] as number
        if (state[m] !== LIVE) {
          if (i === level.head) {
            level.head++
            release(m)
          }
          continue
        }
        if ((expiry[m] as number) < nowMs) {
          drop(m, level)
          if (i === level.head) {
            level.head++
            release(m)
          }
          if (onExpire !== undefined) onExpire(ids[m] as number)
          continue
        }
        const mt = traderOf[m] as number
        if (mt === trader || (isBlocked !== undefined && isBlocked(mt, trader))) continue
        const mLeft = left[m] as number
        const fill = want < mLeft ? want : mLeft
        // Maker's price, rounded in the maker's favour: a selling maker is paid up, a buying one pays down.
        const paid = mulDiv(fill, satsOf[m] as number, bytesOf[m] as number, buying)
        // The taker's own limit: a buyer pays ≤ fill·sats/bytes, a seller receives ≥ it.
        const t = compareProducts(paid, bytes, fill, sats)
        if (buying ? t > 0 : t < 0) continue
        left[m] = mLeft - fill
        level.volume -= fill
        want -= fill
        const done = fill === mLeft
        if (done) {
          state[m] = DEAD
          level.live--
          live--
          if (i === level.head) {
            level.head++
            release(m)
          }
        }
        onFill(ids[m] as number, id, fill, paid, done)
        if (want === 0) break
      }
      if (level.live === 0) {
        if (li === opposite.length - 1) opposite.pop()
        else opposite.splice(li, 1)
        clearLevel(level)
      } else if (untidy(level)) compact(level)
      li--
    }
    if (want > 0 && restRemainder) rested = rest(id, trader, side, sats, bytes, want, expiresAtMs)
    return want
  }

  const isLive = (handle: number, id: number): boolean =>
    Number.isInteger(handle) && handle >= 0 && handle < used && state[handle] === LIVE && ids[handle] === id

  return {
    limit,
    restedHandle: () => rested,
    cancel(handle, id) {
      if (!isLive(handle, id)) return false
      kill(handle)
      return true
    },
    remaining: (handle, id) => (isLive(handle, id) ? (left[handle] as number) : 0),
    expire(nowMs) {
      let n = 0
      for (let slot = 0; slot < used; slot++) {
        if (state[slot] !== LIVE || (expiry[slot] as number) >= nowMs) continue
        const id = ids[slot] as number
        kill(slot)
        n++
        if (onExpire !== undefined) onExpire(id)
      }
      return n
    },
    size: () => live,
    slotsInUse: () => used - freeCount,
    depth(side) {
      const levels = sides[side]
      const out: LevelView[] = []
      for (let i = levels.length - 1; i >= 0; i--) {
        const level = levels[i] as Level
        const orders: number[] = []
        for (let j = level.head; j < level.queue.length; j++) {
          const slot = level.queue[j] as number
          if (state[slot] === LIVE) orders.push(ids[slot] as number)
        }
        out.push({ sats: level.sats, bytes: level.bytes, volume: level.volume, orders })
      }
      return out
    },
  }
}
