import { describe, expect, it } from 'vitest'
import { createSenderLimiter } from './rate-limit.ts'

describe('sender rate limits', () => {
  it('admits a burst, then refills at the configured rate, per sender', () => {
    const limiter = createSenderLimiter()
    const limit = { burst: 3, perSecond: 0.5 }
    const at = (ms: number, sender = 'a'): boolean => limiter.admit(sender, limit, ms)
    expect([at(0), at(0), at(0), at(0)]).toEqual([true, true, true, false])
    expect(at(0, 'b')).toBe(true)
    expect(at(1_000)).toBe(false)
    expect(at(2_000)).toBe(true)
    expect(at(2_000)).toBe(false)
    expect([at(100_000), at(100_000), at(100_000), at(100_000)]).toEqual([true, true, true, false])
  })
})
