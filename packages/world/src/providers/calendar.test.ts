import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { civilFromMs, isoDate, isoDateTime, longDate } from './calendar.ts'

describe('calendar', () => {
  it('formats a known instant like WHMCS pages do', () => {
    // 2017-05-31T15:54:58Z, the date of the recorded CrownCloud welcome mail.
    const ms = 1_496_246_098_000
    expect(isoDateTime(ms)).toBe('2017-05-31 15:54:58')
    expect(longDate(ms)).toBe('May 31st, 2017 (15:54)')
  })

  it('agrees with the platform calendar for any instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        const c = civilFromMs(ms)
        const d = new Date(ms)
        expect([c.year, c.month, c.day, c.hour, c.minute, c.second]).toEqual([
          d.getUTCFullYear(),
          d.getUTCMonth() + 1,
          d.getUTCDate(),
          d.getUTCHours(),
          d.getUTCMinutes(),
          d.getUTCSeconds(),
        ])
        expect(isoDate(ms)).toBe(d.toISOString().slice(0, 10))
      }),
    )
  })
})
