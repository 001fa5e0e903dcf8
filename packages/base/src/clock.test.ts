import { describe, expect, it } from 'vitest'
import { clockDeadline } from './clock.ts'
import { createVirtualClock } from './virtual-clock.ts'

describe('clockDeadline', () => {
  it("aborts with the given reason once the clock's time passed", async () => {
    const clock = createVirtualClock(0)
    const reason = new Error('too late')
    const deadline = clockDeadline(clock, 1_000, () => reason)
    await clock.advance(999)
    expect(deadline.signal.aborted).toBe(false)
    await clock.advance(1)
    expect(deadline.signal.reason).toBe(reason)
  })

  it('leaves no sleeper once cancelled, and never aborts', async () => {
    const clock = createVirtualClock(0)
    const deadline = clockDeadline(clock, 1_000, () => new Error('too late'))
    expect(clock.pending()).toBe(1)
    deadline.cancel()
    expect(clock.pending()).toBe(0)
    await clock.advance(2_000)
    expect(deadline.signal.aborted).toBe(false)
  })
})
