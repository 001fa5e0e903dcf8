import { marketCodeOf } from '@dolly/market'
import { describe, expect, it } from 'vitest'
import {
  BOOK_MAX_ENTRIES,
  MARKET_MAX_MESSAGE_BYTES,
  decodeMarketAnswer,
  decodeMarketRequest,
  encodeMarketMessage,
  type MarketAnswer,
  type MarketRequest,
} from './messages.ts'

const KEY_A = 'a'.repeat(64)
const KEY_B = 'b'.repeat(64)
const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (err) {
    return marketCodeOf(err)
  }
  return undefined
}

const MATCH: MarketRequest = {
  t: 'match',
  id: '0123456789abcdef0123',
  matchmaker: '12D3KooWabc',
  maker: `${KEY_A}:1`,
  taker: `${KEY_B}:2147483648`,
  makerTrader: KEY_A,
  takerTrader: KEY_B,
  takerSide: 'bid',
  mbBytes: 5n << 20n,
  sats: 1_000n,
  timeMs: 1_800_000_000_000,
}

describe('market channel messages', () => {
  it('round-trips every request and answer', () => {
    const requests: MarketRequest[] = [
      { t: 'order', order: Uint8Array.from([1, 2, 3]) },
      { t: 'cancel', cancel: Uint8Array.from([9]) },
      MATCH,
      { t: 'book?', limit: 20 },
      { t: 'trades?', limit: 256 },
    ]
    for (const r of requests) expect(decodeMarketRequest(encodeMarketMessage(r))).toEqual(r)
    const answers: MarketAnswer[] = [
      { t: 'ok' },
      { t: 'err', code: 'MARKET_ORDER_FORGED' },
      { t: 'accept' },
      { t: 'decline', code: 'MARKET_ORDER_AMOUNT' },
      {
        t: 'book',
        bids: [{ id: `${KEY_A}:3`, trader: KEY_A, mbBytes: 10n, sats: 7n, remaining: 4n }],
        asks: [],
      },
      { t: 'trades', trades: [{ timeMs: 5, mbBytes: 1n << 20n, sats: 99n }] },
    ]
    for (const a of answers) expect(decodeMarketAnswer(encodeMarketMessage(a))).toEqual(a)
  })

  it('is canonical: the same message encodes to the same bytes', () => {
    const text = new TextDecoder().decode(encodeMarketMessage(MATCH))
    expect(text.startsWith('{"t":"match","id":"0123456789abcdef0123","matchmaker":')).toBe(true)
    expect(text).toContain('"mbBytes":"5242880","sats":"1000"')
  })

  it('refuses bad input with MARKET_MESSAGE_MALFORMED', () => {
    const good = JSON.parse(new TextDecoder().decode(encodeMarketMessage(MATCH))) as Record<string, unknown>
    const cases: Uint8Array[] = [
      enc('not json'),
      Uint8Array.from([0xff, 0xfe]),
      enc('[]'),
      enc('{"t":"nope"}'),
      enc('{"t":"ok","x":1}'),
      enc('{"t":"order","order":"abc"}'), // odd hex
      enc('{"t":"order","order":"ABCD"}'), // upper-case hex
      enc('{"order":"00","t":"order"}'), // key order
      enc('{"t":"book?","limit":101}'),
      enc('{"t":"book?","limit":1.5}'),
      enc('{"t":"trades?","limit":-1}'),
      enc(JSON.stringify({ ...good, sats: '01' })), // leading zero
      enc(JSON.stringify({ ...good, sats: 1000 })), // number, not a decimal string
      enc(JSON.stringify({ ...good, takerSide: 'buy' })),
      enc(JSON.stringify({ ...good, maker: 'x:1' })),
      enc(JSON.stringify({ ...good, id: 'short' })),
      new Uint8Array(MARKET_MAX_MESSAGE_BYTES + 1),
    ]
    for (const bytes of cases)
      expect(codeOf(() => decodeMarketRequest(bytes))).toBe('MARKET_MESSAGE_MALFORMED')
    // An answer is not a request and a request not an answer.
    expect(codeOf(() => decodeMarketRequest(encodeMarketMessage({ t: 'ok' })))).toBe(
      'MARKET_MESSAGE_MALFORMED',
    )
    expect(codeOf(() => decodeMarketAnswer(encodeMarketMessage(MATCH)))).toBe('MARKET_MESSAGE_MALFORMED')
    const entry = { id: `${KEY_A}:3`, trader: KEY_A, mbBytes: '1', sats: '1', remaining: '1' }
    const tooMany = enc(
      JSON.stringify({ t: 'book', bids: Array(BOOK_MAX_ENTRIES + 1).fill(entry), asks: [] }),
    )
    expect(codeOf(() => decodeMarketAnswer(tooMany))).toBe('MARKET_MESSAGE_MALFORMED')
    const extraKey = enc(JSON.stringify({ t: 'book', bids: [{ ...entry, x: 1 }], asks: [] }))
    expect(codeOf(() => decodeMarketAnswer(extraKey))).toBe('MARKET_MESSAGE_MALFORMED')
    expect(codeOf(() => decodeMarketAnswer(enc('{"t":"err","code":"lower"}')))).toBe(
      'MARKET_MESSAGE_MALFORMED',
    )
  })
})
