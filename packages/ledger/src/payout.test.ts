import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { payoutPlan, type ForwardRule } from './payout.ts'

const MiB = 1n << 20n

describe('tunnel payout rule (ALGORITHMS.md §9.3)', () => {
  it('matches the spec table for data circuits under the 2019 rule', () => {
    const base = 100n * MiB
    const rows = [1, 2, 3].map((hops) => {
      const plan = payoutPlan(base, hops, 'data', 'subtract-2019')
      return [
        plan.downloaderPaysBytes / base,
        ...plan.hops.map((h) => [h.keptBytes / base, h.forwardedBytes / base]),
      ]
    })
    expect(rows).toEqual([
      [1n, [1n, 0n]],
      [3n, [2n, 1n], [1n, 0n]],
      [5n, [2n, 3n], [2n, 1n], [1n, 0n]],
    ])
    expect(payoutPlan(base, 3, 'data', 'subtract-2019').downloaderPaysBytes).toBe(500n * MiB)
  })

  it('charges 2·hops + 1 on end-to-end circuits', () => {
    expect(payoutPlan(10n * MiB, 3, 'e2e', 'subtract-2019').downloaderPaysBytes).toBe(70n * MiB)
    expect(payoutPlan(10n * MiB, 3, 'e2e', 'subtract-2019').hops.map((h) => h.keptBytes / MiB)).toEqual([
      20n,
      20n,
      30n,
    ])
  })

  it('forwards a fixed 2·base per relay under the 2021 rule', () => {
    const plan = payoutPlan(MiB, 3, 'data', 'fixed-2021')
    expect(plan.hops.map((h) => [h.receivedBytes / MiB, h.keptBytes / MiB, h.forwardedBytes / MiB])).toEqual([
      [5n, 3n, 2n],
      [2n, 0n, 2n],
      [2n, 2n, 0n],
    ])
  })

  it('pays nothing below 1 MiB and refuses nonsense', () => {
    expect(payoutPlan(MiB - 1n, 3, 'data', 'subtract-2019')).toEqual({ downloaderPaysBytes: 0n, hops: [] })
    expect(() => payoutPlan(MiB, 0, 'data', 'subtract-2019')).toThrow(
      expect.objectContaining({ code: 'LEDGER_OPTION_INVALID' }),
    )
    expect(() => payoutPlan(-1n, 1, 'data', 'subtract-2019')).toThrow(
      expect.objectContaining({ code: 'LEDGER_OPTION_INVALID' }),
    )
  })

  it('conserves what the downloader pays: the hops keep all of it, none negative', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 50n }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom('data' as const, 'e2e' as const),
        fc.constantFrom<ForwardRule>('subtract-2019', 'fixed-2021'),
        (bytesDown, hops, kind, rule) => {
          const plan = payoutPlan(bytesDown, hops, kind, rule)
          const kept = plan.hops.reduce((s, h) => s + h.keptBytes, 0n)
          expect(kept).toBe(plan.downloaderPaysBytes)
          for (const h of plan.hops) expect(h.keptBytes >= 0n && h.forwardedBytes >= 0n).toBe(true)
          if (bytesDown >= MiB) expect(plan.hops).toHaveLength(hops)
        },
      ),
    )
  })
})
