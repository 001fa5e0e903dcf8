import { describe, expect, it } from 'vitest'
import { formatTick, niceTicks, tightTicks } from './ticks.ts'

/** Whether `step` is 1, 2 or 5 times a power of ten. */
function isNiceStep(step: number): boolean {
  const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6))
  return [1, 2, 5].includes(mantissa)
}

describe('niceTicks', () => {
  it('covers assorted ranges with 1-2-5 steps whose ticks start and end on the range', () => {
    const ranges: [number, number][] = [
      [0, 1],
      [3, 97],
      [0, 10_000],
      [-42, 17],
      [0.001, 0.0042],
      [1e9, 3.7e9],
      [-5e-7, -1e-7],
      [12_345, 12_346],
      [0, 365],
      [1e15, 1e15 + 1],
    ]
    for (const [lo, hi] of ranges) {
      const t = niceTicks(lo, hi)
      expect(isNiceStep(t.step), `${lo}..${hi} step ${t.step}`).toBe(true)
      expect(t.min).toBeLessThanOrEqual(lo)
      expect(t.max).toBeGreaterThanOrEqual(hi)
      expect(t.values[0]).toBe(t.min)
      expect(t.values[t.values.length - 1]).toBe(t.max)
      expect(t.values.length).toBeGreaterThanOrEqual(2)
      expect(t.values.length).toBeLessThanOrEqual(12)
      for (let i = 1; i < t.values.length; i++)
        expect((t.values[i] ?? 0) - (t.values[i - 1] ?? 0)).toBeCloseTo(t.step, 6)
    }
  })

  it('gives the textbook ticks', () => {
    expect(niceTicks(3, 97)).toEqual({ min: 0, max: 100, step: 20, values: [0, 20, 40, 60, 80, 100] })
    expect(niceTicks(0, 365).values).toEqual([0, 100, 200, 300, 400])
    expect(niceTicks(0, 0.3).values).toEqual([0, 0.1, 0.2, 0.3])
    expect(niceTicks(0, 0.17).values).toEqual([0, 0.05, 0.1, 0.15, 0.2])
    expect(niceTicks(-42, 17).values).toEqual([-60, -40, -20, 0, 20])
  })

  it('widens an empty range and falls back to [0, 1] for non-finite bounds', () => {
    expect(niceTicks(0, 0).values).toEqual([-1, -0.5, 0, 0.5, 1])
    const five = niceTicks(5, 5)
    expect(five.min).toBeLessThan(5)
    expect(five.max).toBeGreaterThan(5)
    expect(niceTicks(NaN, NaN)).toMatchObject({ min: 0, max: 1 })
    expect(niceTicks(-Infinity, Infinity)).toMatchObject({ min: 0, max: 1 })
    expect(niceTicks(10, 2)).toMatchObject({ min: 2, max: 10 })
    const huge = niceTicks(-Number.MAX_VALUE, Number.MAX_VALUE)
    expect(Number.isFinite(huge.step)).toBe(true)
    expect(huge.values.every(Number.isFinite)).toBe(true)
  })

  it('ignores float noise at the ends: shares that sum to 1.0000000000000002 end at 1', () => {
    expect(niceTicks(0, 0.1 + 0.2).max).toBe(0.3)
    expect(niceTicks(0, 1 + Number.EPSILON)).toEqual({
      min: 0,
      max: 1,
      step: 0.2,
      values: [0, 0.2, 0.4, 0.6, 0.8, 1],
    })
  })

  it('has no float noise or negative zero in its values', () => {
    for (const v of niceTicks(-0.3, 0.7).values) {
      expect(String(v).length).toBeLessThan(6)
      expect(Object.is(v, -0)).toBe(false)
    }
  })
})

describe('tightTicks', () => {
  it('ends the axis on the data and keeps the nice ticks inside', () => {
    expect(tightTicks(0, 365)).toEqual({ min: 0, max: 365, step: 100, values: [0, 100, 200, 300] })
    expect(tightTicks(0, 100)).toEqual(niceTicks(0, 100))
    expect(tightTicks(-3.5, 7.25).values).toEqual([-2, 0, 2, 4, 6])
    expect(tightTicks(5, 5)).toEqual(niceTicks(5, 5))
    expect(tightTicks(NaN, 1)).toEqual(niceTicks(NaN, 1))
  })
})

describe('formatTick', () => {
  it('uses SI prefixes and the decimals the step needs', () => {
    expect(formatTick(0, 100)).toBe('0')
    expect(formatTick(500, 500)).toBe('500')
    expect(formatTick(1000, 500)).toBe('1k')
    expect(formatTick(1500, 500)).toBe('1.5k')
    expect(formatTick(2_000_000, 1_000_000)).toBe('2M')
    expect(formatTick(3.5e9, 5e8)).toBe('3.5G')
    expect(formatTick(-25_000, 5000)).toBe('-25k')
    expect(formatTick(0.25, 0.05)).toBe('0.25')
    expect(formatTick(0.3, 0.1)).toBe('0.3')
    expect(formatTick(0.0005, 0.0001)).toBe('500µ')
    expect(formatTick(12_345.5, 0.5)).toBe('12.3455k')
    expect(formatTick(NaN, 1)).toBe('NaN')
    expect(formatTick(Infinity, 1)).toBe('∞')
    expect(formatTick(-Infinity, 1)).toBe('-∞')
    expect(formatTick(1e21, 1e20)).toBe('1e+21')
  })

  it('labels every tick of assorted axes distinctly', () => {
    for (const [lo, hi] of [
      [0, 1],
      [0, 10_000],
      [1e9, 3.7e9],
      [12_345, 12_346],
      [-5e-7, -1e-7],
    ] as const) {
      const t = niceTicks(lo, hi)
      const labels = t.values.map((v) => formatTick(v, t.step))
      expect(new Set(labels).size, labels.join(' ')).toBe(labels.length)
    }
  })
})
