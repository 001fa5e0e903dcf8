/**
 * UTC calendar times without the `Date` global (pure code reads no clock, STYLE.md §1.2): the
 * `tracker.data` stamp `YYYY-MM-DD HH:MM:SS,mmm` and the routes' `YYYY-MM-DD HH:MM:SS.mmm`.
 */

import { civilFromDays, daysFromCivil } from '@dolly/base'

const MS_PER_DAY = 86_400_000

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

/** `YYYY-MM-DD HH:MM:SS<sep>mmm` of `ms` since the epoch, in UTC. */
export function formatStamp(ms: number, sep: '.' | ',' = '.'): string {
  const whole = Math.floor(ms)
  const days = Math.floor(whole / MS_PER_DAY)
  let rest = whole - days * MS_PER_DAY
  const { year, month, day } = civilFromDays(days)
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  const millis = rest - seconds * 1000
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}${sep}${pad(millis, 3)}`
}

const STAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?$/

/**
 * Milliseconds since the epoch of a `YYYY-MM-DD HH:MM:SS[,.]mmm` stamp read as UTC, or undefined
 * when it is not one (or names a day or time that does not exist).
 */
export function parseStamp(text: string): number | undefined {
  const m = STAMP.exec(text.trim())
  if (m === null) return undefined
  const [year, month, day, hours, minutes, seconds] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  if (month < 1 || month > 12 || hours > 23 || minutes > 59 || seconds > 59) return undefined
  const days = daysFromCivil(year, month, day)
  if (day < 1 || civilFromDays(days).day !== day) return undefined
  const millis = Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000)
  return days * MS_PER_DAY + hours * 3_600_000 + minutes * 60_000 + seconds * 1000 + millis
}
