import { describe, expect, it } from 'vitest'
import { predictLife } from './life-expectancy.ts'

const DAY = 86_400_000
const golden = {
  leaseRemainingMs: 10 * DAY,
  btcSats: 100_000n,
  mbAvailable: 2_000n,
  earnMbPerDay: 1_000,
  priceSatPerMb: 50,
  replicationCostSats: 600_000n,
}

describe('predictLife (AGENT.md §15)', () => {
  it('golden: B_T = 700 000, one child, next in 8 days, viable', () => {
    expect(predictLife(golden)).toEqual({
      projectedBtcAtDeathSats: 700_000n,
      childrenAffordable: 1n,
      daysUntilNextChild: 8,
      viable: true,
      daysLeft: 10,
    })
  })

  it('is not viable when the next child comes later than the lease minus 6 h', () => {
    const r = predictLife({ ...golden, leaseRemainingMs: 8 * DAY + 5 * 3_600_000 })
    expect(r.daysUntilNextChild).toBe(8)
    expect(r.viable).toBe(false)
    expect(predictLife({ ...golden, leaseRemainingMs: 8 * DAY + 7 * 3_600_000 }).viable).toBe(true)
  })

  it('never gets a child without earning or price, unless already affordable', () => {
    const idle = predictLife({ ...golden, earnMbPerDay: 0 })
    expect(idle.daysUntilNextChild).toBeNull()
    expect(idle.viable).toBe(false)
    const rich = predictLife({ ...golden, earnMbPerDay: 0, btcSats: 1_000_000n })
    expect(rich.daysUntilNextChild).toBe(0)
    expect(rich.viable).toBe(true)
    expect(rich.childrenAffordable).toBe(1n)
  })

  it('counts an expired lease as no time left', () => {
    const r = predictLife({ ...golden, leaseRemainingMs: -DAY })
    expect(r.projectedBtcAtDeathSats).toBe(200_000n)
    expect(r.viable).toBe(false)
  })

  it('refuses a zero replication cost or NaN rate with a code', () => {
    expect(() => predictLife({ ...golden, replicationCostSats: 0n })).toThrow(
      expect.objectContaining({ code: 'PLEBNET_OPTIONS_INVALID' }),
    )
    expect(() => predictLife({ ...golden, priceSatPerMb: NaN })).toThrow(
      expect.objectContaining({ code: 'PLEBNET_OPTIONS_INVALID' }),
    )
  })
})
