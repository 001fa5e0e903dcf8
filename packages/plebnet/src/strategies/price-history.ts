import { civilFromDays } from '@dolly/base'
import type { Trade } from './types.ts'

/** Milliseconds per UTC day. */
export const MS_PER_DAY = 86_400_000

/** Days since the epoch of a UTC instant. */
export function utcDay(ms: number): number {
  return Math.floor(ms / MS_PER_DAY)
}

/** Hour of the UTC day (0–23). */
export function utcHour(ms: number): number {
  return Math.floor((ms - utcDay(ms) * MS_PER_DAY) / 3_600_000)
}

/**
 * "YYYY-MM-DD" of a day number, computed without `Date` so the core stays clock-free (Howard
 * Hinnant's `civil_from_days`, proleptic Gregorian).
 */
export function dayString(day: number): string {
  const { year: y, month: m, day: d } = civilFromDays(day)
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

/** The most recent trade (the later one in the list on equal times), or undefined. */
export function lastTrade(trades: readonly Trade[]): Trade | undefined {
  let best: Trade | undefined
  for (const t of trades) if (best === undefined || t.timeMs >= best.timeMs) best = t
  return best
}

/**
 * Closing prices (last trade of each UTC day) for the days `today − windowDays ≤ d < today`, oldest
 * first: today's unfinished day is left out.
 */
export function dailyCloses(trades: readonly Trade[], nowMs: number, windowDays: number): number[] {
  const today = utcDay(nowMs)
  const closes = new Map<number, Trade>()
  for (const t of trades) {
    const d = utcDay(t.timeMs)
    if (d < today - windowDays || d >= today) continue
    const prev = closes.get(d)
    if (prev === undefined || t.timeMs >= prev.timeMs) closes.set(d, t)
  }
  return [...closes.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t.priceSatPerMb)
}

/** Arithmetic mean; NaN for no values. */
export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length
}

/** Sample standard deviation (n − 1); 0 for fewer than 2 values or zero variance. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0
  const m = mean(values)
  const variance = values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1)
  return variance > 0 ? Math.sqrt(variance) : 0
}
