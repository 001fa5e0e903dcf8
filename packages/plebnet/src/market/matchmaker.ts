import { bytesToHex, type Logger, type Rng, type SignatureVerifier } from '@dolly/base'
import {
  createOrderBook,
  MAX_ORDER_TIMEOUT_S,
  createOrderVerifier,
  MarketError,
  marketCodeOf,
  type Fill,
  type OrderBook,
  type OrderBookOptions,
  type OrderId,
  type RestingView,
} from '@dolly/market'
import { BLOOM_SALT_BYTES, bloomFilterFrom, createBloomFilter, type BloomFilter } from './bloom.ts'
import { askMarket, type MarketChannel } from './channel.ts'
import {
  SYNC_MAX_CANCELS,
  SYNC_MAX_ORDERS,
  type BookEntry,
  type MarketAnswer,
  type MarketRequest,
  type MatchNotice,
  type SyncRequest,
  type TradeRecord,
} from './messages.ts'

/**
 * A matchmaker (ALGORITHMS.md §10: every node by default): holds an order book, verifies each
 * incoming order (signature, expiry, replay) after a per-sender rate limit, matches it, and sends
 * MATCH to both traders; keeps a bounded history of the trades it matched (price history for the
 * strategies) and answers book and trade queries.
 *
 * Book sync (Tribler PR #3512): `syncWith(peer)` sends `peer` a Bloom filter (`bloom.ts`, fresh salt)
 * of `o<id>` for every order it holds or no longer wants (filled, evicted or cancelled while live:
 * the tombstones) and `c<id>` for every signed cancel it holds; the peer answers with its live
 * orders whose `o` and `c` keys the filter lacks and its cancels whose `c` key the filter lacks
 * (cancels first; ≤ `SYNC_MAX_ORDERS` orders, `SYNC_MAX_CANCELS` cancels, ≤ `syncScan` candidates
 * examined per request). What comes back takes the path of ORDER and CANCEL (verifyOrder, the
 * book's limits, matching and MATCH); a cancelled id stays in the verifier's replay window, so sync
 * cannot bring a cancelled order back. Every verified cancel is kept (the last `maxCancels`) and
 * passed on, also by matchmakers that never held the order: it spreads like an order and reaches
 * the holders from many sides.
 */

/** Ports of a matchmaker. */
export interface MatchmakerDeps {
  /** World time (orders' timestamps and expiries are world ms). */
  readonly clock: { nowMs(): number }
  readonly rng: Rng
  readonly log: Logger
  readonly verifier: SignatureVerifier
  readonly channel: MarketChannel
  /** The channel address of a trader (hex Ed25519 key); undefined when it cannot be reached. */
  readonly addressOf: (trader: string) => string | undefined
}

/** Limits of a matchmaker; each has a default. */
export interface MatchmakerOptions {
  readonly book?: OrderBookOptions
  /** Accepted order ids remembered against replay (the verifier's window). */
  readonly seenCapacity?: number
  /** Requests a sender may make in a burst (default 32) … */
  readonly burst?: number
  /** … refilled at this many per second of world time (default 1). */
  readonly perSecond?: number
  /** Senders whose rate the matchmaker tracks at once (default 1 024; the oldest is forgotten). */
  readonly maxSenders?: number
  /** Trades kept for TRADES answers (default 1 000). */
  readonly maxTrades?: number
  /** MATCH sends in flight at once (default 256; beyond them a match is logged, not sent). */
  readonly maxPending?: number
  /** Ids of orders gone while live (filled, evicted, cancelled) kept out of sync (default 10 000). */
  readonly maxTombstones?: number
  /** Signed cancels kept to pass on by sync (default 10 000; the oldest is forgotten). */
  readonly maxCancels?: number
  /** Held orders and cancels a `sync` answer examines at most (default 8 192, from a random start). */
  readonly syncScan?: number
  /**
   * Push-pull (ALGORITHMS.md §11.2): after answering a matchmaker's `sync`, pull from it in turn,
   * unless we synced with it within `reciprocalGapMs` (default true).
   */
  readonly reciprocate?: boolean
  /** World ms between two syncs with one peer that a reciprocal pull waits for (default 30 000). */
  readonly reciprocalGapMs?: number
}

/** Tokens of the sender's bucket a `sync` takes (hashing up to 2 · `syncScan` keys): 4 requests' worth. */
const SYNC_COST = 4
/** Reciprocal pulls: at most this many in a burst … */
const RECIPROCAL_BURST = 4
/** … refilled one per this many world ms. */
const RECIPROCAL_REFILL_MS = 10_000

/** What one `syncWith` brought. */
export interface SyncResult {
  /** Orders and cancels in the answer. */
  readonly orders: number
  readonly cancels: number
  /** Orders that rested or matched; cancels that verified. */
  readonly accepted: number
  /** Refusals by code (forged, expired, replayed, trader limit, book full, …). */
  readonly refused: Readonly<Record<string, number>>
}

/** The matchmaker. */
export interface Matchmaker {
  /** Answers one request (ORDER, CANCEL, BOOK_QUERY, TRADES_QUERY, BOOK_SYNC) from `from`. */
  handle(from: string, request: MarketRequest): MarketAnswer
  /** The BOOK_SYNC request for this round: a fresh filter of what we hold. */
  syncRequest(): SyncRequest
  /**
   * One round of book sync with the matchmaker at `peer`: sends `syncRequest()`, takes in the answer.
   *
   * @throws the channel's error when `peer` is unreachable; MARKET_MESSAGE_MALFORMED when it answers
   *   anything but `orders` (an `err` answer's code is in the message).
   */
  syncWith(peer: string): Promise<SyncResult>
  /** Ids of the orders resting now (both sides). */
  orderIds(): OrderId[]
  /** Recent trades, oldest first. */
  trades(): readonly TradeRecord[]
  readonly book: OrderBook
  /** Senders tracked by the rate limit. */
  senders(): number
  /** Resolves when every MATCH sent and reciprocal sync so far has been answered or failed. */
  settled(): Promise<void>
  /** Counters. */
  stats(): {
    readonly accepted: number
    readonly refused: number
    readonly matches: number
    readonly dropped: number
    /** Order ids in the verifier's replay window. */
    readonly seen: number
    /** Tombstones and signed cancels held for sync. */
    readonly tombstones: number
    readonly cancels: number
  }
}

/** The signed bytes of a resting order. */
interface Held {
  readonly bytes: Uint8Array
  readonly expiresAtMs: number
}

interface Bucket {
  tokens: number
  atMs: number
}

/** Builds a matchmaker over an empty book. */
export function createMatchmaker(deps: MatchmakerDeps, options: MatchmakerOptions = {}): Matchmaker {
  const book = createOrderBook(options.book)
  const verifier = createOrderVerifier({
    verifier: deps.verifier,
    ...(options.seenCapacity === undefined ? {} : { seenCapacity: options.seenCapacity }),
  })
  const burst = options.burst ?? 32
  const perSecond = options.perSecond ?? 1
  const maxSenders = options.maxSenders ?? 1024
  const maxTrades = options.maxTrades ?? 1000
  const maxPending = options.maxPending ?? 256
  const maxTombstones = options.maxTombstones ?? 10_000
  const maxCancels = options.maxCancels ?? 10_000
  const syncScan = options.syncScan ?? 8192
  const reciprocate = options.reciprocate ?? true
  const reciprocalGapMs = options.reciprocalGapMs ?? 30_000
  /** When we last synced with each peer (the least recently synced first; `maxSenders` at most). */
  const lastSync = new Map<string, number>()
  const reciprocal = new Set<Promise<void>>()
  const reciprocalBucket: Bucket = { tokens: RECIPROCAL_BURST, atMs: Number.NEGATIVE_INFINITY }
  const log = deps.log.child({ component: 'matchmaker' })
  const buckets = new Map<string, Bucket>()
  const history: TradeRecord[] = []
  const pending = new Set<Promise<void>>()
  let accepted = 0
  let refused = 0
  let matches = 0
  let dropped = 0
  let nextExpiry = 0
  /** Signed bytes of the orders that rest (the book keeps only their fields). */
  const held = new Map<OrderId, Held>()
  /** Ids that left the book while live, until their expiry. */
  const tombstones = new Map<OrderId, number>()
  /** Signed cancels, until the cancelled order would have expired. */
  const cancels = new Map<OrderId, Held>()

  const bounded = <V>(map: Map<OrderId, V>, max: number): void => {
    for (const key of map.keys()) {
      if (map.size <= max) return
      map.delete(key)
    }
  }

  /** Records that `id` left the book while live: sync must not bring it back. */
  const bury = (id: OrderId, nowMs: number): void => {
    const h = held.get(id)
    held.delete(id)
    if (h !== undefined && h.expiresAtMs >= nowMs) {
      tombstones.delete(id)
      tombstones.set(id, h.expiresAtMs)
      bounded(tombstones, maxTombstones)
    }
  }

  /** Expires the book and the sync state; with `full`, also reconciles `held` with the book. */
  const sweep = (nowMs: number, full: boolean): void => {
    for (const id of book.expire(nowMs)) held.delete(id)
    nextExpiry = nowMs + 1000
    if (full) for (const id of held.keys()) if (book.get(id) === undefined) bury(id, nowMs)
    for (const [id, until] of tombstones) if (until < nowMs) tombstones.delete(id)
    for (const [id, c] of cancels) if (c.expiresAtMs < nowMs) cancels.delete(id)
  }

  /** ORDER's path (after the rate limit): verify, match, rest; the answer. */
  const takeOrder = (bytes: Uint8Array, nowMs: number): MarketAnswer => {
    const order = verifier.verifyOrder(bytes, nowMs)
    const result = book.match(order, nowMs)
    for (const fill of result.fills) onFill(fill, nowMs)
    for (const fill of result.fills) if (book.get(fill.maker) === undefined) bury(fill.maker, nowMs)
    for (const id of result.evicted) bury(id, nowMs)
    if (result.rested) held.set(order.id, { bytes: order.bytes, expiresAtMs: order.expiresAtMs })
    else if (result.fills.length > 0) {
      // Filled at once: other matchmakers may still hold it; it is not wanted back.
      held.set(order.id, { bytes: order.bytes, expiresAtMs: order.expiresAtMs })
      bury(order.id, nowMs)
    }
    if (result.fills.length === 0 && !result.rested)
      return { t: 'err', code: result.refusal ?? 'MARKET_BOOK_FULL' }
    return { t: 'ok' }
  }

  /** CANCEL's path: verify, withdraw, keep the signed cancel for sync. */
  const takeCancel = (bytes: Uint8Array, nowMs: number): void => {
    const cancel = verifier.verifyCancel(bytes, nowMs)
    const order = held.get(cancel.id)
    book.cancel(cancel.id)
    bury(cancel.id, nowMs)
    const untilMs = order?.expiresAtMs ?? cancel.timestampMs + MAX_ORDER_TIMEOUT_S * 1000
    cancels.delete(cancel.id)
    cancels.set(cancel.id, { bytes: bytes.slice(), expiresAtMs: untilMs })
    bounded(cancels, maxCancels)
  }

  /** The filter of this round: what we hold. */
  const filterOf = (): BloomFilter => {
    const filter = createBloomFilter(
      held.size + tombstones.size + cancels.size,
      deps.rng.bytes(BLOOM_SALT_BYTES),
    )
    for (const id of held.keys()) filter.add(`o${id}`)
    for (const id of tombstones.keys()) filter.add(`o${id}`)
    for (const id of cancels.keys()) filter.add(`c${id}`)
    return filter
  }

  /** Up to `max` entries of `map`, from a random start, that `want` takes; at most `syncScan` looked at. */
  const pick = (
    map: Map<OrderId, Held>,
    max: number,
    want: (id: OrderId, h: Held) => boolean,
  ): Uint8Array[] => {
    const all = [...map]
    const out: Uint8Array[] = []
    if (all.length === 0) return out
    const start = deps.rng.int(all.length)
    for (let i = 0; i < all.length && i < syncScan && out.length < max; i++) {
      const [id, h] = all[(start + i) % all.length] as [OrderId, Held]
      if (want(id, h)) out.push(h.bytes)
    }
    return out
  }

  /** The `orders` answer to a peer's filter. */
  const answerSync = (request: SyncRequest, nowMs: number): MarketAnswer => {
    const filter = bloomFilterFrom(request.salt, request.k, request.bits)
    const sentCancels = pick(cancels, SYNC_MAX_CANCELS, (id) => !filter.has(`c${id}`))
    const orders = pick(
      held,
      SYNC_MAX_ORDERS,
      (id, h) =>
        h.expiresAtMs > nowMs && book.get(id) !== undefined && !filter.has(`o${id}`) && !filter.has(`c${id}`),
    )
    return { t: 'orders', orders, cancels: sentCancels }
  }

  /** Takes `cost` tokens of `from`'s bucket; MARKET_RATE_LIMITED when it has fewer. */
  const admit = (from: string, nowMs: number, cost: number): void => {
    let b = buckets.get(from)
    if (b === undefined) {
      if (buckets.size >= maxSenders) {
        const oldest = buckets.keys().next().value
        if (oldest !== undefined) buckets.delete(oldest)
      }
      b = { tokens: burst, atMs: nowMs }
    } else {
      buckets.delete(from)
    }
    // Re-inserted: the map's order is least recently heard first.
    buckets.set(from, b)
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, nowMs - b.atMs) / 1000) * perSecond)
    b.atMs = nowMs
    if (b.tokens < cost)
      throw new MarketError('MARKET_RATE_LIMITED', `${from} sends too fast`, { peer: from })
    b.tokens -= cost
  }

  const send = (to: string | undefined, notice: MatchNotice): void => {
    if (to === undefined) return
    if (pending.size >= maxPending) {
      dropped += 1
      return
    }
    const p = askMarket(deps.channel, to, { t: 'match', ...notice })
      .then((answer) => {
        if (answer.t !== 'accept')
          log.info('market.match_declined', { match: notice.id, by: to, answer: answer.t })
      })
      .catch((err: unknown) => {
        log.debug('market.match_unsent', {
          match: notice.id,
          to,
          error: err instanceof Error ? err.message : String(err),
        })
      })
      .finally(() => pending.delete(p))
    pending.add(p)
  }

  const onFill = (fill: Fill, nowMs: number): void => {
    matches += 1
    history.push({ timeMs: nowMs, mbBytes: fill.mbBytes, sats: fill.sats })
    if (history.length > maxTrades) history.splice(0, history.length - maxTrades)
    const notice: MatchNotice = {
      id: bytesToHex(deps.rng.bytes(10)),
      matchmaker: deps.channel.address,
      maker: fill.maker,
      taker: fill.taker,
      makerTrader: fill.makerTrader,
      takerTrader: fill.takerTrader,
      takerSide: fill.takerSide,
      mbBytes: fill.mbBytes,
      sats: fill.sats,
      timeMs: nowMs,
    }
    log.info('market.matched', {
      match: notice.id,
      maker: fill.maker,
      taker: fill.taker,
      mbBytes: String(fill.mbBytes),
      sats: String(fill.sats),
    })
    send(deps.addressOf(fill.makerTrader), notice)
    send(deps.addressOf(fill.takerTrader), notice)
  }

  const entries = (side: readonly RestingView[], limit: number): BookEntry[] =>
    side
      .slice(0, limit)
      .map((o) => ({ id: o.id, trader: o.trader, mbBytes: o.mbBytes, sats: o.sats, remaining: o.remaining }))

  const handle = (from: string, request: MarketRequest): MarketAnswer => {
    const nowMs = deps.clock.nowMs()
    admit(from, nowMs, request.t === 'sync' ? SYNC_COST : 1)
    if (nowMs >= nextExpiry) sweep(nowMs, false)
    switch (request.t) {
      case 'order':
        return takeOrder(request.order, nowMs)
      case 'cancel':
        takeCancel(request.cancel, nowMs)
        return { t: 'ok' }
      case 'sync': {
        const answer = answerSync(request, nowMs)
        pullBack(from, nowMs)
        return answer
      }
      case 'book?':
        return {
          t: 'book',
          bids: entries(book.side('bid'), request.limit),
          asks: entries(book.side('ask'), request.limit),
        }
      case 'trades?':
        return { t: 'trades', trades: request.limit === 0 ? [] : history.slice(-request.limit) }
      default:
        throw new MarketError('MARKET_MESSAGE_MALFORMED', `a matchmaker does not take ${request.t}`, {})
    }
  }

  const syncRequest = (): SyncRequest => {
    sweep(deps.clock.nowMs(), true)
    const filter = filterOf()
    return { t: 'sync', salt: filter.salt, k: filter.k, bits: filter.bits }
  }

  const noteSync = (peer: string, nowMs: number): void => {
    lastSync.delete(peer)
    lastSync.set(peer, nowMs)
    bounded(lastSync, maxSenders)
  }

  /** Push-pull: pulls from `peer`, which just pulled from us, unless we did lately or too often. */
  function pullBack(peer: string, nowMs: number): void {
    if (!reciprocate || peer === deps.channel.address) return
    const last = lastSync.get(peer)
    if (last !== undefined && nowMs - last < reciprocalGapMs) return
    const b = reciprocalBucket
    b.tokens = Math.min(RECIPROCAL_BURST, b.tokens + Math.max(0, nowMs - b.atMs) / RECIPROCAL_REFILL_MS)
    b.atMs = nowMs
    if (b.tokens < 1 || reciprocal.size >= RECIPROCAL_BURST) return
    b.tokens -= 1
    const p = syncWith(peer)
      .then(() => undefined)
      .catch((err: unknown) => {
        log.debug('market.sync_back_failed', {
          peer,
          error: err instanceof Error ? err.message : String(err),
        })
      })
      .finally(() => reciprocal.delete(p))
    reciprocal.add(p)
  }

  async function syncWith(peer: string): Promise<SyncResult> {
    noteSync(peer, deps.clock.nowMs())
    const answer = await askMarket(deps.channel, peer, syncRequest())
    if (answer.t !== 'orders')
      throw new MarketError(
        'MARKET_MESSAGE_MALFORMED',
        `${peer} answered sync with ${answer.t}${answer.t === 'err' ? ` ${answer.code}` : ''}`,
        { peer },
      )
    const nowMs = deps.clock.nowMs()
    const refusals: Record<string, number> = {}
    let taken = 0
    const attempt = (what: string, f: () => void): void => {
      try {
        f()
        taken += 1
      } catch (err) {
        const code = marketCodeOf(err)
        if (code === undefined) throw err
        refusals[code] = (refusals[code] ?? 0) + 1
        log.debug('market.sync_refused', { peer, what, code })
      }
    }
    // Cancels first: an order cancelled in the same answer must not match.
    for (const bytes of answer.cancels) attempt('cancel', () => takeCancel(bytes, nowMs))
    for (const bytes of answer.orders)
      attempt('order', () => {
        const a = takeOrder(bytes, nowMs)
        if (a.t === 'err') throw new MarketError('MARKET_BOOK_FULL', `the book took no part of an order`, {})
      })
    const refusedHere = Object.values(refusals).reduce((a, b) => a + b, 0)
    refused += refusedHere
    if (taken > 0 || refusedHere > 0)
      log.debug('market.synced', { peer, taken, refused: refusedHere, codes: refusals })
    return {
      orders: answer.orders.length,
      cancels: answer.cancels.length,
      accepted: taken,
      refused: refusals,
    }
  }

  return {
    book,
    syncRequest,
    syncWith,
    orderIds: () => [...book.side('bid'), ...book.side('ask')].map((o) => o.id),
    handle(from, request) {
      try {
        const answer = handle(from, request)
        if (request.t === 'order') accepted += 1
        return answer
      } catch (err) {
        refused += 1
        const code = marketCodeOf(err)
        if (code === undefined) throw err
        log.debug('market.refused', { from, request: request.t, code })
        return { t: 'err', code }
      }
    },
    trades: () => history,
    senders: () => buckets.size,
    async settled() {
      for (let i = 0; i < 16 && pending.size + reciprocal.size > 0; i++)
        await Promise.allSettled([...pending, ...reciprocal])
    },
    stats: () => ({
      accepted,
      refused,
      matches,
      dropped,
      seen: verifier.seen(),
      tombstones: tombstones.size,
      cancels: cancels.size,
    }),
  }
}
