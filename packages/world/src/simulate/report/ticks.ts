/**
 * Axis ticks on "nice" 1-2-5 steps and their compact labels (SI prefixes: 1.5k, 20M, 500µ).
 */

/** Ticks of one axis: the axis runs from `min` to `max` (both ticks) in steps of `step`. */
export interface Ticks {
  readonly min: number
  readonly max: number
  readonly step: number
  readonly values: readonly number[]
}

// Inputs beyond this are clamped, so `hi - lo` never overflows to Infinity.
const LIMIT = 1e300
const MAX_TICKS = 50
const EPS = 1e-9

/**
 * Ticks covering `[lo, hi]` with about `target` steps of 1, 2 or 5 times a power of ten. Non-finite
 * bounds fall back to `[0, 1]`; an empty range is widened around its value.
 *
 * @example niceTicks(3, 97) // { min: 0, max: 100, step: 20, values: [0, 20, 40, 60, 80, 100] }
 */
export function niceTicks(lo: number, hi: number, target = 5): Ticks {
  let a = Number.isFinite(lo) ? clamp(lo) : 0
  let b = Number.isFinite(hi) ? clamp(hi) : 1
  if (!Number.isFinite(lo) && !Number.isFinite(hi)) [a, b] = [0, 1]
  if (a > b) [a, b] = [b, a]
  if (a === b) {
    const pad = a === 0 ? 1 : Math.abs(a) / 10
    a -= pad
    b += pad
  }
  const steps = Math.min(MAX_TICKS - 1, Math.max(1, Math.round(target)))
  // The step must also stay representable next to the bounds (a range like [1e15, 1e15 + 1]).
  const raw = Math.max((b - a) / steps, Math.max(Math.abs(a), Math.abs(b)) * 1e-12, Number.MIN_VALUE)
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const norm = raw / magnitude
  // Tolerances absorb float noise: shares summing to 1.0000000000000002 still end the axis at 1.
  const step = (norm <= 1 + EPS ? 1 : norm <= 2 + EPS ? 2 : norm <= 5 + EPS ? 5 : 10) * magnitude
  const min = Math.floor(a / step + EPS) * step
  const max = Math.ceil(b / step - EPS) * step
  const count = Math.min(MAX_TICKS - 1, Math.round((max - min) / step))
  const values: number[] = []
  for (let i = 0; i <= count; i++) values.push(tidy(min + i * step))
  return { min: tidy(min), max: tidy(values[values.length - 1] ?? max), step, values }
}

/**
 * Ticks for an axis that runs exactly from `lo` to `hi` (a time axis that ends on the last day): the
 * nice ticks of {@link niceTicks} that fall inside the range. An empty or non-finite range falls back
 * to {@link niceTicks}.
 *
 * @example tightTicks(0, 365).values // [0, 100, 200, 300]
 */
export function tightTicks(lo: number, hi: number, target = 5): Ticks {
  const nice = niceTicks(lo, hi, target)
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo === hi) return nice
  const [a, b] = lo < hi ? [lo, hi] : [hi, lo]
  if (nice.min === a && nice.max === b) return nice
  // Fewer than three ticks inside reads badly: then try twice as many steps.
  let inner: Ticks = nice
  for (const t of [target, target * 2]) {
    inner = niceTicks(a, b, t)
    const slack = inner.step * EPS
    const values = inner.values.filter((v) => v >= a - slack && v <= b + slack)
    inner = { min: a, max: b, step: inner.step, values }
    if (values.length >= 3) break
  }
  return inner
}

function clamp(v: number): number {
  return Math.min(LIMIT, Math.max(-LIMIT, v))
}

/** `v` without float noise (0.30000000000000004 → 0.3) and without a negative zero. */
function tidy(v: number): number {
  const t = Number(v.toPrecision(15))
  return t === 0 ? 0 : t
}

const LARGE: readonly (readonly [number, string])[] = [
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
]
const SMALL: readonly (readonly [number, string])[] = [
  [1e-3, 'm'],
  [1e-6, 'µ'],
  [1e-9, 'n'],
]

/**
 * `v` as a short label for an axis whose ticks are `step` apart: SI prefix from 1,000 up and below
 * 0.001, as many decimals as the step needs, trailing zeros dropped; non-finite values as `NaN`, `∞`.
 *
 * @example formatTick(1500, 500) // '1.5k'
 * @example formatTick(0.25, 0.05) // '0.25'
 */
export function formatTick(v: number, step: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞'
  const t = tidy(v)
  if (t === 0) return '0'
  const abs = Math.abs(t)
  const s = Number.isFinite(step) && step > 0 ? step : abs
  if (abs >= 1e18 || abs < 1e-12) return t.toExponential(2).replace(/\.?0+e/, 'e')
  const unit =
    abs >= 1e3
      ? LARGE.find(([scale]) => abs >= scale)
      : abs < 1e-3 && s < 1e-3
        ? SMALL.find(([scale]) => abs >= scale)
        : undefined
  const [scale, suffix] = unit ?? [1, '']
  const decimals = Math.min(12, Math.max(0, Math.ceil(-Math.log10(s / scale) - 1e-9)))
  const text = (t / scale).toFixed(decimals)
  const trimmed = text.includes('.') ? text.replace(/\.?0+$/, '') : text
  return `${trimmed === '-0' ? '0' : trimmed}${suffix}`
}
