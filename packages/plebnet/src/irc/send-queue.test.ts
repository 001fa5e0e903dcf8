import { describe, expect, it } from 'vitest'
import { createSendQueue } from './send-queue.ts'

describe('the rate-limited send queue', () => {
  it('sends a burst, then one line per interval', () => {
    const q = createSendQueue({ capacity: 10, burst: 2, intervalMs: 1_000 }, 0)
    for (const l of ['a', 'b', 'c', 'd']) q.push(l)
    expect(q.next(0)).toEqual({ kind: 'send', line: 'a' })
    expect(q.next(0)).toEqual({ kind: 'send', line: 'b' })
    expect(q.next(0)).toEqual({ kind: 'wait', ms: 1_000 })
    expect(q.next(400)).toEqual({ kind: 'wait', ms: 600 })
    expect(q.next(1_000)).toEqual({ kind: 'send', line: 'c' })
    expect(q.next(1_000)).toEqual({ kind: 'wait', ms: 1_000 })
    expect(q.next(2_000)).toEqual({ kind: 'send', line: 'd' })
    expect(q.next(2_000)).toEqual({ kind: 'idle' })
  })

  it('keeps a line at least its gap after the previous one', () => {
    const q = createSendQueue({ capacity: 10, burst: 5, intervalMs: 100 }, 0)
    q.push('header')
    q.push('row1', 3_000)
    expect(q.next(0)).toEqual({ kind: 'send', line: 'header' })
    expect(q.next(10)).toEqual({ kind: 'wait', ms: 2_990 })
    expect(q.next(3_000)).toEqual({ kind: 'send', line: 'row1' })
  })

  it('drops and counts lines beyond its capacity', () => {
    const q = createSendQueue({ capacity: 3, burst: 1, intervalMs: 1_000 }, 0)
    const accepted = Array.from({ length: 1_000 }, (_, i) => q.push(`l${i}`)).filter(Boolean).length
    expect(accepted).toBe(3)
    expect(q.size()).toBe(3)
    expect(q.dropped()).toBe(997)
    expect(q.free()).toBe(0)
  })
})
