import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { exposureAfter, maxExposure, nextPayment, paymentSchedule, type ScheduleTerms } from './schedule.ts'

const golden: ScheduleTerms = {
  first: { total: 1000n, minUnit: 10n },
  second: { total: 1000n, minUnit: 10n },
}

const legArb = fc.record({
  total: fc.bigInt({ min: 1n, max: 10n ** 12n }),
  minUnit: fc.bigInt({ min: 1n, max: 10n ** 6n }),
})
const termsArb = fc.record({ first: legArb, second: legArb })

describe('paymentSchedule', () => {
  it('reproduces the golden table of ALGORITHMS.md §10 round by round', () => {
    const steps = paymentSchedule(golden)
    expect(steps.map((s) => [s.payer, s.amount])).toEqual([
      ['first', 10n],
      ['second', 20n],
      ['first', 40n],
      ['second', 80n],
      ['first', 160n],
      ['second', 320n],
      ['first', 640n],
      ['second', 580n], // 1 280 capped at the remaining 580
      ['first', 150n], // 1 160 capped at the remaining 150
    ])
  })

  it('uses each side its own unit: 1 GiB of MB bytes against 50 000 sats', () => {
    const steps = paymentSchedule({
      first: { total: 2n ** 30n, minUnit: 2n ** 20n },
      second: { total: 50_000n, minUnit: 1_000n },
    })
    // 1 MiB is 1/1024 of the MB leg; twice that share of 50 000 sats is 97.6 → floor to 0 → min unit 1 000.
    expect(steps[0]).toEqual({ index: 1, payer: 'first', amount: 2n ** 20n })
    expect(steps[1]).toEqual({ index: 2, payer: 'second', amount: 1_000n })
    // 1 000/50 000 = 2 %, doubled 4 % of 1 024 MiB = 40.96 MiB → 40 MiB.
    expect(steps[2]).toEqual({ index: 3, payer: 'first', amount: 40n * 2n ** 20n })
  })

  it('pays the rest at once when the counterparty has paid everything', () => {
    expect(nextPayment({ total: 1000n, minUnit: 10n }, 100n, { total: 30n, minUnit: 10n }, 10n, 30n)).toBe(
      900n,
    )
  })

  it('never leaves a tail below the min unit: 28 MiB for 8 092 sats at a 6 000-sat unit is paid at once', () => {
    // Seen in the world: a 6 000-sat first payment left 2 092 sats, below the 2 940-sat dust limit;
    // the buyer could not pay it and the trade timed out with every MB delivered.
    const MiB = 1n << 20n
    const steps = paymentSchedule({
      first: { total: 28n * MiB, minUnit: MiB },
      second: { total: 8_092n, minUnit: 6_000n },
    })
    expect(steps.map((s) => [s.payer, s.amount])).toEqual([
      ['first', MiB],
      ['second', 8_092n],
      ['first', 27n * MiB],
    ])
    // The MB leg alike: 10.5 units at unit 1 end with one payment of the last 1.5, not 1 then 0.5.
    const mb = paymentSchedule({
      first: { total: 21n, minUnit: 2n },
      second: { total: 1_000n, minUnit: 10n },
    })
    const firstPays = mb.filter((s) => s.payer === 'first').map((s) => s.amount)
    expect(firstPays.at(-1)).toBeGreaterThanOrEqual(2n)
  })

  it('rejects empty legs with a code', () => {
    expect(() => paymentSchedule({ first: { total: 0n, minUnit: 1n }, second: golden.second })).toThrow(
      expect.objectContaining({ code: 'MARKET_TRADE_TERMS_INVALID' }),
    )
    expect(() => paymentSchedule({ first: golden.first, second: { total: 5n, minUnit: 0n } })).toThrow(
      expect.objectContaining({ code: 'MARKET_TRADE_TERMS_INVALID' }),
    )
  })

  it('always reaches both totals exactly, alternating, each payment a min-unit multiple or the last remainder', () => {
    fc.assert(
      fc.property(termsArb, (terms) => {
        const steps = paymentSchedule(terms)
        const paid = { first: 0n, second: 0n }
        for (const [i, s] of steps.entries()) {
          expect(s.amount).toBeGreaterThan(0n)
          paid[s.payer] += s.amount
          const leg = terms[s.payer]
          const isLast = paid[s.payer] === leg.total
          if (!isLast) expect(s.amount % leg.minUnit).toBe(0n)
          // No payment below the min unit (the dust floor of a Bitcoin leg), unless the whole leg is.
          expect(s.amount).toBeGreaterThanOrEqual(leg.total < leg.minUnit ? leg.total : leg.minUnit)
          const prev = steps[i - 1]
          // Alternation: a side pays twice in a row only when the other has nothing left.
          if (prev?.payer === s.payer) {
            const other = s.payer === 'first' ? 'second' : 'first'
            expect(paid[other]).toBe(terms[other].total)
          }
        }
        expect(steps[0]?.payer).toBe('first')
        expect(paid.first).toBe(terms.first.total)
        expect(paid.second).toBe(terms.second.total)
      }),
      { numRuns: 500 },
    )
  })

  it('a cheater stopping at any point loses the honest side at most its last increment (in value)', () => {
    fc.assert(
      fc.property(termsArb, (terms) => {
        const steps = paymentSchedule(terms)
        const paid = { first: 0n, second: 0n }
        for (const s of steps) {
          paid[s.payer] += s.amount
          // The counterparty stops right here: the payer's loss is its share paid minus its share
          // received, compared in shares (cross-multiplied, exact).
          const other = s.payer === 'first' ? 'second' : 'first'
          const my = terms[s.payer].total
          const their = terms[other].total
          const lossNum = paid[s.payer] * their - paid[other] * my // share · my · their
          const stepNum = s.amount * their
          expect(lossNum).toBeLessThanOrEqual(stepNum)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('the golden cheater table: stopping after each payment, the loss in value is at most one increment', () => {
    const steps = paymentSchedule(golden)
    // Value 1 000 sats for the whole trade, so shares read as the table's units.
    const losses = [1, 2, 3, 4, 5].map((n) => exposureAfter(golden, steps, 'first', n, 1000n))
    expect(losses).toEqual([10n, 30n, 110n, 430n, 0n])
    const lossesB = [1, 2, 3, 4].map((n) => exposureAfter(golden, steps, 'second', n, 1000n))
    expect(lossesB).toEqual([10n, 50n, 210n, 150n])
    expect(maxExposure(golden, 'first', 1000n)).toBe(430n)
    expect(maxExposure(golden, 'second', 1000n)).toBe(210n)
  })
})
