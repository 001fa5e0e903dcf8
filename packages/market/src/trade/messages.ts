/**
 * The trade messages of ALGORITHMS.md §10 phases 3–5 (PROPOSED_TRADE 10, DECLINED_TRADE 11,
 * COUNTER_TRADE 12, START_TX 13, WALLET_INFO 14, PAYMENT 15, done, abort), their canonical signed
 * encoding and strict decoding. Pure apart from the signer and verifier it is given.
 *
 * Wire form: UTF-8 JSON `{"m": body, "s": sigHex}`. The signature is Ed25519 by `body.from` over
 * `"dolly-trade/1\n"` + the canonical body JSON (fixed key order, amounts as decimal strings). The
 * decoder accepts exactly the keys of each type, rebuilds the canonical body and verifies over it,
 * so one message has exactly one signed form.
 */
import { bytesToHex, hexToBytes, type BlockSigner, type SignatureVerifier } from '@dolly/base'
import { MarketError } from '../errors.ts'
import { checkTradeTerms, type TradeTerms } from './terms.ts'

/** Fields every message carries. */
interface Envelope {
  /** The trade it belongs to. */
  readonly tradeId: string
  /** Sender's public key, hex. */
  readonly from: string
  /** Recipient's public key, hex (a message replayed to another trader fails). */
  readonly to: string
}

/** A trade message. */
export type TradeMessage =
  | (Envelope & { readonly type: 'propose'; readonly terms: TradeTerms })
  | (Envelope & { readonly type: 'counter'; readonly terms: TradeTerms })
  | (Envelope & { readonly type: 'decline'; readonly reason: string })
  | (Envelope & { readonly type: 'accept'; readonly terms: TradeTerms })
  | (Envelope & { readonly type: 'wallet'; readonly address: string })
  | (Envelope & {
      readonly type: 'payment'
      /** The payer's n-th payment (1-based). */
      readonly n: number
      /** MB bytes (from the MB seller) or sats (from the Bitcoin payer). */
      readonly amount: bigint
      /** Ledger transfer id or Bitcoin txid, for the receiver to check with its own ports. */
      readonly ref: string
    })
  | (Envelope & { readonly type: 'done' })
  | (Envelope & { readonly type: 'abort'; readonly reason: string })

/** The message types. */
export type TradeMessageType = TradeMessage['type']

/** Largest encoded message accepted. */
export const MAX_TRADE_MESSAGE_BYTES = 4096
const DOMAIN = 'dolly-trade/1\n'
const KEY_HEX = /^[0-9a-f]{64}$/
const SIG_HEX = /^[0-9a-f]{128}$/
const DECIMAL = /^(0|[1-9][0-9]{0,19})$/
const TEXT = /^[\x20-\x7e]{1,200}$/
const REF = /^[A-Za-z0-9:_-]{1,128}$/
const ADDRESS = /^[A-Za-z0-9]{14,100}$/

const TERMS_KEYS = [
  'tradeId',
  'proposer',
  'responder',
  'mbSeller',
  'mbBytes',
  'sats',
  'mbMinUnit',
  'satsMinUnit',
]
const BODY_KEYS: Readonly<Record<TradeMessageType, readonly string[]>> = {
  propose: ['terms'],
  counter: ['terms'],
  decline: ['reason'],
  accept: ['terms'],
  wallet: ['address'],
  payment: ['n', 'amount', 'ref'],
  done: [],
  abort: ['reason'],
}

type Json = string | number | Json[] | { [k: string]: Json }

function termsJson(t: TradeTerms): Json {
  return {
    tradeId: t.tradeId,
    proposer: t.proposer,
    responder: t.responder,
    mbSeller: t.mbSeller,
    mbBytes: t.mbBytes.toString(),
    sats: t.sats.toString(),
    mbMinUnit: t.mbMinUnit.toString(),
    satsMinUnit: t.satsMinUnit.toString(),
  }
}

/** The canonical body: fixed key order, bigints as decimal strings. */
function bodyJson(m: TradeMessage): { [k: string]: Json } {
  const head = { v: 1, type: m.type, tradeId: m.tradeId, from: m.from, to: m.to }
  switch (m.type) {
    case 'propose':
    case 'counter':
    case 'accept':
      return { ...head, terms: termsJson(m.terms) }
    case 'decline':
    case 'abort':
      return { ...head, reason: m.reason }
    case 'wallet':
      return { ...head, address: m.address }
    case 'payment':
      return { ...head, n: m.n, amount: m.amount.toString(), ref: m.ref }
    case 'done':
      return head
  }
}

function signedBytes(body: { [k: string]: Json }): Uint8Array {
  return new TextEncoder().encode(DOMAIN + JSON.stringify(body))
}

/** Encodes and signs `message`; `signer` must be the key in `message.from`. */
export function encodeTradeMessage(message: TradeMessage, signer: BlockSigner): Uint8Array {
  if (bytesToHex(signer.publicKey) !== message.from) {
    throw new MarketError('MARKET_TRADE_MALFORMED', 'a trade message must be signed by its sender', {
      from: message.from,
    })
  }
  const body = bodyJson(message)
  const sig = bytesToHex(signer.sign(signedBytes(body)))
  return new TextEncoder().encode(JSON.stringify({ m: body, s: sig }))
}

function malformed(why: string, details: Record<string, unknown> = {}): never {
  throw new MarketError('MARKET_TRADE_MALFORMED', `trade message rejected: ${why}`, details)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function exactKeys(o: Record<string, unknown>, keys: readonly string[], what: string): void {
  const got = Object.keys(o)
  if (got.length !== keys.length || !keys.every((k) => Object.hasOwn(o, k))) {
    malformed(`${what} must have exactly the keys ${keys.join(', ')}`, { got })
  }
}

function str(o: Record<string, unknown>, key: string, re: RegExp): string {
  const v = o[key]
  if (typeof v !== 'string' || !re.test(v)) malformed(`field ${key} is not valid`, { key })
  return v
}

function amount(o: Record<string, unknown>, key: string): bigint {
  return BigInt(str(o, key, DECIMAL))
}

function parseTerms(v: unknown): TradeTerms {
  if (!isObject(v)) malformed('terms must be an object')
  exactKeys(v, TERMS_KEYS, 'terms')
  const seller = v.mbSeller
  if (seller !== 'proposer' && seller !== 'responder') malformed('mbSeller must be proposer or responder')
  const terms: TradeTerms = {
    tradeId: str(v, 'tradeId', /^[A-Za-z0-9_-]{1,64}$/),
    proposer: str(v, 'proposer', KEY_HEX),
    responder: str(v, 'responder', KEY_HEX),
    mbSeller: seller,
    mbBytes: amount(v, 'mbBytes'),
    sats: amount(v, 'sats'),
    mbMinUnit: amount(v, 'mbMinUnit'),
    satsMinUnit: amount(v, 'satsMinUnit'),
  }
  try {
    checkTradeTerms(terms)
  } catch (err) {
    malformed('terms are not valid', { cause: (err as Error).message })
  }
  return terms
}

function parseBody(b: Record<string, unknown>): TradeMessage {
  const type = b.type
  if (typeof type !== 'string' || !Object.hasOwn(BODY_KEYS, type)) malformed('unknown message type', { type })
  const t = type as TradeMessageType
  exactKeys(b, ['v', 'type', 'tradeId', 'from', 'to', ...BODY_KEYS[t]], `a ${t} message`)
  if (b.v !== 1) malformed('unsupported version', { v: b.v })
  const head = {
    tradeId: str(b, 'tradeId', /^[A-Za-z0-9_-]{1,64}$/),
    from: str(b, 'from', KEY_HEX),
    to: str(b, 'to', KEY_HEX),
  }
  if (head.from === head.to) malformed('sender and recipient are the same key')
  switch (t) {
    case 'propose':
    case 'counter':
    case 'accept': {
      const terms = parseTerms(b.terms)
      if (terms.tradeId !== head.tradeId) malformed('terms belong to another trade')
      const parties = [terms.proposer, terms.responder]
      if (!parties.includes(head.from) || !parties.includes(head.to))
        malformed('sender and recipient must be the parties')
      return { type: t, ...head, terms }
    }
    case 'decline':
    case 'abort':
      return { type: t, ...head, reason: str(b, 'reason', TEXT) }
    case 'wallet':
      return { type: t, ...head, address: str(b, 'address', ADDRESS) }
    case 'payment': {
      const n = b.n
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > 512) malformed('n must be 1..512')
      const value = amount(b, 'amount')
      if (value <= 0n) malformed('a payment moves a positive amount')
      return { type: t, ...head, n, amount: value, ref: str(b, 'ref', REF) }
    }
    case 'done':
      return { type: t, ...head }
  }
}

/**
 * Decodes and verifies a trade message. Throws MARKET_TRADE_MALFORMED for anything that is not
 * exactly one well-formed message and MARKET_TRADE_BAD_SIGNATURE when `from` did not sign it.
 */
export function decodeTradeMessage(bytes: Uint8Array, verifier: SignatureVerifier): TradeMessage {
  if (bytes.byteLength > MAX_TRADE_MESSAGE_BYTES) {
    malformed(`larger than ${MAX_TRADE_MESSAGE_BYTES} bytes`, { bytes: bytes.byteLength })
  }
  let outer: unknown
  try {
    outer = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    malformed('not UTF-8 JSON')
  }
  if (!isObject(outer)) malformed('not an object')
  exactKeys(outer, ['m', 's'], 'the envelope')
  if (!isObject(outer.m)) malformed('body must be an object')
  const sig = str(outer, 's', SIG_HEX)
  const message = parseBody(outer.m)
  const key = hexToBytes(message.from)
  const signature = hexToBytes(sig)
  const ok =
    key !== undefined &&
    signature !== undefined &&
    verifier.verify(key, signedBytes(bodyJson(message)), signature)
  if (!ok) {
    throw new MarketError(
      'MARKET_TRADE_BAD_SIGNATURE',
      `trade message of ${message.type} is not signed by its sender`,
      {
        tradeId: message.tradeId,
        from: message.from,
      },
    )
  }
  return message
}
