import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isoDateToMs, isoToMs } from './iso-time.ts'

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

describe('isoDateToMs', () => {
  it('gives the 00:00 UTC of every date from 1970 to 2200, as Date does (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 84_000 }), (days) => {
        const ms = days * 86_400_000
        expect(isoDateToMs(new Date(ms).toISOString().slice(0, 10))).toBe(ms)
      }),
    )
  })

  it('rejects dates that do not exist and other text', () => {
    expect(isoDateToMs('2017-06-19')).toBe(Date.UTC(2017, 5, 19))
    expect(isoDateToMs('2024-02-29')).toBe(Date.UTC(2024, 1, 29))
    for (const bad of ['2017-02-30', '2023-02-29', '2017-13-01', '2017-00-10', '19/06/2017', '-', ''])
      expect(isoDateToMs(bad), bad).toBeNaN()
  })
})
