import { describe, expect, it } from 'vitest'
import { createNullLogger, createVirtualClock } from '@dolly/base'
import type { TickReport } from './run-tick.ts'
import { TICK_FLOOR_REAL_MS, createTickComponent } from './tick-component.ts'

const IDLE: TickReport = {
  ran: true,
  effects: [],
  idle: 'NO_OFFER',
  state: undefined,
  status: undefined,
  sell: undefined,
}

describe('the daemon tick loop', () => {
  it('ticks every tick_interval of world time, with a real-time floor, and survives a failing tick', async () => {
    const clock = createVirtualClock(0)
    let calls = 0
    const ticker = createTickComponent(
      {
        realClock: clock,
        log: createNullLogger(),
        tick: () => {
          calls += 1
          return calls === 2 ? Promise.reject(new Error('shop down')) : Promise.resolve(IDLE)
        },
      },
      // 300 world s at 3600× would be 83 real ms: the floor makes it 1 s.
      { tickIntervalMs: 300_000, timeScale: 3600, firstDelayMs: 10_000 },
    )
    await ticker.start()
    await clock.advance(9_999)
    expect(calls).toBe(0)
    await clock.advance(1)
    expect(calls).toBe(1)
    await clock.advance(TICK_FLOOR_REAL_MS)
    expect(calls).toBe(2)
    await clock.advance(TICK_FLOOR_REAL_MS)
    expect(calls).toBe(3)
    expect(ticker.ticks()).toBe(2)
    await ticker.stop()
    expect(clock.pending()).toBe(0)
    await clock.advance(10 * TICK_FLOOR_REAL_MS)
    expect(calls).toBe(3)
  })

  it('paces by world time when that is slower than the floor', async () => {
    const clock = createVirtualClock(0)
    let calls = 0
    const ticker = createTickComponent(
      { realClock: clock, log: createNullLogger(), tick: () => Promise.resolve(((calls += 1), IDLE)) },
      { tickIntervalMs: 300_000, timeScale: 60, firstDelayMs: 0 },
    )
    await ticker.start()
    await clock.advance(0)
    expect(calls).toBe(1)
    await clock.advance(4_999)
    expect(calls).toBe(1)
    await clock.advance(1)
    expect(calls).toBe(2)
    await ticker.stop()
  })
})
