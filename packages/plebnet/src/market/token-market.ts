import { bytesToHex, type BlockSigner, type Logger } from '@dolly/base'
import {
  encodeCancel,
  encodeOrder,
  orderIdOf,
  signCancel,
  signOrder,
  type OrderId,
  type OrderSide,
} from '@dolly/market'
import type { AskRequest, TokenMarket } from '../agent/ports.ts'
import type { Trade } from '../strategies/types.ts'
import { askMarket, type MarketChannel } from './channel.ts'
import { MIN_MATCH_SATS } from './min-match.ts'
import { isOpenOrder } from './open-order.ts'
import type { BookEntry, MarketAnswer, MarketRequest, MatchNotice, TradeRecord } from './messages.ts'

/**
 * The agent's `TokenMarket` over matchmakers (ALGORITHMS.md §10): it signs its orders with the
 * agent's identity, sends each to up to `maxMatchmakers` matchmakers, tracks their fills from MATCH
 * messages (accepting a match only while it fits the order's unmatched amount at its limit price,
 * so one order sent to many matchmakers is never over-filled) and reads prices from what the
 * matchmakers report (BOOK and TRADES), polled at most once per `pollIntervalMs`.
 */

/** Asks use the sell step's numbers; bids (the buybot) use `BID_NUMBER_BASE + n`. */
export const BID_NUMBER_BASE = 0x8000_0000
/** Matchmakers an order goes to at most (ALGORITHMS.md §10). */
export const MAX_MATCHMAKERS = 20

const MB = 1 << 20
/** How long past its expiry a settled order is still tracked (its `fillOf`), world ms. */
const FORGET_AFTER_MS = 86_400_000

/** A match of one of our orders, as `onMatch` receives it (the settlement starts a trade from it). */
export interface OwnMatch extends MatchNotice {
  /** Our order and its side. */
  readonly order: OrderId
  readonly side: OrderSide
  /** The counterparty's trader key (hex) and order. */
  readonly counterparty: string
  readonly counterpartyOrder: OrderId
}

/** One of our orders as the adapter tracks it. */
export interface OwnOrder {
  readonly id: OrderId
  readonly number: number
  readonly side: OrderSide
  readonly mbBytes: bigint
  readonly sats: bigint
  readonly expiresAtMs: number
  /** Its signed bytes (sent again, unchanged, to matchmakers that have not seen it). */
  readonly bytes: Uint8Array
  /** Matchmakers that took it. */
  readonly sentTo: string[]
  /** Matchmakers that answered it (took or refused it). */
  readonly answered: Set<string>
  /** Bytes matched (accepted MATCHes, less matches the settlement reported failed). */
  matchedBytes: bigint
  /** Matched bytes whose settlement has not been reported yet. */
  unsettledBytes: bigint
  cancelled: boolean
}

/** Ports of the adapter. */
export interface AgentTokenMarketDeps {
  /** World time. */
  readonly clock: { nowMs(): number }
  readonly log: Logger
  /** The agent's identity: signs orders and cancels. */
  readonly signer: BlockSigner
  readonly channel: MarketChannel
  /** Channel addresses of the matchmakers we know (neighbours first); ours is skipped. */
  readonly matchmakers: () => readonly string[]
  /** The agent's MB token balance on its ledger, bytes. */
  readonly balanceBytes: () => Promise<bigint>
  /** A MATCH of ours was accepted. */
  readonly onMatch?: (match: OwnMatch) => void
}

/** Options; each has a default. */
export interface AgentTokenMarketOptions {
  readonly maxMatchmakers?: number
  /** World ms between two polls of BOOK and TRADES (default 60 000). */
  readonly pollIntervalMs?: number
  /** Trades kept from the matchmakers' reports (default 1 000). */
  readonly maxTrades?: number
  /** Orders per side asked of each matchmaker (default 20). */
  readonly bookLimit?: number
}

/** The agent's market. */
export interface AgentTokenMarket extends TokenMarket {
  /** Places a bid (the buybot) under `BID_NUMBER_BASE + bid.number`; idempotent per number. */
  placeBid(bid: AskRequest): Promise<void>
  /** Answers a MATCH from a matchmaker (the channel's trader handler). */
  handleMatch(from: string, notice: MatchNotice): MarketAnswer
  /** The settlement's outcome of an accepted match: done moves the bytes, failed frees them. */
  matchSettled(match: OwnMatch, ok: boolean): void
  /** Polls BOOK and TRADES now if the last poll is older than the interval. */
  refresh(): Promise<void>
  /**
   * The matchmakers' books merged (the buybot reads the asks): every order once, with the least
   * remaining any matchmaker reports (the one that saw most fills); others' orders only, best first.
   */
  book(limit: number): Promise<{ readonly asks: readonly BookEntry[]; readonly bids: readonly BookEntry[] }>
  /** Our orders by number. */
  orders(): ReadonlyMap<number, OwnOrder>
}

/** Builds the adapter. */
export function createAgentTokenMarket(
  deps: AgentTokenMarketDeps,
  options: AgentTokenMarketOptions = {},
): AgentTokenMarket {
  const me = bytesToHex(deps.signer.publicKey)
  const maxMatchmakers = options.maxMatchmakers ?? MAX_MATCHMAKERS
  const pollIntervalMs = options.pollIntervalMs ?? 60_000
  const maxTrades = options.maxTrades ?? 1000
  const bookLimit = options.bookLimit ?? 20
  const log = deps.log.child({ component: 'market' })
  const orders = new Map<number, OwnOrder>()
  /** Accepted matches by `matchmaker/id` (a repeated MATCH is accepted again, counted once). */
  const accepted = new Map<string, OwnMatch>()
  let trades: Trade[] = []
  let bestBid: number | null = null
  let polledAtMs = -Infinity

  const targets = (): string[] =>
    [...new Set(deps.matchmakers())].filter((a) => a !== deps.channel.address).slice(0, maxMatchmakers)

  /**
   * Sends an open order to the matchmakers that have not answered it yet, until `maxMatchmakers`
   * took it; one that refused it (a code) is not asked again, an unreachable one is, next time.
   */
  const disseminate = async (own: OwnOrder): Promise<void> => {
    if (!isOpenOrder(own, deps.clock.nowMs())) return
    const to = targets()
      .filter((mm) => !own.answered.has(mm))
      .slice(0, Math.max(0, maxMatchmakers - own.sentTo.length))
    if (to.length === 0) return
    const request: MarketRequest = { t: 'order', order: own.bytes }
    const answers = await Promise.allSettled(to.map((mm) => askMarket(deps.channel, mm, request)))
    answers.forEach((a, i) => {
      const mm = to[i]
      if (mm === undefined || a.status !== 'fulfilled') return
      own.answered.add(mm)
      // REPLAYED: the matchmaker holds it already (sent before a restart).
      if (a.value.t === 'ok' || (a.value.t === 'err' && a.value.code === 'MARKET_ORDER_REPLAYED'))
        own.sentTo.push(mm)
      else
        log.debug('market.order_refused', {
          order: own.id,
          by: mm,
          answer: a.value.t === 'err' ? a.value.code : a.value.t,
        })
    })
  }

  const place = async (side: OrderSide, number: number, req: AskRequest): Promise<void> => {
    if (orders.has(number)) return
    const nowMs = deps.clock.nowMs()
    // Bounded: orders a day past their expiry and settled are forgotten.
    for (const [n, o] of orders)
      if (o.unsettledBytes === 0n && o.expiresAtMs + FORGET_AFTER_MS < nowMs) orders.delete(n)
    const signed = signOrder(
      { number, side, mbBytes: req.mbBytes, sats: req.sats, timestampMs: nowMs, timeoutS: req.timeoutS },
      deps.signer,
    )
    const own: OwnOrder = {
      id: orderIdOf({ trader: me, number }),
      number,
      side,
      mbBytes: req.mbBytes,
      sats: req.sats,
      expiresAtMs: nowMs + req.timeoutS * 1000,
      bytes: encodeOrder(signed),
      sentTo: [],
      answered: new Set(),
      matchedBytes: 0n,
      unsettledBytes: 0n,
      cancelled: false,
    }
    // Known before it is sent: a matchmaker may MATCH it before it answers.
    orders.set(number, own)
    await disseminate(own)
    // Placed either way: an order no matchmaker took yet is sent again at the next poll.
    if (own.sentTo.length === 0)
      log.warn('market.order_unplaced', { order: own.id, matchmakers: targets().length })
    else log.info('market.order_placed', { order: own.id, side, matchmakers: own.sentTo.length })
  }

  const withdraw = async (own: OwnOrder): Promise<void> => {
    const request: MarketRequest = {
      t: 'cancel',
      cancel: encodeCancel(signCancel(own.number, deps.clock.nowMs(), deps.signer)),
    }
    await Promise.allSettled(own.sentTo.map((mm) => askMarket(deps.channel, mm, request)))
  }

  const poll = async (): Promise<void> => {
    const to = targets()
    const [books, reports] = await Promise.all([
      Promise.allSettled(to.map((mm) => askMarket(deps.channel, mm, { t: 'book?', limit: bookLimit }))),
      Promise.allSettled(to.map((mm) => askMarket(deps.channel, mm, { t: 'trades?', limit: 256 }))),
    ])
    let best: number | null = null
    for (const b of books) {
      if (b.status !== 'fulfilled' || b.value.t !== 'book') continue
      for (const bid of b.value.bids) {
        if (bid.trader === me || bid.mbBytes === 0n) continue
        const price = (Number(bid.sats) * MB) / Number(bid.mbBytes)
        if (best === null || price > best) best = price
      }
    }
    const seen: TradeRecord[] = []
    for (const r of reports)
      if (r.status === 'fulfilled' && r.value.t === 'trades') seen.push(...r.value.trades)
    seen.sort((a, b) => a.timeMs - b.timeMs)
    trades = seen
      .filter((t) => t.mbBytes > 0n)
      .slice(-maxTrades)
      .map((t) => ({ priceSatPerMb: (Number(t.sats) * MB) / Number(t.mbBytes), timeMs: t.timeMs }))
    bestBid = best
  }

  const market: AgentTokenMarket = {
    canCancel: true,
    minOrderSats: MIN_MATCH_SATS,
    hasMatchmakers: () => targets().length > 0,
    trades: () => trades,
    bestBidSatPerMb: () => bestBid,
    async availableMbBytes() {
      await market.refresh()
      const nowMs = deps.clock.nowMs()
      let held = 0n
      for (const o of orders.values()) {
        if (o.side !== 'ask') continue
        held += o.unsettledBytes
        if (isOpenOrder(o, nowMs)) held += o.mbBytes - o.matchedBytes
      }
      const balance = await deps.balanceBytes()
      return balance > held ? balance - held : 0n
    },
    placeAsk: (ask) => place('ask', ask.number, ask),
    placeBid: (bid) => place('bid', BID_NUMBER_BASE + bid.number, bid),
    async cancel(number) {
      const own = orders.get(number)
      if (own === undefined || own.cancelled) return
      own.cancelled = true
      await withdraw(own)
    },
    fillOf(number) {
      const own = orders.get(number)
      return own === undefined ? null : Number(own.matchedBytes) / Number(own.mbBytes)
    },
    handleMatch(from, notice) {
      if (notice.matchmaker !== from) return { t: 'decline', code: 'MARKET_MESSAGE_MALFORMED' }
      const key = `${from}/${notice.id}`
      if (accepted.has(key)) return { t: 'accept' }
      const ours =
        notice.makerTrader === me ? notice.maker : notice.takerTrader === me ? notice.taker : undefined
      const number = ours === undefined ? undefined : Number(ours.slice(ours.indexOf(':') + 1))
      const own = number === undefined ? undefined : orders.get(number)
      if (own === undefined || ours !== own.id) return { t: 'decline', code: 'MARKET_ORDER_UNKNOWN' }
      if (!isOpenOrder(own, deps.clock.nowMs())) return { t: 'decline', code: 'MARKET_ORDER_EXPIRED' }
      const q = notice.mbBytes
      if (q <= 0n || own.matchedBytes + q > own.mbBytes) return { t: 'decline', code: 'MARKET_ORDER_AMOUNT' }
      if (notice.sats < MIN_MATCH_SATS) return { t: 'decline', code: 'MARKET_ORDER_AMOUNT' }
      // At our limit or better: an ask gets at least, a bid pays at most, its own price for q bytes.
      const fair =
        own.side === 'ask'
          ? notice.sats * own.mbBytes >= own.sats * q
          : notice.sats * own.mbBytes <= own.sats * q
      if (!fair) return { t: 'decline', code: 'MARKET_ORDER_AMOUNT' }
      own.matchedBytes += q
      own.unsettledBytes += q
      const counterpartyOrder = ours === notice.maker ? notice.taker : notice.maker
      const match: OwnMatch = {
        ...notice,
        order: own.id,
        side: own.side,
        counterparty: counterpartyOrder.slice(0, counterpartyOrder.indexOf(':')),
        counterpartyOrder,
      }
      if (accepted.size >= 4096) {
        const oldest = accepted.keys().next().value
        if (oldest !== undefined) accepted.delete(oldest)
      }
      accepted.set(key, match)
      log.info('market.match_accepted', {
        order: own.id,
        match: notice.id,
        mbBytes: String(q),
        sats: String(notice.sats),
      })
      // Filled: the other matchmakers must not match it again (best effort; a late MATCH is declined).
      if (own.matchedBytes === own.mbBytes) void withdraw(own)
      deps.onMatch?.(match)
      return { t: 'accept' }
    },
    matchSettled(match, ok) {
      const own = orders.get(Number(match.order.slice(match.order.indexOf(':') + 1)))
      if (own === undefined || own.id !== match.order) return
      const q = match.mbBytes < own.unsettledBytes ? match.mbBytes : own.unsettledBytes
      own.unsettledBytes -= q
      if (!ok) own.matchedBytes -= q
    },
    async refresh() {
      const nowMs = deps.clock.nowMs()
      if (nowMs - polledAtMs < pollIntervalMs) return
      polledAtMs = nowMs
      await poll()
      // Orders reach matchmakers that were unreachable, or new neighbours, at each poll.
      for (const o of orders.values()) await disseminate(o)
    },
    orders: () => orders,
    async book(limit) {
      const answers = await Promise.allSettled(
        targets().map((mm) => askMarket(deps.channel, mm, { t: 'book?', limit })),
      )
      const merge = (side: 'asks' | 'bids'): BookEntry[] => {
        const byId = new Map<string, BookEntry>()
        for (const a of answers) {
          if (a.status !== 'fulfilled' || a.value.t !== 'book') continue
          for (const e of a.value[side]) {
            if (e.trader === me || e.mbBytes <= 0n) continue
            const known = byId.get(e.id)
            if (known === undefined || e.remaining < known.remaining) byId.set(e.id, e)
          }
        }
        // Best first: asks cheapest, bids dearest (exact cross-multiplied prices), then by id.
        const sign = side === 'asks' ? 1n : -1n
        return [...byId.values()].sort((x, y) => {
          const d = (x.sats * y.mbBytes - y.sats * x.mbBytes) * sign
          return d < 0n ? -1 : d > 0n ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0
        })
      }
      return { asks: merge('asks'), bids: merge('bids') }
    },
  }
  return market
}
