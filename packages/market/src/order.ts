import { bytesToHex, hexToBytes, MAX_MONEY_SATS, type BlockSigner, type SignatureVerifier } from '@dolly/base'
import { MarketError } from './errors.ts'

/**
 * Signed orders (ALGORITHMS.md §10, §5.1): an ask sells `mbBytes` of MB tokens for at least `sats`
 * satoshi, a bid buys `mbBytes` for at most `sats`. The limit price is the exact ratio
 * `sats / mbBytes` (satoshi per byte; MB = bytes / 2^20), never a float.
 *
 * Canonical encoding (big-endian), signed with the trader's Ed25519 key over
 * `ORDER_DOMAIN ‖ body` (the domain keeps an order signature from ever meaning anything else):
 *
 *   order  (131 bytes): u8 version=1, u8 kind=1, trader[32], u32 number, u8 side (0 ask, 1 bid),
 *                       u64 mbBytes, u64 sats, u64 timestampMs, u32 timeoutS, signature[64]
 *   cancel (110 bytes): u8 version=1, u8 kind=2, trader[32], u32 number, u64 timestampMs, signature[64]
 */

/** `ask` sells MB for BTC; `bid` buys MB with BTC. */
export type OrderSide = 'ask' | 'bid'

/** An order's identity, `(TraderId, OrderNumber)` as `<trader hex>:<number>`; shared with the trade protocol. */
export type OrderId = string

/** An order's fields (what the trader signs). */
export interface Order {
  /** Ed25519 public key of the trader, 64 lower-case hex characters. */
  readonly trader: string
  /** The trader's order number (a per-trader sequence), 0 ≤ number < 2^32. */
  readonly number: number
  readonly side: OrderSide
  /** MB tokens to sell or buy, in bytes: 1 ≤ mbBytes ≤ `MAX_ORDER_BYTES`. */
  readonly mbBytes: bigint
  /** Satoshi to receive at least (ask) or pay at most (bid): 1 ≤ sats ≤ 21·10^14. */
  readonly sats: bigint
  /** Creation time, ms since the epoch. */
  readonly timestampMs: number
  /** Lifetime in seconds, 0..`MAX_ORDER_TIMEOUT_S` (default `DEFAULT_ORDER_TIMEOUT_S`). */
  readonly timeoutS: number
}

/** An order with the trader's signature over its canonical encoding. */
export interface SignedOrder extends Order {
  /** 64-byte Ed25519 signature. */
  readonly signature: Uint8Array
}

/** An order `verifyOrder` accepted. */
export interface VerifiedOrder extends SignedOrder {
  readonly id: OrderId
  /** When it expires: timestampMs + timeoutS · 1000. */
  readonly expiresAtMs: number
  /** Its canonical encoding (signature included). */
  readonly bytes: Uint8Array
}

/** A trader's signed withdrawal of its own order `(trader, number)`. */
export interface SignedCancel {
  readonly trader: string
  readonly number: number
  readonly timestampMs: number
  readonly signature: Uint8Array
}

/** REST default order lifetime (ALGORITHMS.md §10). */
export const DEFAULT_ORDER_TIMEOUT_S = 3600
/** `MAX_ORDER_TIMEOUT` (ALGORITHMS.md §10). */
export const MAX_ORDER_TIMEOUT_S = 86_400
/** Clock tolerance for timestamps (ALGORITHMS.md §10 Tick). */
export const CLOCK_TOLERANCE_MS = 10_000
/** Largest order, in bytes: 2^40 (1 TiB = 1 048 576 MB), far beyond any agent's tokens. */
export const MAX_ORDER_BYTES = 2n ** 40n
/** Largest order, in satoshi: all the bitcoin there will ever be. */
export const MAX_ORDER_SATS = MAX_MONEY_SATS
/** Byte length of an encoded order. */
export const ORDER_BYTES = 131
/** Byte length of an encoded cancel. */
export const CANCEL_BYTES = 110
/** Signing domain of orders and cancels. */
export const ORDER_DOMAIN: Uint8Array = new TextEncoder().encode('dolly/market/order/v1\0')

const VERSION = 1
const KIND_ORDER = 1
const KIND_CANCEL = 2
const SIG_BYTES = 64
const KEY_BYTES = 32
const MAX_U32 = 2 ** 32 - 1

/** The id of an order `(trader, number)`. */
export function orderIdOf(order: { readonly trader: string; readonly number: number }): OrderId {
  return `${order.trader}:${order.number}`
}

const malformed = (why: string): MarketError => new MarketError('MARKET_ORDER_MALFORMED', why)

/** Checks the fields' ranges; throws MARKET_ORDER_MALFORMED, _AMOUNT or _TIMEOUT_RANGE. */
export function checkOrderFields(order: Order): void {
  if (typeof order.trader !== 'string' || !/^[0-9a-f]{64}$/.test(order.trader))
    throw malformed('the trader is not a 32-byte public key in lower-case hex')
  if (!Number.isInteger(order.number) || order.number < 0 || order.number > MAX_U32)
    throw malformed(`order number ${String(order.number)} is not a u32`)
  if (order.side !== 'ask' && order.side !== 'bid')
    throw malformed(`side ${String(order.side)} is neither ask nor bid`)
  if (typeof order.mbBytes !== 'bigint' || typeof order.sats !== 'bigint')
    throw malformed('amounts are bigint bytes and satoshi')
  if (order.mbBytes <= 0n || order.mbBytes > MAX_ORDER_BYTES)
    throw new MarketError('MARKET_ORDER_AMOUNT', `mbBytes ${order.mbBytes} is outside 1..${MAX_ORDER_BYTES}`)
  if (order.sats <= 0n || order.sats > MAX_ORDER_SATS)
    throw new MarketError('MARKET_ORDER_AMOUNT', `sats ${order.sats} is outside 1..${MAX_ORDER_SATS}`)
  if (!Number.isSafeInteger(order.timestampMs) || order.timestampMs < 0)
    throw malformed(`timestamp ${String(order.timestampMs)} is not a non-negative integer of ms`)
  if (!Number.isInteger(order.timeoutS) || order.timeoutS < 0 || order.timeoutS > MAX_ORDER_TIMEOUT_S)
    throw new MarketError(
      'MARKET_ORDER_TIMEOUT_RANGE',
      `timeout ${String(order.timeoutS)} s is outside 0..${MAX_ORDER_TIMEOUT_S}`,
    )
}

function header(view: DataView, bytes: Uint8Array, kind: number, trader: string): void {
  view.setUint8(0, VERSION)
  view.setUint8(1, kind)
  const key = hexToBytes(trader)
  if (key === undefined || key.byteLength !== KEY_BYTES)
    throw malformed('the trader is not a 32-byte public key')
  bytes.set(key, 2)
}

/** Canonical encoding of the order's fields with `signature` (zeros while signing). */
function encodeOrderBody(order: Order, signature: Uint8Array): Uint8Array {
  checkOrderFields(order)
  const bytes = new Uint8Array(ORDER_BYTES)
  const view = new DataView(bytes.buffer)
  header(view, bytes, KIND_ORDER, order.trader)
  view.setUint32(34, order.number)
  view.setUint8(38, order.side === 'ask' ? 0 : 1)
  view.setBigUint64(39, order.mbBytes)
  view.setBigUint64(47, order.sats)
  view.setBigUint64(55, BigInt(order.timestampMs))
  view.setUint32(63, order.timeoutS)
  bytes.set(signature, 67)
  return bytes
}

function signedMessage(bytes: Uint8Array, unsignedLength: number): Uint8Array {
  const message = new Uint8Array(ORDER_DOMAIN.byteLength + unsignedLength)
  message.set(ORDER_DOMAIN, 0)
  message.set(bytes.subarray(0, unsignedLength), ORDER_DOMAIN.byteLength)
  return message
}

/** Signs an order as `signer` (the trader is the signer's public key). */
export function signOrder(fields: Omit<Order, 'trader'>, signer: BlockSigner): SignedOrder {
  const order: Order = { ...fields, trader: bytesToHex(signer.publicKey) }
  const body = encodeOrderBody(order, new Uint8Array(SIG_BYTES))
  const signature = signer.sign(signedMessage(body, ORDER_BYTES - SIG_BYTES))
  return { ...order, signature }
}

/** The canonical bytes of a signed order. */
export function encodeOrder(order: SignedOrder): Uint8Array {
  if (!(order.signature instanceof Uint8Array) || order.signature.byteLength !== SIG_BYTES)
    throw malformed('the signature is not 64 bytes')
  return encodeOrderBody(order, order.signature)
}

/** Parses canonical order bytes (no signature or time check); throws MARKET_ORDER_MALFORMED and field codes. */
export function decodeOrder(bytes: Uint8Array): SignedOrder {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== ORDER_BYTES)
    throw malformed(`an order is ${ORDER_BYTES} bytes`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint8(0) !== VERSION || view.getUint8(1) !== KIND_ORDER)
    throw malformed('not a version-1 order')
  const side = view.getUint8(38)
  if (side > 1) throw malformed(`side byte ${side}`)
  const timestamp = view.getBigUint64(55)
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('timestamp beyond 2^53 ms')
  const order: SignedOrder = {
    trader: bytesToHex(bytes.subarray(2, 34)),
    number: view.getUint32(34),
    side: side === 0 ? 'ask' : 'bid',
    mbBytes: view.getBigUint64(39),
    sats: view.getBigUint64(47),
    timestampMs: Number(timestamp),
    timeoutS: view.getUint32(63),
    signature: bytes.slice(67, ORDER_BYTES),
  }
  checkOrderFields(order)
  return order
}

/** Signs the withdrawal of the signer's order `number`. */
export function signCancel(number: number, timestampMs: number, signer: BlockSigner): SignedCancel {
  const cancel = { trader: bytesToHex(signer.publicKey), number, timestampMs }
  const body = encodeCancelBody(cancel, new Uint8Array(SIG_BYTES))
  return { ...cancel, signature: signer.sign(signedMessage(body, CANCEL_BYTES - SIG_BYTES)) }
}

function encodeCancelBody(cancel: Omit<SignedCancel, 'signature'>, signature: Uint8Array): Uint8Array {
  if (!Number.isInteger(cancel.number) || cancel.number < 0 || cancel.number > MAX_U32)
    throw malformed(`order number ${String(cancel.number)} is not a u32`)
  if (!Number.isSafeInteger(cancel.timestampMs) || cancel.timestampMs < 0)
    throw malformed('the cancel timestamp is not a non-negative integer of ms')
  const bytes = new Uint8Array(CANCEL_BYTES)
  const view = new DataView(bytes.buffer)
  header(view, bytes, KIND_CANCEL, cancel.trader)
  view.setUint32(34, cancel.number)
  view.setBigUint64(38, BigInt(cancel.timestampMs))
  bytes.set(signature, 46)
  return bytes
}

/** The canonical bytes of a signed cancel. */
export function encodeCancel(cancel: SignedCancel): Uint8Array {
  if (!(cancel.signature instanceof Uint8Array) || cancel.signature.byteLength !== SIG_BYTES)
    throw malformed('the signature is not 64 bytes')
  return encodeCancelBody(cancel, cancel.signature)
}

/** Parses canonical cancel bytes (no signature check). */
export function decodeCancel(bytes: Uint8Array): SignedCancel {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== CANCEL_BYTES)
    throw malformed(`a cancel is ${CANCEL_BYTES} bytes`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint8(0) !== VERSION || view.getUint8(1) !== KIND_CANCEL)
    throw malformed('not a version-1 cancel')
  const timestamp = view.getBigUint64(38)
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('timestamp beyond 2^53 ms')
  return {
    trader: bytesToHex(bytes.subarray(2, 34)),
    number: view.getUint32(34),
    timestampMs: Number(timestamp),
    signature: bytes.slice(46, CANCEL_BYTES),
  }
}

/** Options of an order verifier. */
export interface OrderVerifierOptions {
  /** Checks the signatures. */
  readonly verifier: SignatureVerifier
  /** Most order ids remembered against replay (default 100 000); beyond it new orders are refused. */
  readonly seenCapacity?: number
}

/** Verifies orders and cancels and remembers what it accepted, against replays. */
export interface OrderVerifier {
  /**
   * Accepts a signed order once: throws MARKET_ORDER_MALFORMED, _AMOUNT, _TIMEOUT_RANGE, _FORGED
   * (bad signature), _FUTURE (timestamp beyond now + 10 s), _EXPIRED (timestamp + timeout + 10 s
   * before now), _REPLAYED (its id was already accepted or cancelled and is still remembered) or
   * MARKET_BOOK_FULL (the replay window is full of live ids).
   */
  verifyOrder(input: Uint8Array | SignedOrder, nowMs: number): VerifiedOrder
  /**
   * Accepts a signed cancel (always of the signer's own order, since the order id contains the
   * trader): throws MARKET_ORDER_MALFORMED, _FORGED, _FUTURE or _EXPIRED (older than the longest
   * order life). The cancelled id is remembered, so the order cannot be added later.
   */
  verifyCancel(input: Uint8Array | SignedCancel, nowMs: number): SignedCancel & { readonly id: OrderId }
  /** Ids remembered now. */
  seen(): number
}

/** Default capacity of the replay window. */
export const DEFAULT_SEEN_CAPACITY = 100_000

/** A verifier with its own bounded replay window. */
export function createOrderVerifier(options: OrderVerifierOptions): OrderVerifier {
  const capacity = options.seenCapacity ?? DEFAULT_SEEN_CAPACITY
  if (!Number.isSafeInteger(capacity) || capacity < 1)
    throw malformed('seenCapacity must be a positive integer')
  const seen = new Map<OrderId, number>()
  let nextSweepMs = 0

  function checkSignature(trader: string, bytes: Uint8Array, unsigned: number, signature: Uint8Array): void {
    const key = hexToBytes(trader) ?? new Uint8Array(0)
    if (!options.verifier.verify(key, signedMessage(bytes, unsigned), signature))
      throw new MarketError('MARKET_ORDER_FORGED', `the signature of ${trader.slice(0, 16)}… does not verify`)
  }

  function checkTime(timestampMs: number, lastValidMs: number, nowMs: number, what: string): void {
    if (timestampMs > nowMs + CLOCK_TOLERANCE_MS)
      throw new MarketError('MARKET_ORDER_FUTURE', `${what} is dated ${timestampMs - nowMs} ms in the future`)
    if (lastValidMs + CLOCK_TOLERANCE_MS < nowMs)
      throw new MarketError('MARKET_ORDER_EXPIRED', `${what} expired ${nowMs - lastValidMs} ms ago`)
  }

  /** Remembers `id` until `untilMs` (plus the clock tolerance); throws when it is remembered already. */
  function remember(id: OrderId, untilMs: number, nowMs: number, replayIsError: boolean): void {
    const known = seen.get(id)
    if (known !== undefined && known >= nowMs) {
      if (replayIsError) throw new MarketError('MARKET_ORDER_REPLAYED', `order ${id} was seen already`)
      seen.set(id, Math.max(known, untilMs + CLOCK_TOLERANCE_MS))
      return
    }
    if (seen.size >= capacity && nowMs >= nextSweepMs) {
      // One sweep per earliest expiry: a flood of live ids cannot make every insert scan the window.
      let earliest = Number.POSITIVE_INFINITY
      for (const [key, until] of seen) {
        if (until < nowMs) seen.delete(key)
        else if (until < earliest) earliest = until
      }
      nextSweepMs = earliest
    }
    if (seen.size >= capacity && known === undefined)
      throw new MarketError('MARKET_BOOK_FULL', `the replay window holds ${capacity} live order ids`)
    seen.set(id, untilMs + CLOCK_TOLERANCE_MS)
  }

  return {
    verifyOrder(input, nowMs) {
      const order = input instanceof Uint8Array ? decodeOrder(input) : input
      const bytes = input instanceof Uint8Array ? input.slice() : encodeOrder(order)
      if (!(input instanceof Uint8Array)) checkOrderFields(order)
      checkSignature(order.trader, bytes, ORDER_BYTES - SIG_BYTES, order.signature)
      const expiresAtMs = order.timestampMs + order.timeoutS * 1000
      const id = orderIdOf(order)
      checkTime(order.timestampMs, expiresAtMs, nowMs, `order ${id}`)
      remember(id, expiresAtMs, nowMs, true)
      return {
        trader: order.trader,
        number: order.number,
        side: order.side,
        mbBytes: order.mbBytes,
        sats: order.sats,
        timestampMs: order.timestampMs,
        timeoutS: order.timeoutS,
        signature: order.signature.slice(),
        id,
        expiresAtMs,
        bytes,
      }
    },
    verifyCancel(input, nowMs) {
      const cancel = input instanceof Uint8Array ? decodeCancel(input) : input
      const bytes = input instanceof Uint8Array ? input : encodeCancel(cancel)
      checkSignature(cancel.trader, bytes, CANCEL_BYTES - SIG_BYTES, cancel.signature)
      const id = orderIdOf(cancel)
      const lastValidMs = cancel.timestampMs + MAX_ORDER_TIMEOUT_S * 1000
      checkTime(cancel.timestampMs, lastValidMs, nowMs, `the cancel of ${id}`)
      remember(id, lastValidMs, nowMs, false)
      return { ...cancel, signature: cancel.signature.slice(), id }
    },
    seen: () => seen.size,
  }
}
