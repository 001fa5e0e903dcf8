import { decode as d, type Infer } from '@dolly/base'
import { isOpenOrder } from './open-order.ts'

/**
 * The token market as the daemon's status API shows it (issue 17): the `market` block of the full
 * status document (the agent's MB balance, its open orders, the last trade price, what its
 * settlement and its matchmaker did) and the `GET /market/book` and `GET /market/trades` bodies that
 * `plebnet market book|trades` read. Described with base's strict decoders (no zod, no
 * `@dolly/market`): `plebnet status` decodes the block and must start fast. Amounts are decimal
 * strings (bigint satoshis and MB token bytes, MB = bytes / 2^20); prices are sat/MB with two
 * decimals. The builders are pure.
 */

const count = d.number({ int: true, min: 0 })
const msTime = d.number({ int: true, min: 0 })
/** A bigint amount (sats or token bytes) as a decimal string. */
const amount = d.string({ pattern: /^[0-9]{1,30}$/ })
/** A price in sat/MB with two decimals. */
const price = d.string({ pattern: /^[0-9]{1,24}\.[0-9]{2}$/ })
const side = d.oneOf(['ask', 'bid'])

/** Own open orders the status shows at most (the agent places about one ask per tick). */
export const MAX_STATUS_ORDERS = 256
/** Entries per side of `GET /market/book`, and trades of `GET /market/trades`, at most. */
export const MAX_MARKET_LIMIT = 1000
/** Entries a market query returns when it names no limit. */
export const DEFAULT_MARKET_LIMIT = 20

/** One of the agent's own open orders. */
export const MarketOrderSchema = d.strictObject({
  /** The order's number (asks: the sell step's; bids: `BID_NUMBER_BASE + n`). */
  number: count,
  side,
  mbBytes: amount,
  sats: amount,
  /** Its limit price, sat/MB. */
  priceSatPerMb: price,
  /** Bytes matched so far (accepted matches, less those whose trade failed). */
  filledBytes: amount,
  /** World ms. */
  expiresAtMs: msTime,
})

/** The `market` block of the full status document (present when `[market] enabled`). */
export const MarketStatusSchema = d.strictObject({
  /**
   * The agent's MB balance on its ledger, token bytes; null while the ledger is not open. Its BTC
   * balance is the lifecycle block's `spendableSats` (the wallet opens at the first tick).
   */
  mbBalanceBytes: d.nullable(amount),
  /** Own orders still open (not cancelled, expired or filled), by number. */
  orders: d.array(MarketOrderSchema, { max: MAX_STATUS_ORDERS }),
  /** The latest trade the agent knows of (its matchmakers' reports or its own matchmaker's). */
  lastTrade: d.nullable(d.strictObject({ priceSatPerMb: price, timeMs: msTime })),
  /** The trade settlement's totals (from its journal); null until the wallet opens (first tick). */
  settlement: d.nullable(
    d.strictObject({
      open: count,
      completed: count,
      aborted: count,
      satsReceived: amount,
      satsPaid: amount,
      mbSoldBytes: amount,
      mbBoughtBytes: amount,
    }),
  ),
  /** The agent's own matchmaker (its book and counters); null when it runs none. */
  matchmaker: d.nullable(
    d.strictObject({
      bids: count,
      asks: count,
      /** Orders it accepted and refused, matches it made, MATCH sends dropped (too many in flight). */
      accepted: count,
      refused: count,
      matches: count,
      dropped: count,
    }),
  ),
})

/** The `market` block of the status document. */
export type MarketStatus = Infer<typeof MarketStatusSchema>

const bookEntry = d.strictObject({
  side,
  /** `trader:number`. */
  id: d.string({ min: 1, max: 200 }),
  /** The trader's key, hex. */
  trader: d.string({ pattern: /^[0-9a-f]{64}$/ }),
  priceSatPerMb: price,
  mbBytes: amount,
  sats: amount,
  /** Unfilled bytes. */
  remainingBytes: amount,
  expiresAtMs: msTime,
})

/** `GET /market/book`: the local matchmaker's book, best price first per side. */
export const MarketBookSchema = d.strictObject({
  format: d.literal('dolly-market-book'),
  asks: d.array(bookEntry, { max: MAX_MARKET_LIMIT }),
  bids: d.array(bookEntry, { max: MAX_MARKET_LIMIT }),
})

/** The body of `GET /market/book`. */
export type MarketBook = Infer<typeof MarketBookSchema>
/** One order of the book. */
export type MarketBookEntry = MarketBook['asks'][number]

/** `GET /market/trades`: the trades the local matchmaker matched, oldest first. */
export const MarketTradesSchema = d.strictObject({
  format: d.literal('dolly-market-trades'),
  trades: d.array(d.strictObject({ timeMs: msTime, priceSatPerMb: price, mbBytes: amount, sats: amount }), {
    max: MAX_MARKET_LIMIT,
  }),
})

/** The body of `GET /market/trades`. */
export type MarketTrades = Infer<typeof MarketTradesSchema>

/** The daemon's market as the status API reads it (built by market/adapters/market-view.ts). */
export interface MarketStatusSource {
  /** The `market` block now. */
  status(): MarketStatus
  /** The local matchmaker's book, `limit` orders per side; undefined when the agent runs no matchmaker. */
  book(limit: number): MarketBook | undefined
  /** The local matchmaker's latest `limit` trades; undefined when it runs none. */
  trades(limit: number): MarketTrades | undefined
}

const MB = 1n << 20n

/** `sats` for `mbBytes` as sat/MB with two decimals, rounded half up; `0.00` for no bytes. */
export function formatPrice(sats: bigint, mbBytes: bigint): string {
  if (mbBytes <= 0n || sats < 0n) return '0.00'
  const hundredths = (sats * MB * 100n + mbBytes / 2n) / mbBytes
  return `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`
}

/** A price in sat/MB (a number, as the market's price history holds it) with two decimals. */
export function formatPriceNumber(satPerMb: number): string {
  return Number.isFinite(satPerMb) && satPerMb >= 0 && satPerMb < 1e20 ? satPerMb.toFixed(2) : '0.00'
}

/** One of our orders as the market adapter tracks it (`OwnOrder` of token-market.ts). */
export interface OwnOrderView {
  readonly number: number
  readonly side: 'ask' | 'bid'
  readonly mbBytes: bigint
  readonly sats: bigint
  readonly matchedBytes: bigint
  readonly expiresAtMs: number
  readonly cancelled: boolean
}

/** A resting order of a book (`RestingView` of @dolly/market). */
export interface RestingOrderView {
  readonly id: string
  readonly trader: string
  readonly side: 'ask' | 'bid'
  readonly mbBytes: bigint
  readonly sats: bigint
  readonly remaining: bigint
  readonly expiresAtMs: number
}

/** A trade a matchmaker matched (`TradeRecord` of messages.ts). */
export interface TradeRecordView {
  readonly timeMs: number
  readonly mbBytes: bigint
  readonly sats: bigint
}

/** What the `market` block is built from. */
export interface MarketStatusInput {
  /** World ms now (which orders are still open). */
  readonly nowMs: number
  readonly balanceBytes: bigint | undefined
  readonly orders: Iterable<OwnOrderView>
  /** The price history the agent read from its matchmakers, oldest first. */
  readonly trades: readonly { readonly priceSatPerMb: number; readonly timeMs: number }[]
  readonly matchmaker:
    | {
        readonly bids: number
        readonly asks: number
        /** Its trades, oldest first. */
        readonly trades: readonly TradeRecordView[]
        readonly stats: {
          readonly accepted: number
          readonly refused: number
          readonly matches: number
          readonly dropped: number
        }
      }
    | undefined
  readonly settlement:
    | {
        readonly open: number
        readonly completed: number
        readonly aborted: number
        readonly satsReceived: bigint
        readonly satsPaid: bigint
        readonly mbSoldBytes: bigint
        readonly mbBoughtBytes: bigint
      }
    | undefined
}

/** Builds the `market` block. Pure. */
export function marketStatusOf(input: MarketStatusInput): MarketStatus {
  const orders = [...input.orders]
    .filter((o) => isOpenOrder(o, input.nowMs))
    .sort((a, b) => a.number - b.number)
    .slice(0, MAX_STATUS_ORDERS)
    .map((o) => ({
      number: o.number,
      side: o.side,
      mbBytes: String(o.mbBytes),
      sats: String(o.sats),
      priceSatPerMb: formatPrice(o.sats, o.mbBytes),
      filledBytes: String(o.matchedBytes),
      expiresAtMs: Math.max(0, Math.trunc(o.expiresAtMs)),
    }))
  const heard = input.trades.at(-1)
  const own = input.matchmaker?.trades.at(-1)
  let lastTrade: MarketStatus['lastTrade'] = null
  if (heard !== undefined)
    lastTrade = { priceSatPerMb: formatPriceNumber(heard.priceSatPerMb), timeMs: Math.trunc(heard.timeMs) }
  if (own !== undefined && own.mbBytes > 0n && (heard === undefined || own.timeMs >= heard.timeMs))
    lastTrade = { priceSatPerMb: formatPrice(own.sats, own.mbBytes), timeMs: Math.trunc(own.timeMs) }
  const s = input.settlement
  const m = input.matchmaker
  return {
    mbBalanceBytes: input.balanceBytes === undefined ? null : String(input.balanceBytes),
    orders,
    lastTrade,
    settlement:
      s === undefined
        ? null
        : {
            open: s.open,
            completed: s.completed,
            aborted: s.aborted,
            satsReceived: String(s.satsReceived),
            satsPaid: String(s.satsPaid),
            mbSoldBytes: String(s.mbSoldBytes),
            mbBoughtBytes: String(s.mbBoughtBytes),
          },
    matchmaker:
      m === undefined
        ? null
        : {
            bids: m.bids,
            asks: m.asks,
            accepted: m.stats.accepted,
            refused: m.stats.refused,
            matches: m.stats.matches,
            dropped: m.stats.dropped,
          },
  }
}

/** The `GET /market/book` body from a book's two sides (best first), `limit` per side. Pure. */
export function marketBookOf(
  sides: { readonly asks: readonly RestingOrderView[]; readonly bids: readonly RestingOrderView[] },
  limit: number,
): MarketBook {
  const entries = (list: readonly RestingOrderView[]): MarketBookEntry[] =>
    list.slice(0, Math.min(limit, MAX_MARKET_LIMIT)).map((o) => ({
      side: o.side,
      id: o.id,
      trader: o.trader,
      priceSatPerMb: formatPrice(o.sats, o.mbBytes),
      mbBytes: String(o.mbBytes),
      sats: String(o.sats),
      remainingBytes: String(o.remaining),
      expiresAtMs: Math.max(0, Math.trunc(o.expiresAtMs)),
    }))
  return { format: 'dolly-market-book', asks: entries(sides.asks), bids: entries(sides.bids) }
}

/** The `GET /market/trades` body: the latest `limit` of `history` (oldest first). Pure. */
export function marketTradesOf(history: readonly TradeRecordView[], limit: number): MarketTrades {
  const n = Math.min(limit, MAX_MARKET_LIMIT)
  return {
    format: 'dolly-market-trades',
    trades: (n === 0 ? [] : history.slice(-n)).map((t) => ({
      timeMs: Math.max(0, Math.trunc(t.timeMs)),
      priceSatPerMb: formatPrice(t.sats, t.mbBytes),
      mbBytes: String(t.mbBytes),
      sats: String(t.sats),
    })),
  }
}
