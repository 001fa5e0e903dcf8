import { describe, expect, it } from 'vitest'
import { clearMarket, type DemoOrder } from './demo-market.ts'

const order = (agent: string, mb: bigint, sats: bigint): DemoOrder => ({ agent, mb, sats, expiresMs: 1 })

describe('clearMarket', () => {
  it('fills the cheapest orders first within the price limit and budget', () => {
    const orders = [order('b', 100n, 30n), order('a', 100n, 20n), order('c', 100n, 50n)]
    const r = clearMarket(orders, { budgetSats: 40n, limitSats: 4n, limitMb: 10n })
    // c asks 0.5 sat/MB, above the 0.4 limit; a is filled fully, b partly (20 sat buy 66 MB at ≥ 0.3).
    expect(r.fills).toEqual([
      { agent: 'a', mb: 100n, sats: 20n },
      { agent: 'b', mb: 66n, sats: 20n },
    ])
    expect(r.spentSats).toBe(40n)
  })

  it('fills nothing without budget and breaks price ties by agent', () => {
    expect(clearMarket([order('a', 10n, 1n)], { budgetSats: 0n, limitSats: 1n, limitMb: 1n }).fills).toEqual(
      [],
    )
    const r = clearMarket([order('z', 10n, 1n), order('y', 10n, 1n)], {
      budgetSats: 100n,
      limitSats: 1n,
      limitMb: 1n,
    })
    expect(r.fills.map((f) => f.agent)).toEqual(['y', 'z'])
  })
})
