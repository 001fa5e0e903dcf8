/** ISO-8601 instants to Unix ms without `Date` (the core reads no clock; STYLE.md §1.2). */

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** Parses `2026-01-02T03:04:05(.678)?(Z|±hh:mm)`; NaN for anything else. */
export function isoToMs(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(
    text.trim(),
  )
  if (m === null) return Number.NaN
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]))
  const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3))
  const zone = m[8] ?? 'Z'
  const offsetMin =
    zone === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)))
  const days = daysFromCivil(y ?? 0, mo ?? 0, d ?? 0)
  return ((days * 24 + (h ?? 0)) * 60 + (mi ?? 0) - offsetMin) * 60_000 + (s ?? 0) * 1000 + ms
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(m) ? 30 : 31
}

/** Parses a calendar date `YYYY-MM-DD` to the Unix ms of its 00:00 UTC; NaN for anything else (2017-02-30 too). */
export function isoDateToMs(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim())
  if (m === null) return Number.NaN
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return Number.NaN
  return daysFromCivil(y, mo, d) * 86_400_000
}
