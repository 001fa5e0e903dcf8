/**
 * Downsampling of long series to the chart's pixel width (M4: per pixel column the first, lowest,
 * highest and last point), so a 100,000-point series draws as a few thousand points and every spike
 * still shows.
 */

/**
 * The points to draw of a line through `(px[i], py[i])` (pixel coordinates), as connected runs of
 * indices in ascending order: a point with a non-finite coordinate ends a run (a gap in the line);
 * within a run, of each stretch of consecutive points in one pixel column (`Math.floor(px)`) only the
 * first, the lowest, the highest and the last are kept.
 *
 * @example lineRuns([0, 0.2, 0.4, 1], [5, 9, 1, 2]) // [[0, 1, 2, 3]]
 */
export function lineRuns(px: readonly number[], py: readonly number[]): number[][] {
  const n = Math.min(px.length, py.length)
  const runs: number[][] = []
  let run: number[] = []
  let start = -1
  for (let i = 0; i <= n; i++) {
    const x = i < n ? (px[i] ?? NaN) : NaN
    const y = i < n ? (py[i] ?? NaN) : NaN
    const finite = Number.isFinite(x) && Number.isFinite(y)
    const column = finite ? Math.floor(x) : NaN
    if (start >= 0 && (!finite || column !== Math.floor(px[start] ?? NaN))) {
      keepExtremes(py, start, i - 1, run)
      start = -1
    }
    if (!finite) {
      if (run.length > 0) runs.push(run)
      run = []
    } else if (start < 0) start = i
  }
  return runs
}

/**
 * The indices to keep of `values[from..to]` (inclusive), appended to `out` in ascending order: the
 * first, the last, and the first index of the lowest and of the highest value.
 */
export function keepExtremes(values: readonly number[], from: number, to: number, out: number[]): void {
  let lo = from
  let hi = from
  for (let i = from + 1; i <= to; i++) {
    const v = values[i] ?? NaN
    if (v < (values[lo] ?? NaN)) lo = i
    if (v > (values[hi] ?? NaN)) hi = i
  }
  const picked = [from, lo, hi, to].sort((a, b) => a - b)
  for (const i of picked) if (out[out.length - 1] !== i) out.push(i)
}

/**
 * The indices to draw of stacked areas whose points sit at pixel columns `px` (all finite, in
 * order): per column the first, last, lowest and highest point of `total`, so every band uses the
 * same points and the bands still add up to the total drawn.
 */
export function stackedIndices(px: readonly number[], total: readonly number[]): number[] {
  const out: number[] = []
  let start = 0
  for (let i = 1; i <= px.length; i++) {
    if (i === px.length || Math.floor(px[i] ?? NaN) !== Math.floor(px[start] ?? NaN)) {
      if (px.length > 0) keepExtremes(total, start, i - 1, out)
      start = i
    }
  }
  return out
}
