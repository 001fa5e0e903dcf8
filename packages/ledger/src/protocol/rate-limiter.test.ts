import { describe, expect, it } from 'vitest'
import { createRateLimiter } from './rate-limiter.ts'

describe('ledger request rate limiter', () => {
  it('gives each peer its burst, then its rate, and says when to retry', () => {
    const limiter = createRateLimiter({
      peerRequestsPerS: 2,
      peerBurst: 3,
      strangerRequestsPerS: 100,
      strangerBurst: 100,
    })
    const oks = Array.from({ length: 4 }, () => limiter.admit('p', false, 0).ok)
    expect(oks).toEqual([true, true, true, false])
    expect(limiter.admit('p', false, 0)).toEqual({ ok: false, scope: 'peer', retryAfterMs: 500 })
    expect(limiter.admit('p', false, 499).ok).toBe(false)
    expect(limiter.admit('p', false, 500).ok).toBe(true)
    // Another peer has its own bucket.
    expect(limiter.admit('q', false, 500).ok).toBe(true)
  })

  it('makes all strangers share one bucket, while a peer the agent expects something of only pays its own', () => {
    const limiter = createRateLimiter({
      peerRequestsPerS: 5,
      peerBurst: 5,
      strangerRequestsPerS: 10,
      strangerBurst: 10,
    })
    const strangers = Array.from({ length: 50 }, (_, i) => limiter.admit(`s${i}`, false, 0).ok)
    expect(strangers.filter(Boolean)).toHaveLength(10)
    expect(limiter.admit('s99', false, 0)).toMatchObject({ ok: false, scope: 'strangers', retryAfterMs: 100 })
    expect(limiter.admit('counterparty', true, 0).ok).toBe(true)
    // One second later the strangers have 10 more.
    expect(
      Array.from({ length: 20 }, (_, i) => limiter.admit(`t${i}`, false, 1000).ok).filter(Boolean),
    ).toHaveLength(10)
  })

  it('holds at most maxPeers buckets, forgetting the least recently seen', () => {
    const limiter = createRateLimiter({ maxPeers: 100, strangerBurst: 1_000_000, strangerRequestsPerS: 1 })
    for (let i = 0; i < 10_000; i++) limiter.admit(`peer-${i}`, false, i)
    expect(limiter.trackedPeers()).toBe(100)
  })

  it('charges large replies after the fact, into debt at most one burst deep', () => {
    const limiter = createRateLimiter({
      peerRequestsPerS: 1,
      peerBurst: 2,
      strangerRequestsPerS: 1000,
      strangerBurst: 1000,
    })
    expect(limiter.admit('p', false, 0).ok).toBe(true)
    limiter.charge('p', false, 100, 0)
    // Debt of 2 tokens below zero (the floor), refilled at 1/s: the next token exists after 3 s.
    expect(limiter.admit('p', false, 2999).ok).toBe(false)
    expect(limiter.admit('p', false, 3000).ok).toBe(true)
  })

  it('refuses options that are not positive integers with LEDGER_OPTION_INVALID', () => {
    for (const bad of [
      { peerBurst: 0 },
      { peerRequestsPerS: 0.5 },
      { maxPeers: -1 },
      { strangerBurst: Number.NaN },
    ])
      expect(() => createRateLimiter(bad)).toThrow(expect.objectContaining({ code: 'LEDGER_OPTION_INVALID' }))
  })
})
