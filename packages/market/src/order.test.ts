import { createSeededRng, createSignatureVerifier, generateIdentity } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { marketCodeOf } from './errors.ts'
import {
  CANCEL_BYTES,
  MAX_ORDER_BYTES,
  ORDER_BYTES,
  createOrderVerifier,
  decodeCancel,
  decodeOrder,
  encodeCancel,
  encodeOrder,
  signCancel,
  signOrder,
  type Order,
  type SignedOrder,
} from './order.ts'

const alice = generateIdentity(createSeededRng('order-alice'))
const mallory = generateIdentity(createSeededRng('order-mallory'))
const NOW = 1_700_000_000_000
const fields: Omit<Order, 'trader'> = {
  number: 1,
  side: 'ask',
  mbBytes: 8000n << 20n,
  sats: 400_000n,
  timestampMs: NOW,
  timeoutS: 3600,
}
const verifier = (seenCapacity?: number) =>
  createOrderVerifier({
    verifier: createSignatureVerifier(),
    ...(seenCapacity === undefined ? {} : { seenCapacity }),
  })

/** The code `fn` throws with. */
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return marketCodeOf(err) ?? `not a market error: ${String(err)}`
  }
  return undefined
}

describe('signed orders', () => {
  it('round-trips through the canonical encoding and verifies', () => {
    const order = signOrder(fields, alice)
    const bytes = encodeOrder(order)
    expect(bytes.byteLength).toBe(ORDER_BYTES)
    expect(decodeOrder(bytes)).toEqual(order)
    const v = verifier().verifyOrder(bytes, NOW + 1000)
    expect(v.id).toBe(`${order.trader}:1`)
    expect(v.expiresAtMs).toBe(NOW + 3_600_000)
    expect(v.mbBytes).toBe(8000n << 20n)
    // The object form verifies the same way.
    expect(verifier().verifyOrder(order, NOW).bytes).toEqual(bytes)
  })

  it('rejects a forged order: any changed byte, another key, a signature from elsewhere', () => {
    const order = signOrder(fields, alice)
    const bytes = encodeOrder(order)
    for (const at of [2, 34, 46, 54, 62, 66, 67, 130]) {
      const tampered = bytes.slice()
      tampered[at] = (tampered[at] ?? 0) ^ 1
      const code = codeOf(() => verifier().verifyOrder(tampered, NOW))
      expect(code, `byte ${at}`).toBe('MARKET_ORDER_FORGED')
    }
    // More satoshi, same signature (object form).
    expect(codeOf(() => verifier().verifyOrder({ ...order, sats: order.sats + 1n }, NOW))).toBe(
      'MARKET_ORDER_FORGED',
    )
    // Mallory's signature over the fields naming Alice as trader.
    const byMallory = signOrder(fields, mallory)
    expect(codeOf(() => verifier().verifyOrder({ ...byMallory, trader: order.trader }, NOW))).toBe(
      'MARKET_ORDER_FORGED',
    )
    // A cancel's signature is not an order's (domain and kind differ).
    const cancel = signCancel(1, NOW, alice)
    expect(codeOf(() => verifier().verifyOrder({ ...order, signature: cancel.signature }, NOW))).toBe(
      'MARKET_ORDER_FORGED',
    )
  })

  it('rejects a replayed order while it is remembered, and accepts its number again only after expiry', () => {
    const v = verifier()
    const bytes = encodeOrder(signOrder({ ...fields, timeoutS: 60 }, alice))
    v.verifyOrder(bytes, NOW)
    expect(codeOf(() => v.verifyOrder(bytes, NOW + 5))).toBe('MARKET_ORDER_REPLAYED')
    // Another number is another order.
    v.verifyOrder(encodeOrder(signOrder({ ...fields, number: 2 }, alice)), NOW)
    // After expiry + tolerance the old bytes are refused as expired, not kept forever in memory.
    expect(codeOf(() => v.verifyOrder(bytes, NOW + 71_000))).toBe('MARKET_ORDER_EXPIRED')
  })

  it('enforces timestamps with 10 s of clock tolerance', () => {
    const sign = (f: Partial<Omit<Order, 'trader'>>): SignedOrder => signOrder({ ...fields, ...f }, alice)
    const o = sign({ timeoutS: 100 })
    expect(codeOf(() => verifier().verifyOrder(o, NOW + 110_000))).toBeUndefined()
    expect(codeOf(() => verifier().verifyOrder(o, NOW + 110_001))).toBe('MARKET_ORDER_EXPIRED')
    expect(codeOf(() => verifier().verifyOrder(o, NOW - 10_000))).toBeUndefined()
    expect(codeOf(() => verifier().verifyOrder(o, NOW - 10_001))).toBe('MARKET_ORDER_FUTURE')
  })

  it('rejects timeouts out of range and zero or oversized amounts, signed or not', () => {
    for (const [f, code] of [
      [{ timeoutS: -1 }, 'MARKET_ORDER_TIMEOUT_RANGE'],
      [{ timeoutS: 86_401 }, 'MARKET_ORDER_TIMEOUT_RANGE'],
      [{ mbBytes: 0n }, 'MARKET_ORDER_AMOUNT'],
      [{ sats: 0n }, 'MARKET_ORDER_AMOUNT'],
      [{ mbBytes: MAX_ORDER_BYTES + 1n }, 'MARKET_ORDER_AMOUNT'],
      [{ sats: 2_100_000_000_000_001n }, 'MARKET_ORDER_AMOUNT'],
      [{ mbBytes: -5n }, 'MARKET_ORDER_AMOUNT'],
      [{ number: 1.5 }, 'MARKET_ORDER_MALFORMED'],
    ] as const) {
      expect(codeOf(() => signOrder({ ...fields, ...f }, alice))).toBe(code)
      const valid = signOrder(fields, alice)
      expect(codeOf(() => verifier().verifyOrder({ ...valid, ...f }, NOW))).toBe(code)
    }
    expect(codeOf(() => signOrder({ ...fields, timeoutS: 86_400 }, alice))).toBeUndefined()
    // On the wire: a u32 timeout of 86 401 and a zero amount are caught by decoding.
    const bytes = encodeOrder(signOrder(fields, alice))
    const big = bytes.slice()
    new DataView(big.buffer).setUint32(63, 86_401)
    expect(codeOf(() => verifier().verifyOrder(big, NOW))).toBe('MARKET_ORDER_TIMEOUT_RANGE')
    const zero = bytes.slice()
    new DataView(zero.buffer).setBigUint64(47, 0n)
    expect(codeOf(() => verifier().verifyOrder(zero, NOW))).toBe('MARKET_ORDER_AMOUNT')
  })

  it('rejects malformed bytes with a code', () => {
    const bytes = encodeOrder(signOrder(fields, alice))
    expect(codeOf(() => verifier().verifyOrder(bytes.subarray(0, 100), NOW))).toBe('MARKET_ORDER_MALFORMED')
    const v2 = bytes.slice()
    v2[0] = 2
    expect(codeOf(() => verifier().verifyOrder(v2, NOW))).toBe('MARKET_ORDER_MALFORMED')
    const side = bytes.slice()
    side[38] = 7
    expect(codeOf(() => verifier().verifyOrder(side, NOW))).toBe('MARKET_ORDER_MALFORMED')
    expect(codeOf(() => verifier().verifyOrder(new Uint8Array(CANCEL_BYTES), NOW))).toBe(
      'MARKET_ORDER_MALFORMED',
    )
  })

  it('accepts a signed cancel of an own order only, and remembers it against a later add', () => {
    const v = verifier()
    const order = signOrder(fields, alice)
    v.verifyOrder(order, NOW)
    const cancel = signCancel(1, NOW + 1000, alice)
    const bytes = encodeCancel(cancel)
    expect(bytes.byteLength).toBe(CANCEL_BYTES)
    expect(decodeCancel(bytes)).toEqual(cancel)
    expect(v.verifyCancel(bytes, NOW + 1000).id).toBe(`${order.trader}:1`)
    // Mallory cannot cancel Alice's order: her signature does not verify under Alice's key.
    const forged = { ...signCancel(1, NOW + 1000, mallory), trader: order.trader }
    expect(codeOf(() => v.verifyCancel(forged, NOW + 1000))).toBe('MARKET_ORDER_FORGED')
    // A cancel that arrives before its order: the order is then refused as replayed.
    const v2 = verifier()
    v2.verifyCancel(signCancel(7, NOW, alice), NOW)
    expect(codeOf(() => v2.verifyOrder(signOrder({ ...fields, number: 7 }, alice), NOW))).toBe(
      'MARKET_ORDER_REPLAYED',
    )
    expect(codeOf(() => v.verifyCancel(signCancel(1, NOW + 60_000, alice), NOW))).toBe('MARKET_ORDER_FUTURE')
    expect(codeOf(() => v.verifyCancel(signCancel(1, NOW - 86_411_000, alice), NOW))).toBe(
      'MARKET_ORDER_EXPIRED',
    )
  })

  it('keeps the replay window bounded: a flood of fresh keys is refused once it is full, expired ids make room', () => {
    const v = verifier(50)
    const rng = createSeededRng('order-flood')
    const flood = Array.from({ length: 60 }, () =>
      encodeOrder(signOrder({ ...fields, timeoutS: 30 }, generateIdentity(rng))),
    )
    const codes = flood.map((b) => codeOf(() => v.verifyOrder(b, NOW)))
    expect(codes.filter((c) => c === undefined)).toHaveLength(50)
    expect(codes.filter((c) => c === 'MARKET_BOOK_FULL')).toHaveLength(10)
    expect(v.seen()).toBe(50)
    // 40 s later every remembered id has expired (30 s + 10 s tolerance): the window makes room.
    const late = encodeOrder(signOrder({ ...fields, number: 9, timestampMs: NOW + 41_000 }, alice))
    expect(codeOf(() => v.verifyOrder(late, NOW + 41_000))).toBeUndefined()
    expect(v.seen()).toBe(1)
  })
})
