/** A UTC calendar date: `month` 1–12, `day` 1–31. */
export interface CivilDate {
  readonly year: number
  readonly month: number
  readonly day: number
}

/**
 * The proleptic Gregorian date of `days` since 1970-01-01 (H. Hinnant, "chrono-compatible low-level
 * date algorithms", `civil_from_days`): no `Date`, so pure cores stay clock-free and any day count,
 * negative or far off, is exact.
 * @example civilFromDays(0) → { year: 1970, month: 1, day: 1 }
 */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`), the inverse of
 * {@link civilFromDays}; `month` 1–12.
 * @example daysFromCivil(2000, 2, 29) → 11016
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}
