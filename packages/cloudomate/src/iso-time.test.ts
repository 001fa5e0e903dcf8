import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isoToMs } from './iso-time.ts'

describe('isoToMs', () => {
  it('agrees with Date for every instant from 1970 to 2200 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7_258_118_400_000 }), (ms) => {
        expect(isoToMs(new Date(ms).toISOString())).toBe(ms)
      }),
    )
  })

  it('applies offsets and rejects other text', () => {
    expect(isoToMs('1970-01-01T01:00:00+01:00')).toBe(0)
    expect(isoToMs('2026-11-21')).toBeNaN()
  })
})
