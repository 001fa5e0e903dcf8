import { bytesToHex, type Logger, type Rng, type SignatureVerifier } from '@dolly/base'
import {
  createOrderBook,
  createOrderVerifier,
  MarketError,
  marketCodeOf,
  type Fill,
  type OrderBook,
  type OrderBookOptions,
  type RestingView,
} from '@dolly/market'
import { askMarket, type MarketChannel } from './channel.ts'
import {
  type BookEntry,
  type MarketAnswer,
  type MarketRequest,
  type MatchNotice,
  type TradeRecord,
} from './messages.ts'

/**
 * A matchmaker (ALGORITHMS.md §10: every node by default): holds an order book, verifies each
 * incoming order (signature, expiry, replay) after a per-sender rate limit, matches it, and sends
 * MATCH to both traders; keeps a bounded history of the trades it matched (price history for the
 * strategies) and answers book and trade queries.
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
}

/** The matchmaker. */
export interface Matchmaker {
  /** Answers one request (ORDER, CANCEL, BOOK_QUERY, TRADES_QUERY) from `from`. */
  handle(from: string, request: MarketRequest): MarketAnswer
  /** Recent trades, oldest first. */
  trades(): readonly TradeRecord[]
  readonly book: OrderBook
  /** Senders tracked by the rate limit. */
  senders(): number
  /** Resolves when every MATCH sent so far has been answered or failed. */
  settled(): Promise<void>
  /** Counters. */
  stats(): {
    readonly accepted: number
    readonly refused: number
    readonly matches: number
    readonly dropped: number
  }
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
  const log = deps.log.child({ component: 'matchmaker' })
  const buckets = new Map<string, Bucket>()
  const history: TradeRecord[] = []
  const pending = new Set<Promise<void>>()
  let accepted = 0
  let refused = 0
  let matches = 0
  let dropped = 0
  let nextExpiry = 0

  /** Takes a token of `from`'s bucket; MARKET_RATE_LIMITED when it is empty. */
  const admit = (from: string, nowMs: number): void => {
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
    if (b.tokens < 1) throw new MarketError('MARKET_RATE_LIMITED', `${from} sends too fast`, { peer: from })
    b.tokens -= 1
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
    admit(from, nowMs)
    if (nowMs >= nextExpiry) {
      book.expire(nowMs)
      nextExpiry = nowMs + 1000
    }
    switch (request.t) {
      case 'order': {
        const order = verifier.verifyOrder(request.order, nowMs)
        const result = book.match(order, nowMs)
        for (const fill of result.fills) onFill(fill, nowMs)
        if (result.fills.length === 0 && !result.rested)
          return { t: 'err', code: result.refusal ?? 'MARKET_BOOK_FULL' }
        return { t: 'ok' }
      }
      case 'cancel': {
        const cancel = verifier.verifyCancel(request.cancel, nowMs)
        book.cancel(cancel.id)
        return { t: 'ok' }
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

  return {
    book,
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
      for (let i = 0; i < 16 && pending.size > 0; i++) await Promise.allSettled([...pending])
    },
    stats: () => ({ accepted, refused, matches, dropped }),
  }
}
