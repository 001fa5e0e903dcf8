import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { comparePrices, compareProducts, mulDiv } from './price.ts'

const sign = (x: bigint): number => (x < 0n ? -1 : x > 0n ? 1 : 0)
const amount = fc.oneof(
  fc.integer({ min: 0, max: 1000 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: 2 ** 40, max: 2 ** 40 + 1000 }),
)

describe('exact price arithmetic', () => {
  it('compares products exactly, also beyond 2^53', () => {
    fc.assert(
      fc.property(amount, amount, amount, amount, (a, b, c, d) => {
        expect(compareProducts(a, b, c, d)).toBe(sign(BigInt(a) * BigInt(b) - BigInt(c) * BigInt(d)))
      }),
      { numRuns: 2000 },
    )
  })

  it('tells apart products that doubles round to the same value', () => {
    // (2^53 + 1)·3 and (2^53)·3 + 3 are equal; 2^53·3 + 2 differs by one unit that doubles lose.
    const a = 2 ** 52 + 1
    expect(compareProducts(a, 4, 2 ** 52, 4)).toBe(1)
    expect(compareProducts(2 ** 50 * 3 + 1, 2 ** 20, 2 ** 50 * 3, 2 ** 20)).toBe(1)
    expect(compareProducts(3, 2 ** 51 + 1, 2 ** 51 + 1, 3)).toBe(0)
    // (2^27 + 1)(2^27 − 1) = 2^54 − 1, which rounds to 2^54 as a double.
    expect(compareProducts(2 ** 27 + 1, 2 ** 27 - 1, 2 ** 27, 2 ** 27)).toBe(-1)
    expect(compareProducts(2 ** 27, 2 ** 27, 2 ** 27 + 1, 2 ** 27 - 1)).toBe(1)
    expect(comparePrices(1, 3, 2, 6)).toBe(0)
    expect(comparePrices(1, 3, 1, 2)).toBe(-1)
  })

  it('divides exactly with the rounding asked for', () => {
    fc.assert(
      fc.property(amount, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.boolean(), (s, b, up) => {
        const q = Math.min(s, b) // q ≤ b keeps the result ≤ s
        const n = BigInt(q) * BigInt(s)
        const floor = n / BigInt(b)
        const want = up && floor * BigInt(b) !== n ? floor + 1n : floor
        expect(mulDiv(q, s, b, up)).toBe(Number(want))
      }),
      { numRuns: 2000 },
    )
    expect(mulDiv(7, 10, 3, true)).toBe(24)
    expect(mulDiv(7, 10, 3, false)).toBe(23)
  })
})
