import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import {
  chooseFreeRiders,
  drawBoundedPareto,
  drawHops,
  drawInterArrivalMs,
  fileForSize,
  planSchedule,
  type DemandOptions,
} from './demand.ts'

const MIB = 1024 * 1024
const files = [1, 10, 100].map((m) => ({ name: `${m}MiB.bin`, bytes: m * MIB }))
const options: DemandOptions = {
  files,
  ratePerSecond: 2,
  paretoAlpha: 1.2,
  hopWeights: [0.2, 0.3, 0.5],
}

/** The bounded Pareto's survival function P(X > x). */
function survival(x: number, low: number, high: number, alpha: number): number {
  return ((low / x) ** alpha - (low / high) ** alpha) / (1 - (low / high) ** alpha)
}

describe('demand model', () => {
  it('arrivals are Poisson: the mean gap is 1/rate and the gaps are exponential', () => {
    const rng = createSeededRng('arrivals')
    const n = 20_000
    const gaps = Array.from({ length: n }, () => drawInterArrivalMs(rng, 4))
    const mean = gaps.reduce((a, b) => a + b, 0) / n
    expect(mean).toBeGreaterThan(250 * 0.97)
    expect(mean).toBeLessThan(250 * 1.03)
    // Exponential: P(gap > mean) = e^-1.
    const above = gaps.filter((g) => g > 250).length / n
    expect(above).toBeCloseTo(Math.exp(-1), 1)
  })

  it('a schedule holds about rate × horizon requests, in time order, within the horizon', () => {
    const schedule = planSchedule(createSeededRng(7), options, 600_000, 10_000)
    expect(schedule.length).toBeGreaterThan(1200 * 0.9)
    expect(schedule.length).toBeLessThan(1200 * 1.1)
    for (let i = 1; i < schedule.length; i++)
      expect(schedule[i]?.atMs).toBeGreaterThanOrEqual(schedule[i - 1]?.atMs ?? 0)
    expect(schedule.at(-1)?.atMs).toBeLessThanOrEqual(600_000)
  })

  it('the request limit bounds the schedule whatever the horizon', () => {
    expect(planSchedule(createSeededRng(7), options, 1e12, 25)).toHaveLength(25)
    expect(planSchedule(createSeededRng(7), options, 0, 25)).toHaveLength(0)
  })

  it('sizes follow the bounded Pareto: bounded, and the tail matches the survival function', () => {
    const rng = createSeededRng('sizes')
    const n = 40_000
    const [low, high, alpha] = [1, 100, 1.2]
    const xs = Array.from({ length: n }, () => drawBoundedPareto(rng, low, high, alpha))
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(low)
    expect(Math.max(...xs)).toBeLessThanOrEqual(high)
    for (const x of [2, 10, 50]) {
      const share = xs.filter((v) => v > x).length / n
      expect(Math.abs(share - survival(x, low, high, alpha))).toBeLessThan(0.01)
    }
    // Heavy tail: a lighter shape puts much less mass beyond 10.
    const light = Array.from({ length: n }, () => drawBoundedPareto(rng, low, high, 3))
    expect(light.filter((v) => v > 10).length).toBeLessThan(xs.filter((v) => v > 10).length / 3)
  })

  it('each file gets the mass of the sizes up to it', () => {
    expect(fileForSize(files, 1).name).toBe('1MiB.bin')
    expect(fileForSize(files, MIB + 1).name).toBe('10MiB.bin')
    expect(fileForSize(files, 1e12).name).toBe('100MiB.bin')
    const schedule = planSchedule(createSeededRng('files'), { ...options, ratePerSecond: 100 }, 1e9, 20_000)
    const share = (name: string): number => schedule.filter((r) => r.file.name === name).length / 20_000
    // Only a draw of exactly the lowest size takes the 1 MiB file: it has probability 0.
    expect(share('1MiB.bin')).toBeLessThan(0.001)
    // File 10 MiB takes (1, 10] MiB, file 100 MiB takes (10, 100] MiB.
    expect(share('10MiB.bin')).toBeCloseTo(1 - survival(10 * MIB, MIB, 100 * MIB, 1.2), 1)
    expect(share('100MiB.bin')).toBeCloseTo(survival(10 * MIB, MIB, 100 * MIB, 1.2), 1)
  })

  it('hop counts follow their weights; a zero weight is never drawn', () => {
    const rng = createSeededRng('hops')
    const n = 20_000
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < n; i++) {
      const h = drawHops(rng, [0.2, 0.3, 0.5])
      counts[h] = (counts[h] ?? 0) + 1
    }
    expect((counts[1] ?? 0) / n).toBeCloseTo(0.2, 1)
    expect((counts[2] ?? 0) / n).toBeCloseTo(0.3, 1)
    expect((counts[3] ?? 0) / n).toBeCloseTo(0.5, 1)
    for (let i = 0; i < 1000; i++) expect(drawHops(rng, [0, 1, 0])).toBe(2)
  })

  it('the same seed gives the same schedule and free riders; another seed does not', () => {
    const a = planSchedule(createSeededRng(42), options, 60_000, 1000)
    const b = planSchedule(createSeededRng(42), options, 60_000, 1000)
    const c = planSchedule(createSeededRng(43), options, 60_000, 1000)
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
    expect(chooseFreeRiders(createSeededRng(1), 50, 0.3)).toEqual(
      chooseFreeRiders(createSeededRng(1), 50, 0.3),
    )
  })

  it('free riders are exactly round(fraction × users), spread over the users', () => {
    const flags = chooseFreeRiders(createSeededRng(5), 10, 0.25)
    expect(flags).toHaveLength(10)
    expect(flags.filter(Boolean)).toHaveLength(3)
    expect(chooseFreeRiders(createSeededRng(5), 4, 0)).toEqual([false, false, false, false])
    expect(chooseFreeRiders(createSeededRng(5), 4, 1)).toEqual([true, true, true, true])
    // Over many seeds every user is sometimes a free rider.
    const hits = new Array<number>(10).fill(0)
    for (let s = 0; s < 200; s++)
      chooseFreeRiders(createSeededRng(s), 10, 0.2).forEach(
        (f, i) => (hits[i] = (hits[i] ?? 0) + (f ? 1 : 0)),
      )
    expect(Math.min(...hits)).toBeGreaterThan(15)
  })

  it('bad options are coded errors', () => {
    const code = (f: () => unknown): unknown => {
      try {
        f()
      } catch (err) {
        return (err as { code?: string }).code
      }
      return undefined
    }
    const rng = createSeededRng(1)
    expect(code(() => planSchedule(rng, { ...options, files: [] }, 1, 1))).toBe('WORLD_INVALID_OPTION')
    expect(code(() => planSchedule(rng, { ...options, ratePerSecond: 0 }, 1, 1))).toBe('WORLD_INVALID_OPTION')
    expect(code(() => planSchedule(rng, { ...options, paretoAlpha: -1 }, 1, 1))).toBe('WORLD_INVALID_OPTION')
    expect(code(() => planSchedule(rng, { ...options, hopWeights: [0, 0, 0] }, 1, 1))).toBe(
      'WORLD_INVALID_OPTION',
    )
    expect(code(() => chooseFreeRiders(rng, 3, 1.5))).toBe('WORLD_INVALID_OPTION')
  })
})
