import { createSeededRng } from '@dolly/base'
import { CANCEL_BYTES, marketCodeOf, ORDER_BYTES } from '@dolly/market'
import { describe, expect, it } from 'vitest'
import {
  BLOOM_MAX_BYTES,
  BLOOM_MAX_K,
  bloomFalsePositiveRate,
  bloomFilterFrom,
  bloomParams,
  createBloomFilter,
} from './bloom.ts'
import {
  MARKET_MAX_MESSAGE_BYTES,
  SYNC_MAX_CANCELS,
  SYNC_MAX_ORDERS,
  decodeMarketAnswer,
  decodeMarketRequest,
  encodeMarketMessage,
  type MarketAnswer,
  type MarketRequest,
} from './messages.ts'

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (err) {
    return marketCodeOf(err)
  }
  return undefined
}
const enc = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o))
const id = (i: number): string => `o${i.toString(16).padStart(64, '0')}:${i}`

describe('the Bloom filter of book sync', () => {
  it('has every key it was given and about the documented false-positive rate of others', () => {
    const rng = createSeededRng('bloom')
    for (const n of [10, 500, 5_000]) {
      const f = createBloomFilter(n, rng.bytes(8))
      for (let i = 0; i < n; i++) f.add(id(i))
      for (let i = 0; i < n; i++) expect(f.has(id(i))).toBe(true)
      let fp = 0
      const probes = 20_000
      for (let i = 0; i < probes; i++) if (f.has(id(1_000_000 + i))) fp++
      const expected = bloomFalsePositiveRate(n, f.bits.byteLength, f.k)
      expect(expected).toBeLessThan(0.01)
      // Binomial: 20 000 probes at ≤ 1 % gives σ < 0.08 %.
      expect(fp / probes).toBeLessThan(expected + 0.005)
    }
  })

  it('is sized ≥ 10 bits a key in a power of two of bytes, at most 8 KiB; the rate grows past ~6 500 keys (the documented numbers)', () => {
    expect(bloomParams(500)).toEqual({ bytes: 1024, k: 11 })
    expect(bloomParams(6_000)).toEqual({ bytes: 8192, k: 8 })
    expect(bloomParams(0)).toEqual({ bytes: 8, k: 16 })
    expect(bloomParams(100_000).bytes).toBe(BLOOM_MAX_BYTES)
    const at = (n: number) => {
      const p = bloomParams(n)
      return bloomFalsePositiveRate(n, p.bytes, p.k)
    }
    expect(at(6_500)).toBeLessThan(0.012)
    expect(at(10_000)).toBeGreaterThan(0.03)
    expect(at(10_000)).toBeLessThan(0.05)
    expect(at(20_000)).toBeGreaterThan(0.15)
    expect(at(20_000)).toBeLessThan(0.3)
  })

  it('hides different keys under different salts (a false positive of one round is seen in the next)', () => {
    const rng = createSeededRng('salt')
    const fps = [0, 1].map(() => {
      const f = createBloomFilter(200, rng.bytes(8))
      for (let i = 0; i < 200; i++) f.add(id(i))
      const out = new Set<number>()
      for (let i = 0; i < 50_000; i++) if (f.has(id(10_000 + i))) out.add(i)
      return out
    })
    const [a, b] = fps as [Set<number>, Set<number>]
    expect(a.size).toBeGreaterThan(50)
    const both = [...a].filter((i) => b.has(i)).length
    expect(both).toBeLessThan(a.size / 5)
  })

  it('decodes only bounded parts: salt 8 bytes, k 1..16, 8..8192 bytes', () => {
    const ok = new Uint8Array(8)
    expect(codeOf(() => bloomFilterFrom(new Uint8Array(7), 3, new Uint8Array(64)))).toBe(
      'MARKET_MESSAGE_MALFORMED',
    )
    for (const k of [0, BLOOM_MAX_K + 1, 1.5, Number.NaN])
      expect(codeOf(() => bloomFilterFrom(ok, k, new Uint8Array(64)))).toBe('MARKET_MESSAGE_MALFORMED')
    for (const n of [0, 7, BLOOM_MAX_BYTES + 1])
      expect(codeOf(() => bloomFilterFrom(ok, 3, new Uint8Array(n)))).toBe('MARKET_MESSAGE_MALFORMED')
    expect(bloomFilterFrom(ok, BLOOM_MAX_K, new Uint8Array(BLOOM_MAX_BYTES)).has('x')).toBe(false)
  })
})

describe('the sync messages', () => {
  const sync: MarketRequest = {
    t: 'sync',
    salt: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
    k: 7,
    bits: new Uint8Array(BLOOM_MAX_BYTES).fill(0xa5),
  }
  const full: MarketAnswer = {
    t: 'orders',
    orders: Array.from({ length: SYNC_MAX_ORDERS }, (_, i) => new Uint8Array(ORDER_BYTES).fill(i)),
    cancels: Array.from({ length: SYNC_MAX_CANCELS }, (_, i) => new Uint8Array(CANCEL_BYTES).fill(i)),
  }

  it('round-trip, the largest within 64 KiB', () => {
    expect(decodeMarketRequest(encodeMarketMessage(sync))).toEqual(sync)
    const bytes = encodeMarketMessage(full)
    expect(bytes.byteLength).toBeLessThanOrEqual(MARKET_MAX_MESSAGE_BYTES)
    expect(decodeMarketAnswer(bytes)).toEqual(full)
    expect(decodeMarketAnswer(encodeMarketMessage({ t: 'orders', orders: [], cancels: [] }))).toEqual({
      t: 'orders',
      orders: [],
      cancels: [],
    })
    // A request is not an answer and back.
    expect(codeOf(() => decodeMarketAnswer(encodeMarketMessage(sync)))).toBe('MARKET_MESSAGE_MALFORMED')
    expect(codeOf(() => decodeMarketRequest(encodeMarketMessage(full)))).toBe('MARKET_MESSAGE_MALFORMED')
  })

  it('refuse malformed sync requests', () => {
    const salt = '0102030405060708'
    const bits = '00'.repeat(64)
    const bad: unknown[] = [
      { t: 'sync', salt, k: 7 },
      { t: 'sync', k: 7, salt, bits },
      { t: 'sync', salt, k: 7, bits, more: 1 },
      { t: 'sync', salt: '01020304050607', k: 7, bits },
      { t: 'sync', salt: '010203040506070809', k: 7, bits },
      { t: 'sync', salt: 'zz02030405060708', k: 7, bits },
      { t: 'sync', salt, k: 0, bits },
      { t: 'sync', salt, k: 17, bits },
      { t: 'sync', salt, k: '7', bits },
      { t: 'sync', salt, k: 2.5, bits },
      { t: 'sync', salt, k: 7, bits: '00'.repeat(7) },
      { t: 'sync', salt, k: 7, bits: '00'.repeat(BLOOM_MAX_BYTES + 1) },
      { t: 'sync', salt, k: 7, bits: 'ABCDEF0123456789' },
      { t: 'sync', salt, k: 7, bits: '0'.repeat(129) },
      { t: 'sync', salt, k: 7, bits: [0, 1] },
    ]
    for (const o of bad) expect(codeOf(() => decodeMarketRequest(enc(o)))).toBe('MARKET_MESSAGE_MALFORMED')
  })

  it('refuse malformed orders answers', () => {
    const order = 'ab'.repeat(ORDER_BYTES)
    const cancel = '22'.repeat(CANCEL_BYTES)
    const bad: unknown[] = [
      { t: 'orders', orders: [order] },
      { t: 'orders', cancels: [], orders: [] },
      { t: 'orders', orders: [order], cancels: [], x: 1 },
      { t: 'orders', orders: order, cancels: [] },
      { t: 'orders', orders: [cancel], cancels: [] },
      { t: 'orders', orders: [], cancels: [order] },
      { t: 'orders', orders: [`${order}00`], cancels: [] },
      { t: 'orders', orders: [order.toUpperCase()], cancels: [] },
      { t: 'orders', orders: [{ order }], cancels: [] },
      { t: 'orders', orders: Array.from({ length: SYNC_MAX_ORDERS + 1 }, () => order), cancels: [] },
      { t: 'orders', orders: [], cancels: Array.from({ length: SYNC_MAX_CANCELS + 1 }, () => cancel) },
    ]
    for (const o of bad) expect(codeOf(() => decodeMarketAnswer(enc(o)))).toBe('MARKET_MESSAGE_MALFORMED')
  })
})
