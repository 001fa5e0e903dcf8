import { describe, expect, it } from 'vitest'
import { createScaledClock } from './scaled-clock.ts'
import { errorCode } from '../errors.ts'

describe('ScaledClock', () => {
  it('runs world time `scale` times faster than real time from the shared epoch', () => {
    let realNow = 1_000_000
    const clock = createScaledClock(
      { scale: 60, epochRealMs: 1_000_000, epochWorldMs: 5_000_000 },
      () => realNow,
    )
    expect(clock.nowMs()).toBe(5_000_000)
    realNow += 1_000
    expect(clock.nowMs()).toBe(5_060_000)
    expect(clock.worldToRealMs(600_000)).toBe(10_000)
    expect(clock.worldToRealMs(1)).toBe(1)
  })

  it('agrees across processes that share the same TimeScale', () => {
    const scale = { scale: 3600, epochRealMs: 0, epochWorldMs: 0 }
    const a = createScaledClock(scale, () => 2_000)
    const b = createScaledClock({ ...scale }, () => 2_000)
    expect(a.nowMs()).toBe(b.nowMs())
  })

  it('refuses a non-positive scale', () => {
    try {
      createScaledClock({ scale: 0, epochRealMs: 0, epochWorldMs: 0 })
      expect.unreachable()
    } catch (err) {
      expect(errorCode(err)).toBe('BASE_INVALID_OPTION')
    }
  })

  it('sleeps world time in scaled real time', async () => {
    const clock = createScaledClock({ scale: 1000, epochRealMs: Date.now(), epochWorldMs: 0 })
    const started = Date.now()
    await clock.sleep(50_000)
    const realMs = Date.now() - started
    expect(realMs).toBeGreaterThanOrEqual(49)
  })
})
