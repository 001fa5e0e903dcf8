import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSeededRng } from './rng.ts'
import { createCryptoRng } from './adapters/crypto-rng.ts'
import { errorCode } from './errors.ts'

describe('seeded Rng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const draw = (seed: number | string): number[] => {
      const rng = createSeededRng(seed)
      return [rng.float(), rng.int(1000), ...rng.bytes(5)]
    }
    expect(draw(1)).toEqual(draw(1))
    expect(draw('agent-7')).toEqual(draw('agent-7'))
    expect(draw(1)).not.toEqual(draw(2))
    expect(createSeededRng(1).seeded).toBe(true)
    expect(createCryptoRng().seeded).toBe(false)
  })

  it('keeps float in [0,1) and int in [0,n) for any seed and bound', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 2 ** 40 }), (seed, bound) => {
        const rng = createSeededRng(seed)
        for (let i = 0; i < 20; i++) {
          const f = rng.float()
          expect(f).toBeGreaterThanOrEqual(0)
          expect(f).toBeLessThan(1)
          const n = rng.int(bound)
          expect(Number.isInteger(n) && n >= 0 && n < bound).toBe(true)
        }
      }),
    )
  })

  it('is roughly uniform: each of 10 buckets gets 10% ± 1.5% of 20,000 draws', () => {
    const rng = createSeededRng(42)
    const buckets = new Array<number>(10).fill(0)
    for (let i = 0; i < 20_000; i++) buckets[rng.int(10)]! += 1
    for (const count of buckets) expect(Math.abs(count - 2000)).toBeLessThan(300)
  })

  it('rejects a bad bound with a code', () => {
    for (const rng of [createSeededRng(1), createCryptoRng()]) {
      expect(() => rng.int(0)).toThrow()
      try {
        rng.int(1.5)
      } catch (err) {
        expect(errorCode(err)).toBe('BASE_INVALID_OPTION')
      }
    }
  })
})
