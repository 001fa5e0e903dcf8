import { describe, expect, it } from 'vitest'
import { computeReward } from './reward.ts'

const DAY = 86_400_000

describe('computeReward (ALGORITHMS.md §3)', () => {
  it.each([
    { mb: 60_000, cents: 500, days: 3, reward: 0.2 },
    { mb: 10_000, cents: 500, days: 0.25, reward: 0.1 },
    { mb: 0, cents: 500, days: 3, reward: 0 },
    { mb: 10_000_000, cents: 500, days: 3, reward: 1 },
  ])('gives $reward for $mb MB on a $cents-cent server after $days days', ({ mb, cents, days, reward }) => {
    const r = computeReward({ priceUsdCents: cents, birthMs: 0, nowMs: days * DAY, earnedMb: mb })
    expect(r.reward).toBeCloseTo(reward, 9)
    expect(r.warning).toBeUndefined()
  })

  it('gives 0 with a warning when the price is missing or not positive', () => {
    for (const cents of [null, 0, -5, NaN]) {
      expect(computeReward({ priceUsdCents: cents, birthMs: 0, nowMs: 3 * DAY, earnedMb: 5000 })).toEqual({
        reward: 0,
        warning: 'PRICE_UNKNOWN',
      })
    }
  })

  it('counts negative or non-finite MB as nothing earned and honours a lower cap', () => {
    expect(computeReward({ priceUsdCents: 500, birthMs: 0, nowMs: DAY, earnedMb: -10 }).reward).toBe(0)
    expect(computeReward({ priceUsdCents: 500, birthMs: 0, nowMs: NaN, earnedMb: 10 }).reward).toBe(0)
    expect(computeReward({ priceUsdCents: 500, birthMs: 0, nowMs: DAY, earnedMb: 1e9 }, 0.5).reward).toBe(0.5)
  })
})
