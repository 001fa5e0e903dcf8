import { bytesToHex, createSignatureVerifier, identityFromSeed } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import {
  decodeTradeMessage,
  encodeTradeMessage,
  MAX_TRADE_MESSAGE_BYTES,
  type TradeMessage,
} from './messages.ts'
import type { TradeTerms } from './terms.ts'

const A = identityFromSeed(new Uint8Array(32).fill(7))
const B = identityFromSeed(new Uint8Array(32).fill(8))
const verifier = createSignatureVerifier()
const terms: TradeTerms = {
  tradeId: 'm-1',
  proposer: bytesToHex(A.publicKey),
  responder: bytesToHex(B.publicKey),
  mbSeller: 'proposer',
  mbBytes: 1_048_576_000n,
  sats: 50_000n,
  mbMinUnit: 1_048_576n,
  satsMinUnit: 1_000n,
}
const head = { tradeId: 'm-1', from: terms.proposer, to: terms.responder }
const all: TradeMessage[] = [
  { type: 'propose', ...head, terms },
  { type: 'counter', ...head, terms: { ...terms, sats: 40_000n } },
  { type: 'decline', ...head, reason: 'MARKET_TRADE_DECLINED' },
  { type: 'accept', ...head, terms },
  { type: 'wallet', ...head, address: 'rltc1qexampleaddress0000' },
  { type: 'payment', ...head, n: 3, amount: 123_456n, ref: 'mb-3' },
  { type: 'done', ...head },
  { type: 'abort', ...head, reason: 'MARKET_TRADE_TIMEOUT' },
]
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const mutate = (m: TradeMessage, f: (o: { m: Record<string, unknown>; s: string }) => void): Uint8Array => {
  const o = JSON.parse(text(encodeTradeMessage(m, A))) as { m: Record<string, unknown>; s: string }
  f(o)
  return bytes(JSON.stringify(o))
}

describe('trade messages', () => {
  it('round-trips every type through the signed canonical form', () => {
    for (const m of all) expect(decodeTradeMessage(encodeTradeMessage(m, A), verifier)).toEqual(m)
  })

  it('encodes canonically: the same message gives the same bytes, amounts as decimal strings', () => {
    const m = all[5] as TradeMessage
    expect(text(encodeTradeMessage(m, A))).toBe(text(encodeTradeMessage(m, A)))
    expect(text(encodeTradeMessage(m, A))).toContain('"amount":"123456"')
  })

  it('accepts the same body with its keys in another order (the signature covers the canonical form)', () => {
    const m = all[5] as TradeMessage
    const o = JSON.parse(text(encodeTradeMessage(m, A))) as { m: Record<string, unknown>; s: string }
    const reordered = Object.fromEntries(Object.entries(o.m).reverse())
    expect(decodeTradeMessage(bytes(JSON.stringify({ s: o.s, m: reordered })), verifier)).toEqual(m)
  })

  it('refuses to sign for another sender', () => {
    expect(() => encodeTradeMessage(all[0] as TradeMessage, B)).toThrow(
      expect.objectContaining({ code: 'MARKET_TRADE_MALFORMED' }),
    )
  })

  it('rejects a tampered amount or a foreign signature: MARKET_TRADE_BAD_SIGNATURE', () => {
    const tampered = mutate(all[5] as TradeMessage, (o) => {
      o.m.amount = '999999'
    })
    expect(() => decodeTradeMessage(tampered, verifier)).toThrow(
      expect.objectContaining({ code: 'MARKET_TRADE_BAD_SIGNATURE' }),
    )
    const foreign = mutate(all[6] as TradeMessage, (o) => {
      o.s = bytesToHex(B.sign(bytes('dolly-trade/1\n' + JSON.stringify(o.m))))
    })
    expect(() => decodeTradeMessage(foreign, verifier)).toThrow(
      expect.objectContaining({ code: 'MARKET_TRADE_BAD_SIGNATURE' }),
    )
  })

  const malformed: [string, Uint8Array][] = [
    ['not JSON', bytes('{')],
    ['not UTF-8', new Uint8Array([0xff, 0xfe])],
    ['too large', new Uint8Array(MAX_TRADE_MESSAGE_BYTES + 1).fill(0x20)],
    ['an array', bytes('[]')],
    ['extra envelope key', mutate(all[6] as TradeMessage, (o) => Object.assign(o, { x: 1 }))],
    ['extra body key', mutate(all[6] as TradeMessage, (o) => Object.assign(o.m, { x: 1 }))],
    ['missing body key', mutate(all[5] as TradeMessage, (o) => delete o.m.ref)],
    ['unknown type', mutate(all[6] as TradeMessage, (o) => (o.m.type = 'steal'))],
    ['version 2', mutate(all[6] as TradeMessage, (o) => (o.m.v = 2))],
    ['amount with a leading zero', mutate(all[5] as TradeMessage, (o) => (o.m.amount = '0123'))],
    ['amount as a number', mutate(all[5] as TradeMessage, (o) => (o.m.amount = 5))],
    ['zero amount', mutate(all[5] as TradeMessage, (o) => (o.m.amount = '0'))],
    ['negative amount', mutate(all[5] as TradeMessage, (o) => (o.m.amount = '-5'))],
    ['n zero', mutate(all[5] as TradeMessage, (o) => (o.m.n = 0))],
    ['n fractional', mutate(all[5] as TradeMessage, (o) => (o.m.n = 1.5))],
    ['upper-case key', mutate(all[6] as TradeMessage, (o) => (o.m.from = String(o.m.from).toUpperCase()))],
    ['short signature', mutate(all[6] as TradeMessage, (o) => (o.s = o.s.slice(2)))],
    ['to itself', mutate(all[6] as TradeMessage, (o) => (o.m.to = o.m.from))],
    [
      'terms of another trade',
      mutate(all[0] as TradeMessage, (o) => ((o.m.terms as Record<string, unknown>).tradeId = 'other')),
    ],
    [
      'terms with zero sats',
      mutate(all[0] as TradeMessage, (o) => ((o.m.terms as Record<string, unknown>).sats = '0')),
    ],
    [
      'terms with an extra key',
      mutate(all[0] as TradeMessage, (o) => ((o.m.terms as Record<string, unknown>).x = '1')),
    ],
    ['control characters in a reason', mutate(all[7] as TradeMessage, (o) => (o.m.reason = 'a\nb'))],
  ]
  for (const [name, input] of malformed) {
    it(`rejects ${name}: MARKET_TRADE_MALFORMED`, () => {
      expect(() => decodeTradeMessage(input, verifier)).toThrow(
        expect.objectContaining({ code: 'MARKET_TRADE_MALFORMED' }),
      )
    })
  }
})
