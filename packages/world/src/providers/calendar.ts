import { civilFromDays } from '@dolly/base'
/** Civil date parts of a Unix ms instant in UTC, without `Date` (the core may not read the clock type). */
export interface CivilTime {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const

/** Splits a Unix ms instant into UTC calendar parts (H. Hinnant's days-to-civil algorithm). */
export function civilFromMs(ms: number): CivilTime {
  const totalSeconds = Math.floor(ms / 1000)
  const days = Math.floor(totalSeconds / 86_400)
  const secs = totalSeconds - days * 86_400
  const { year, month, day } = civilFromDays(days)
  return {
    year,
    month,
    day,
    hour: Math.floor(secs / 3600),
    minute: Math.floor((secs % 3600) / 60),
    second: secs % 60,
  }
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** `YYYY-MM-DD`, the form WHMCS puts in hidden sort spans. */
export function isoDate(ms: number): string {
  const c = civilFromMs(ms)
  return `${c.year}-${pad(c.month)}-${pad(c.day)}`
}

/** `YYYY-MM-DD HH:MM:SS`. */
export function isoDateTime(ms: number): string {
  const c = civilFromMs(ms)
  return `${isoDate(ms)} ${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}`
}

/** `DD/MM/YYYY`, the visible due date of the six theme. */
export function dmyDate(ms: number): string {
  const c = civilFromMs(ms)
  return `${pad(c.day)}/${pad(c.month)}/${c.year}`
}

/** `May 31st, 2017 (15:54)`-style text as the e-mail list shows it. */
export function longDate(ms: number): string {
  const c = civilFromMs(ms)
  const suffix =
    c.day % 10 === 1 && c.day !== 11
      ? 'st'
      : c.day % 10 === 2 && c.day !== 12
        ? 'nd'
        : c.day % 10 === 3 && c.day !== 13
          ? 'rd'
          : 'th'
  return `${MONTH_NAMES[c.month - 1] ?? ''} ${c.day}${suffix}, ${c.year} (${pad(c.hour)}:${pad(c.minute)})`
}

/** ISO 8601 instant (`2018-01-16T11:39:33.379Z`). */
export function isoInstant(ms: number): string {
  const c = civilFromMs(ms)
  const millis = String(((ms % 1000) + 1000) % 1000).padStart(3, '0')
  return `${isoDate(ms)}T${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}.${millis}Z`
}
