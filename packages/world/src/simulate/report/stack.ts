import type { ReportSeries } from './types.ts'

/**
 * The upper edges of stacked areas: `result[k][i]` is the sum of series `0..k` at point `i`, so the
 * last row is the total. A missing or non-finite value counts as 0, so the bands always add up.
 *
 * @example stackSeries([{ name: 'a', values: [1, 2] }, { name: 'b', values: [3, NaN] }], 2) // [[1, 2], [4, 2]]
 */
export function stackSeries(series: readonly ReportSeries[], length: number): number[][] {
  const out: number[][] = []
  let below: readonly number[] = new Array<number>(length).fill(0)
  for (const s of series) {
    const top = below.map((base, i) => {
      const v = s.values[i] ?? 0
      return base + (Number.isFinite(v) ? v : 0)
    })
    out.push(top)
    below = top
  }
  return out
}
