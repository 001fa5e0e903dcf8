import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { keepExtremes, lineRuns, stackedIndices } from './downsample.ts'
import { stackSeries } from './stack.ts'

describe('lineRuns', () => {
  it('keeps every point when each has its own pixel column', () => {
    expect(lineRuns([0, 1, 2, 3], [5, 9, 1, 2])).toEqual([[0, 1, 2, 3]])
  })

  it('splits the line at non-finite points', () => {
    expect(lineRuns([0, 1, 2, 3, 4, 5], [1, 2, NaN, 3, Infinity, 4])).toEqual([[0, 1], [3], [5]])
    expect(lineRuns([0, NaN, 2], [1, 2, 3])).toEqual([[0], [2]])
    expect(lineRuns([], [])).toEqual([])
    expect(lineRuns([0, 1], [NaN, NaN])).toEqual([])
  })

  it('keeps first, lowest, highest and last of each column, so spikes survive 100,000 points', () => {
    const n = 100_000
    const rng = createSeededRng(7)
    const width = 700
    const px = Array.from({ length: n }, (_, i) => (i / (n - 1)) * width)
    const py = Array.from({ length: n }, () => 100 + rng.float() * 10)
    py[12_345] = 3 // a one-point spike up (pixel y falls)
    py[87_654] = 290 // and one down
    const runs = lineRuns(px, py)
    expect(runs).toHaveLength(1)
    const kept = runs[0] ?? []
    expect(kept.length).toBeLessThanOrEqual(4 * (width + 1))
    expect(kept.length).toBeGreaterThan(2 * width)
    expect(kept).toContain(12_345)
    expect(kept).toContain(87_654)
    expect(kept[0]).toBe(0)
    expect(kept[kept.length - 1]).toBe(n - 1)
    // Ascending and, per column, the column's own extremes.
    for (let i = 1; i < kept.length; i++) expect(kept[i] ?? 0).toBeGreaterThan(kept[i - 1] ?? 0)
    const column = (i: number): number => Math.floor(px[i] ?? 0)
    for (const c of [0, 100, 350, 699]) {
      const inColumn = px.flatMap((x, i) => (Math.floor(x) === c ? [py[i] ?? 0] : []))
      const keptValues = kept.filter((i) => column(i) === c).map((i) => py[i] ?? 0)
      expect(Math.min(...keptValues)).toBe(Math.min(...inColumn))
      expect(Math.max(...keptValues)).toBe(Math.max(...inColumn))
    }
  })
})

describe('keepExtremes', () => {
  it('appends first, min, max and last in order, without repeats', () => {
    const out: number[] = []
    keepExtremes([5, 1, 9, 4, 6], 0, 4, out)
    expect(out).toEqual([0, 1, 2, 4])
    const one: number[] = [7]
    keepExtremes([3, 3, 3], 1, 1, one)
    expect(one).toEqual([7, 1])
  })
})

describe('stackSeries and stackedIndices', () => {
  it('stacks to the total, counting missing and non-finite values as 0', () => {
    const tops = stackSeries(
      [
        { name: 'a', values: [1, 2, 3] },
        { name: 'b', values: [10, NaN, 30] },
        { name: 'c', values: [] },
        { name: 'd', values: [100, 200, -Infinity] },
      ],
      3,
    )
    expect(tops).toEqual([
      [1, 2, 3],
      [11, 2, 33],
      [11, 2, 33],
      [111, 202, 33],
    ])
  })

  it('picks shared points that keep the extremes of the total', () => {
    const n = 20_000
    const px = Array.from({ length: n }, (_, i) => (i / n) * 100)
    const total = Array.from({ length: n }, (_, i) => 50 + (i % 7))
    total[4_321] = 1_000
    total[15_000] = -5
    const keep = stackedIndices(px, total)
    expect(keep).toContain(4_321)
    expect(keep).toContain(15_000)
    expect(keep.length).toBeLessThanOrEqual(400)
    expect(keep[0]).toBe(0)
    expect(keep[keep.length - 1]).toBe(n - 1)
    expect(stackedIndices([], [])).toEqual([])
  })
})
