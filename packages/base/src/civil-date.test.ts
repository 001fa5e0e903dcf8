import { describe, expect, it } from 'vitest'
import { civilFromDays, daysFromCivil } from './civil-date.ts'

const DAY_MS = 86_400_000

describe('civilFromDays', () => {
  it('agrees with Date on every day from 1900 to 2200', () => {
    for (let d = -25_567; d <= 84_000; d++) {
      const t = new Date(d * DAY_MS)
      const c = civilFromDays(d)
      if (c.year !== t.getUTCFullYear() || c.month !== t.getUTCMonth() + 1 || c.day !== t.getUTCDate())
        expect({ d, ...c }).toEqual({
          d,
          year: t.getUTCFullYear(),
          month: t.getUTCMonth() + 1,
          day: t.getUTCDate(),
        })
    }
  })

  it('inverts itself: daysFromCivil(civilFromDays(d)) = d', () => {
    for (let d = -800_000; d <= 800_000; d += 37) {
      const c = civilFromDays(d)
      if (daysFromCivil(c.year, c.month, c.day) !== d) expect(daysFromCivil(c.year, c.month, c.day)).toBe(d)
    }
  })

  it('knows the epoch, a leap day and a century without one', () => {
    expect(civilFromDays(0)).toEqual({ year: 1970, month: 1, day: 1 })
    expect(civilFromDays(11_016)).toEqual({ year: 2000, month: 2, day: 29 })
    expect(civilFromDays(47_541)).toEqual({ year: 2100, month: 3, day: 1 })
  })
})
