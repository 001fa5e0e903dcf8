import { describe, expect, it } from 'vitest'
import { createVirtualClock } from './virtual-clock.ts'

describe('VirtualClock', () => {
  it('wakes sleepers in due order, ties in sleep order, only when time is advanced', async () => {
    const clock = createVirtualClock(1000)
    const woke: string[] = []
    void clock.sleep(50).then(() => woke.push(`b@${clock.nowMs()}`))
    void clock.sleep(10).then(() => woke.push(`a@${clock.nowMs()}`))
    void clock.sleep(50).then(() => woke.push(`c@${clock.nowMs()}`))
    expect(clock.pending()).toBe(3)
    await clock.advance(9)
    expect(woke).toEqual([])
    await clock.advance(100)
    expect(woke).toEqual(['a@1010', 'b@1050', 'c@1050'])
    expect(clock.nowMs()).toBe(1109)
  })

  it('fires sleeps started by woken sleepers within the same advance', async () => {
    const clock = createVirtualClock()
    const ticks: number[] = []
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100)
        ticks.push(clock.nowMs())
      }
    }
    const done = loop()
    await clock.advance(1000)
    await done
    expect(ticks).toEqual([100, 200, 300])
  })

  it('rejects an aborted sleep and forgets it', async () => {
    const clock = createVirtualClock()
    const controller = new AbortController()
    const sleeping = clock.sleep(100, { signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(sleeping).rejects.toThrow('stop')
    expect(clock.pending()).toBe(0)
  })

  it('runNext jumps straight to the next wake-up', async () => {
    const clock = createVirtualClock()
    let woke = false
    void clock.sleep(5_000).then(() => (woke = true))
    expect(await clock.runNext()).toBe(true)
    expect(woke).toBe(true)
    expect(clock.nowMs()).toBe(5_000)
    expect(await clock.runNext()).toBe(false)
  })
})
