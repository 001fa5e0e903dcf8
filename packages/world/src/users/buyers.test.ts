import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { BUYER_DEFAULTS, planBuyers } from './buyers.ts'

describe('planBuyers', () => {
  it('gives every paying user a price in range and no free rider a profile', () => {
    const free = [false, true, false, false, true, false, false, false, false, false]
    const profiles = planBuyers(createSeededRng('buyers'), free, BUYER_DEFAULTS)
    profiles.forEach((p, i) => {
      if (free[i] === true) expect(p).toBeUndefined()
      else {
        expect(p?.maxSatPerMb).toBeGreaterThanOrEqual(50n)
        expect(p?.maxSatPerMb).toBeLessThanOrEqual(500n)
      }
    })
  })

  it('makes exactly round(fraction × buyers) cheaters, alternating the two cheats', () => {
    const free = new Array<boolean>(20).fill(false)
    const cheats = planBuyers(createSeededRng(7), free, { ...BUYER_DEFAULTS, cheaterFraction: 0.2 }).map(
      (p) => p?.cheat,
    )
    expect(cheats.filter((c) => c === 'never-pay')).toHaveLength(2)
    expect(cheats.filter((c) => c === 'stop-paying')).toHaveLength(2)
    expect(
      planBuyers(createSeededRng(7), free, { ...BUYER_DEFAULTS, cheaterFraction: 0 }).some((p) => p?.cheat),
    ).toBe(false)
  })

  it('spreads prices log-uniformly (median near the geometric mean) and is deterministic per seed', () => {
    const free = new Array<boolean>(2001).fill(false)
    const a = planBuyers(createSeededRng('s'), free, BUYER_DEFAULTS).map((p) => Number(p?.maxSatPerMb))
    const b = planBuyers(createSeededRng('s'), free, BUYER_DEFAULTS).map((p) => Number(p?.maxSatPerMb))
    expect(a).toEqual(b)
    const median = [...a].sort((x, y) => x - y)[1000] as number
    expect(median).toBeGreaterThan(140)
    expect(median).toBeLessThan(178) // sqrt(50 × 500) ≈ 158
  })

  it('rejects a bad price range with WORLD_INVALID_OPTION', () => {
    expect(() => planBuyers(createSeededRng(1), [false], { ...BUYER_DEFAULTS, minSatPerMb: 600 })).toThrow(
      expect.objectContaining({ code: 'WORLD_INVALID_OPTION' }),
    )
  })
})
