import { CANCEL_BYTES, MarketError, ORDER_BYTES, type OrderSide } from '@dolly/market'
import { BLOOM_MAX_BYTES, BLOOM_MAX_K, BLOOM_MIN_BYTES, BLOOM_SALT_BYTES } from './bloom.ts'

/**
 * Messages of the market channel between agents (ALGORITHMS.md §10 phases 1–2): one request, one
 * answer per exchange. Canonical JSON (keys in a fixed order, amounts as decimal strings, orders and
 * cancels as the hex of their signed bytes), decoded strictly: exact keys, bounded sizes and
 * counts; anything else is MARKET_MESSAGE_MALFORMED.
 *
 * Requests: `order` (ORDER: a signed order), `cancel` (CANCEL), `match` (MATCH, a matchmaker to
 * each trader), `book?` (BOOK_QUERY), `trades?` (the matchmaker's recent trades), `sync` (BOOK_SYNC:
 * a Bloom filter of the ids a matchmaker holds). Answers: `ok`, `err` (a coded refusal), `accept` /
 * `decline` (MATCH_ACCEPT / MATCH_DECLINE), `book`, `trades`, `orders` (the signed orders and
 * cancels a `sync` filter lacks).
 */

/** Largest message either way, bytes (a full BOOK or TRADES answer fits). */
export const MARKET_MAX_MESSAGE_BYTES = 64 * 1024
/** Orders of one side in a BOOK answer at most. */
export const BOOK_MAX_ENTRIES = 100
/** Trades in a TRADES answer at most. */
export const TRADES_MAX_ENTRIES = 256
/** Signed orders in an `orders` answer at most (200 · 265 bytes of JSON). */
export const SYNC_MAX_ORDERS = 200
/** Signed cancels in an `orders` answer at most (with the orders, under 64 KiB). */
export const SYNC_MAX_CANCELS = 32

/** A resting order as a BOOK answer lists it. */
export interface BookEntry {
  readonly id: string
  readonly trader: string
  readonly mbBytes: bigint
  readonly sats: bigint
  /** Unfilled bytes. */
  readonly remaining: bigint
}

/** A trade a matchmaker saw: `mbBytes` for `sats` at `timeMs` (world ms). */
export interface TradeRecord {
  readonly timeMs: number
  readonly mbBytes: bigint
  readonly sats: bigint
}

/** A match a matchmaker proposes to both traders (MATCH). */
export interface MatchNotice {
  /** Match id, unique per matchmaker (20 hex chars). */
  readonly id: string
  /** The matchmaker's channel address (the sender). */
  readonly matchmaker: string
  /** The resting order and the incoming one (`<trader hex>:<number>`). */
  readonly maker: string
  readonly taker: string
  readonly makerTrader: string
  readonly takerTrader: string
  /** `bid` when the taker buys MB. */
  readonly takerSide: OrderSide
  readonly mbBytes: bigint
  readonly sats: bigint
  readonly timeMs: number
}

/** A request on the market channel. */
export type MarketRequest =
  | { readonly t: 'order'; readonly order: Uint8Array }
  | { readonly t: 'cancel'; readonly cancel: Uint8Array }
  | ({ readonly t: 'match' } & MatchNotice)
  | { readonly t: 'book?'; readonly limit: number }
  | { readonly t: 'trades?'; readonly limit: number }
  | SyncRequest

/**
 * BOOK_SYNC: a Bloom filter (`bloom.ts`) of what the sender holds: `o<order id>` for the orders it
 * has or no longer wants, `c<order id>` for the cancels it has.
 */
export interface SyncRequest {
  readonly t: 'sync'
  /** `BLOOM_SALT_BYTES` bytes, fresh each round. */
  readonly salt: Uint8Array
  /** Hash functions, 1..`BLOOM_MAX_K`. */
  readonly k: number
  /** The bit array, `BLOOM_MIN_BYTES`..`BLOOM_MAX_BYTES` bytes. */
  readonly bits: Uint8Array
}

/** An answer on the market channel. */
export type MarketAnswer =
  | { readonly t: 'ok' }
  | { readonly t: 'err'; readonly code: string }
  | { readonly t: 'accept' }
  | { readonly t: 'decline'; readonly code: string }
  | { readonly t: 'book'; readonly bids: readonly BookEntry[]; readonly asks: readonly BookEntry[] }
  | { readonly t: 'trades'; readonly trades: readonly TradeRecord[] }
  | {
      readonly t: 'orders'
      /** Canonical signed orders (`ORDER_BYTES` each), at most `SYNC_MAX_ORDERS`. */
      readonly orders: readonly Uint8Array[]
      /** Canonical signed cancels (`CANCEL_BYTES` each), at most `SYNC_MAX_CANCELS`. */
      readonly cancels: readonly Uint8Array[]
    }

const KEYS: Readonly<Record<string, readonly string[]>> = {
  order: ['t', 'order'],
  cancel: ['t', 'cancel'],
  match: [
    't',
    'id',
    'matchmaker',
    'maker',
    'taker',
    'makerTrader',
    'takerTrader',
    'takerSide',
    'mbBytes',
    'sats',
    'timeMs',
  ],
  'book?': ['t', 'limit'],
  'trades?': ['t', 'limit'],
  sync: ['t', 'salt', 'k', 'bits'],
  ok: ['t'],
  err: ['t', 'code'],
  accept: ['t'],
  decline: ['t', 'code'],
  book: ['t', 'bids', 'asks'],
  trades: ['t', 'trades'],
  orders: ['t', 'orders', 'cancels'],
}
const REQUESTS = new Set(['order', 'cancel', 'match', 'book?', 'trades?', 'sync'])
const ENTRY_KEYS = ['id', 'trader', 'mbBytes', 'sats', 'remaining']
const TRADE_KEYS = ['timeMs', 'mbBytes', 'sats']

const HEX = /^(?:[0-9a-f]{2})+$/
const KEY = /^[0-9a-f]{64}$/
const ORDER_ID = /^[0-9a-f]{64}:(?:0|[1-9][0-9]{0,9})$/
const DECIMAL = /^(?:0|[1-9][0-9]{0,19})$/
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/
const MATCH_ID = /^[0-9a-f]{20}$/
/** A channel address: a libp2p peer id (base58) or a hex key; printable, bounded. */
const ADDRESS = /^[0-9A-Za-z]{1,128}$/

const bad = (why: string): MarketError =>
  new MarketError('MARKET_MESSAGE_MALFORMED', `market message: ${why}`, {})

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Encodes a request or an answer (canonical JSON, keys in the order of `KEYS`). */
export function encodeMarketMessage(message: MarketRequest | MarketAnswer): Uint8Array {
  const fields = message as unknown as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of KEYS[message.t] ?? []) {
    const v = fields[k]
    if (v instanceof Uint8Array) out[k] = hex(v)
    else if (typeof v === 'bigint') out[k] = v.toString()
    else if (k === 'bids' || k === 'asks') out[k] = (v as readonly BookEntry[]).map(entryJson)
    else if (k === 'trades') out[k] = (v as readonly TradeRecord[]).map(tradeJson)
    else if (k === 'orders' || k === 'cancels') out[k] = (v as readonly Uint8Array[]).map(hex)
    else out[k] = v
  }
  const bytes = new TextEncoder().encode(JSON.stringify(out))
  if (bytes.byteLength > MARKET_MAX_MESSAGE_BYTES) throw bad(`${bytes.byteLength} bytes exceed the limit`)
  return bytes
}

const entryJson = (e: BookEntry): Record<string, string> => ({
  id: e.id,
  trader: e.trader,
  mbBytes: e.mbBytes.toString(),
  sats: e.sats.toString(),
  remaining: e.remaining.toString(),
})
const tradeJson = (t: TradeRecord): Record<string, unknown> => ({
  timeMs: t.timeMs,
  mbBytes: t.mbBytes.toString(),
  sats: t.sats.toString(),
})

/**
 * Decodes a request.
 *
 * @throws MarketError MARKET_MESSAGE_MALFORMED for anything but one exact request.
 */
export function decodeMarketRequest(bytes: Uint8Array): MarketRequest {
  const o = parse(bytes)
  if (!REQUESTS.has(o.t as string)) throw bad(`not a request: ${String(o.t)}`)
  return decodeFields(o) as MarketRequest
}

/**
 * Decodes an answer.
 *
 * @throws MarketError MARKET_MESSAGE_MALFORMED for anything but one exact answer.
 */
export function decodeMarketAnswer(bytes: Uint8Array): MarketAnswer {
  const o = parse(bytes)
  if (REQUESTS.has(o.t as string)) throw bad(`not an answer: ${String(o.t)}`)
  return decodeFields(o) as MarketAnswer
}

function parse(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.byteLength > MARKET_MAX_MESSAGE_BYTES) throw bad(`${bytes.byteLength} bytes exceed the limit`)
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw bad('not UTF-8 JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not an object')
  const o = value as Record<string, unknown>
  const keys = typeof o.t === 'string' ? KEYS[o.t] : undefined
  if (keys === undefined) throw bad('unknown type')
  exactKeys(o, keys)
  return o
}

function exactKeys(o: Record<string, unknown>, keys: readonly string[]): void {
  const got = Object.keys(o)
  if (got.length !== keys.length || got.some((k, i) => k !== keys[i]))
    throw bad(`keys ${got.join(',')} are not ${keys.join(',')}`)
}

function str(o: Record<string, unknown>, k: string, re: RegExp): string {
  const v = o[k]
  if (typeof v !== 'string' || !re.test(v)) throw bad(`${k} is malformed`)
  return v
}

function amount(o: Record<string, unknown>, k: string): bigint {
  return BigInt(str(o, k, DECIMAL))
}

function int(o: Record<string, unknown>, k: string, max: number): number {
  const v = o[k]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw bad(`${k} is malformed`)
  return v
}

function bytesOf(o: Record<string, unknown>, k: string, max: number): Uint8Array {
  const v = str(o, k, HEX)
  if (v.length > 2 * max) throw bad(`${k} is too long`)
  return Uint8Array.from(Buffer.from(v, 'hex'))
}

/** Hex of `min`..`max` bytes. */
function exactBytes(v: unknown, k: string, min: number, max: number): Uint8Array {
  if (typeof v !== 'string' || v.length < 2 * min || v.length > 2 * max || !HEX.test(v))
    throw bad(`${k} is not ${min}..${max} bytes of hex`)
  return Uint8Array.from(Buffer.from(v, 'hex'))
}

/** A list of at most `max` hex strings of exactly `size` bytes each. */
function hexList(o: Record<string, unknown>, k: string, max: number, size: number): Uint8Array[] {
  const v = o[k]
  if (!Array.isArray(v) || v.length > max) throw bad(`${k} is not a list of at most ${max}`)
  return v.map((x: unknown) => exactBytes(x, k, size, size))
}

function list<T>(
  o: Record<string, unknown>,
  k: string,
  max: number,
  item: (x: Record<string, unknown>) => T,
): T[] {
  const v = o[k]
  if (!Array.isArray(v) || v.length > max) throw bad(`${k} is not a list of at most ${max}`)
  return v.map((x: unknown) => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw bad(`${k} holds a non-object`)
    return item(x as Record<string, unknown>)
  })
}

function decodeFields(o: Record<string, unknown>): MarketRequest | MarketAnswer {
  switch (o.t) {
    case 'order':
      return { t: 'order', order: bytesOf(o, 'order', 1024) }
    case 'cancel':
      return { t: 'cancel', cancel: bytesOf(o, 'cancel', 1024) }
    case 'match': {
      const side = o.takerSide
      if (side !== 'ask' && side !== 'bid') throw bad('takerSide is malformed')
      return {
        t: 'match',
        id: str(o, 'id', MATCH_ID),
        matchmaker: str(o, 'matchmaker', ADDRESS),
        maker: str(o, 'maker', ORDER_ID),
        taker: str(o, 'taker', ORDER_ID),
        makerTrader: str(o, 'makerTrader', KEY),
        takerTrader: str(o, 'takerTrader', KEY),
        takerSide: side,
        mbBytes: amount(o, 'mbBytes'),
        sats: amount(o, 'sats'),
        timeMs: int(o, 'timeMs', Number.MAX_SAFE_INTEGER),
      }
    }
    case 'book?':
      return { t: 'book?', limit: int(o, 'limit', BOOK_MAX_ENTRIES) }
    case 'trades?':
      return { t: 'trades?', limit: int(o, 'limit', TRADES_MAX_ENTRIES) }
    case 'sync': {
      const salt = exactBytes(o.salt, 'salt', BLOOM_SALT_BYTES, BLOOM_SALT_BYTES)
      const k = o.k
      if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1 || k > BLOOM_MAX_K)
        throw bad('k is malformed')
      return { t: 'sync', salt, k, bits: exactBytes(o.bits, 'bits', BLOOM_MIN_BYTES, BLOOM_MAX_BYTES) }
    }
    case 'orders':
      return {
        t: 'orders',
        orders: hexList(o, 'orders', SYNC_MAX_ORDERS, ORDER_BYTES),
        cancels: hexList(o, 'cancels', SYNC_MAX_CANCELS, CANCEL_BYTES),
      }
    case 'ok':
      return { t: 'ok' }
    case 'accept':
      return { t: 'accept' }
    case 'err':
      return { t: 'err', code: str(o, 'code', CODE) }
    case 'decline':
      return { t: 'decline', code: str(o, 'code', CODE) }
    case 'book': {
      const entry = (x: Record<string, unknown>): BookEntry => {
        exactKeys(x, ENTRY_KEYS)
        return {
          id: str(x, 'id', ORDER_ID),
          trader: str(x, 'trader', KEY),
          mbBytes: amount(x, 'mbBytes'),
          sats: amount(x, 'sats'),
          remaining: amount(x, 'remaining'),
        }
      }
      return {
        t: 'book',
        bids: list(o, 'bids', BOOK_MAX_ENTRIES, entry),
        asks: list(o, 'asks', BOOK_MAX_ENTRIES, entry),
      }
    }
    default: {
      // 'trades' (parse() admitted only the types of KEYS).
      const trade = (x: Record<string, unknown>): TradeRecord => {
        exactKeys(x, TRADE_KEYS)
        return {
          timeMs: int(x, 'timeMs', Number.MAX_SAFE_INTEGER),
          mbBytes: amount(x, 'mbBytes'),
          sats: amount(x, 'sats'),
        }
      }
      return { t: 'trades', trades: list(o, 'trades', TRADES_MAX_ENTRIES, trade) }
    }
  }
}
