import { createSeededRng, createVirtualClock, errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { DEFAULT_WAIT, nextDelayMs, waitFor } from './wait.ts'

describe('wait until active', () => {
  it('doubles with ±20 % jitter and caps at 15 min', () => {
    expect(nextDelayMs(60_000, DEFAULT_WAIT, 0.5)).toBe(120_000)
    expect(nextDelayMs(60_000, DEFAULT_WAIT, 0)).toBe(96_000)
    expect(nextDelayMs(60_000, DEFAULT_WAIT, 0.999999)).toBe(144_000)
    expect(nextDelayMs(14 * 60_000, DEFAULT_WAIT, 0.99)).toBe(15 * 60_000)
  })

  it('polls first after 60 s and returns the value', async () => {
    const clock = createVirtualClock(0)
    const polls: number[] = []
    const pending = waitFor(
      { clock, rng: createSeededRng('w') },
      'x',
      async () => (polls.push(clock.nowMs()), polls.length === 3 ? 'up' : undefined),
      DEFAULT_WAIT,
    )
    while ((await clock.runNext()) && polls.length < 3);
    expect(await pending).toBe('up')
    expect(polls[0]).toBe(60_000)
    expect(polls.length).toBe(3)
  })

  it('times out with CLOUDOMATE_WAIT_TIMEOUT', async () => {
    const clock = createVirtualClock(0)
    const pending = waitFor({ clock, rng: createSeededRng('w') }, 'x', async () => undefined, {
      firstDelayMs: 1000,
      maxDelayMs: 5000,
      timeoutMs: 20_000,
    }).catch((e: unknown) => errorCode(e))
    for (let i = 0; i < 100 && (await clock.runNext()); i++);
    expect(await pending).toBe('CLOUDOMATE_WAIT_TIMEOUT')
    expect(clock.nowMs()).toBe(20_000)
  })
})
