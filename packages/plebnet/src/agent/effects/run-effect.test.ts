import { createVirtualClock } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { installDeadline } from './run-effect.ts'

describe('installDeadline (the install deadline)', () => {
  it("aborts with a TimeoutError once the clock's time passed", async () => {
    const clock = createVirtualClock(1_000)
    const { signal } = installDeadline(clock, 5_000)
    await clock.advance(4_999)
    expect(signal.aborted).toBe(false)
    await clock.advance(1)
    expect(signal.aborted).toBe(true)
    expect((signal.reason as DOMException).name).toBe('TimeoutError')
  })

  it('leaves nothing waiting once cancelled, however far its deadline (AbortSignal.timeout kept a timer per install)', async () => {
    const clock = createVirtualClock(1_000)
    const deadline = installDeadline(clock, 30 * 86_400_000)
    expect(clock.pending()).toBe(1)
    deadline.cancel()
    expect(clock.pending()).toBe(0)
    await clock.advance(31 * 86_400_000)
    expect(deadline.signal.aborted).toBe(false)
  })
})
