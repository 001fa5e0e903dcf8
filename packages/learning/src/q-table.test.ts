import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  alphaOf,
  betaOf,
  createQTable,
  qValue,
  trimValues,
  updateQTable,
  withOffers,
  type QTable,
  type RemoteQ,
} from './q-table.ts'

const TOL = 9 // digits: ALGORITHMS.md compares floats with tolerance 1e-9
const [b, p, q] = ['linevast_basic', 'linevast_pro', 'qhoster_small']

/** A remote table over `offers` with every cell equal to `v`. */
function constant(offers: readonly string[], v: number): RemoteQ {
  return { offers, q: offers.map(() => offers.map(() => v)) }
}

function expectRows(table: QTable, row: readonly number[]): void {
  for (const s of table.offers) {
    table.offers.forEach((t, j) => expect(qValue(table, s, t)).toBeCloseTo(row[j] ?? NaN, TOL))
  }
}

function v1(): QTable {
  return updateQTable(
    createQTable([b, p, q]),
    { remotes: [], attempted: q, current: b, success: true, reward: 0.3 },
    { trimF: 0 },
  )
}

describe('QD-learning golden vectors (ALGORITHMS.md §2.4)', () => {
  it('V1: success on q with reward 0.3 gives every row [0.24, 0, 0.32]', () => {
    const t = v1()
    expectRows(t, [0.24, 0, 0.32])
    for (const row of t.e) {
      expect(row[0]).toBeCloseTo(0.3, TOL)
      expect(row[1]).toBe(0)
      expect(row[2]).toBeCloseTo(0.4, TOL)
    }
    expect(t.counters).toEqual([1, 0, 1])
    expect(alphaOf(1)).toBeCloseTo(0.788, TOL)
    expect(betaOf(1)).toBeCloseTo(0.212, TOL)
  })

  it('V2: one remote of 1.0 and a failure on p give every row [0.539808, -0.1072, 0.32]', () => {
    const t = updateQTable(
      v1(),
      { remotes: [constant([b, p, q], 1)], attempted: p, current: b, success: false, reward: 0.1 },
      { trimF: 0 },
    )
    expectRows(t, [0.539808, -0.1072, 0.32])
    for (const row of t.e)
      expect([row[0], row[1], row[2]].map((x) => Number(x?.toFixed(9)))).toEqual([0.4, -0.4, 0.4])
    expect(t.counters).toEqual([2, 1, 1])
    expect(alphaOf(2)).toBeCloseTo(0.776, TOL)
  })

  it('V3: success on the current offer is one update of 0.32, not the original double 0.64', () => {
    const t = updateQTable(
      createQTable(['x', 'y']),
      { remotes: [], attempted: 'x', current: 'x', success: true, reward: 0 },
      { trimF: 0 },
    )
    expectRows(t, [0.32, 0])
    expect(t.counters).toEqual([1, 0])
  })

  it('V4: failure on another offer gives -0.32 on its column and 0 on the current one', () => {
    const t = updateQTable(
      createQTable(['x', 'y']),
      { remotes: [], attempted: 'y', current: 'x', success: false, reward: 0 },
      { trimF: 0 },
    )
    expectRows(t, [0, -0.32])
  })

  it('V5 with F = 1: trimming the liar and the low value reproduces V2', () => {
    const remotes = [constant([b, p, q], 0.5), constant([b, p, q], 1), constant([b, p, q], 100)]
    const t = updateQTable(
      v1(),
      { remotes, attempted: p, current: b, success: false, reward: 0.1 },
      { trimF: 1 },
    )
    expectRows(t, [0.539808, -0.1072, 0.32])
  })

  it('V5 with F = 0: one liar moves every row to [7.500475, 6.459467, 0.32]', () => {
    const remotes = [constant([b, p, q], 0.5), constant([b, p, q], 1), constant([b, p, q], 100)]
    const t = updateQTable(
      v1(),
      { remotes, attempted: p, current: b, success: false, reward: 0.1 },
      { trimF: 0 },
    )
    for (const s of t.offers) {
      expect(qValue(t, s, b)).toBeCloseTo(7.500475, 5)
      expect(qValue(t, s, p)).toBeCloseTo(6.459467, 5)
      expect(qValue(t, s, q)).toBeCloseTo(0.32, TOL)
    }
  })
})

describe('schedules and trimming', () => {
  it('keeps α + β = 1 and stops the schedule at 50 updates', () => {
    for (let k = 0; k <= 60; k++) expect(alphaOf(k) + betaOf(k)).toBeCloseTo(1, 12)
    expect(alphaOf(50)).toBeCloseTo(0.2, 12)
    expect(alphaOf(500)).toBe(0.2)
    expect(betaOf(500)).toBe(0.8)
  })

  it('trims the F lowest and highest values, and everything when at most 2F are given', () => {
    expect(trimValues([3, 1, 2], 0)).toEqual([1, 2, 3])
    expect(trimValues([3, 1, 100, 2], 1)).toEqual([2, 3])
    expect(trimValues([1, 2], 1)).toEqual([])
  })
})

describe('offer catalogue changes', () => {
  it('adds new offers with zero rows, columns and counters and keeps learned values', () => {
    const t = withOffers(v1(), ['new_offer', b])
    expect(t.offers).toEqual([b, p, q, 'new_offer'])
    expect(qValue(t, b, q)).toBeCloseTo(0.32, TOL)
    expect(qValue(t, 'new_offer', q)).toBe(0)
    expect(qValue(t, q, 'new_offer')).toBe(0)
    expect(t.counters).toEqual([1, 0, 1, 0])
  })

  it('learns about an attempted offer it did not know and ignores remote cells it lacks', () => {
    const remote: RemoteQ = { offers: ['other_offer'], q: [[5]] }
    const t = updateQTable(
      createQTable([b]),
      { remotes: [remote], attempted: 'fresh_one', current: b, success: true, reward: 0 },
      { trimF: 0 },
    )
    expect(t.offers).toEqual([b, 'fresh_one', 'other_offer'])
    expect(qValue(t, b, 'fresh_one')).toBeCloseTo(0.32, TOL)
  })

  it('refuses a non-finite reward and a negative trim with a code', () => {
    const base = createQTable([b])
    expect(() =>
      updateQTable(base, { remotes: [], attempted: b, current: b, success: true, reward: NaN }),
    ).toThrow(expect.objectContaining({ code: 'PLEBNET_OPTIONS_INVALID' }))
    expect(() =>
      updateQTable(base, { remotes: [], attempted: b, current: b, success: true, reward: 0 }, { trimF: -1 }),
    ).toThrow(expect.objectContaining({ code: 'PLEBNET_OPTIONS_INVALID' }))
  })
})

const OFFERS = ['a_1', 'a_2', 'b_1', 'c_1']
const offerArb = fc.constantFrom(...OFFERS)
const valueArb = fc.double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true })
const remoteArb = fc
  .array(fc.array(valueArb, { minLength: OFFERS.length, maxLength: OFFERS.length }), {
    minLength: OFFERS.length,
    maxLength: OFFERS.length,
  })
  .map((q): RemoteQ => ({ offers: OFFERS, q }))
const updateArb = fc.record({
  attempted: offerArb,
  current: offerArb,
  success: fc.boolean(),
  reward: fc.double({ min: 0, max: 1, noNaN: true }),
  remotes: fc.array(remoteArb, { maxLength: 4 }),
  trimF: fc.integer({ min: 0, max: 2 }),
})

function maxAbs(rows: readonly (readonly number[])[]): number {
  return Math.max(0, ...rows.flat().map(Math.abs))
}

describe('properties', () => {
  it('Q stays finite and within max(|Q|, |R|, |E|/(1 − γ)) for any updates and remote tables', () => {
    fc.assert(
      fc.property(fc.array(updateArb, { minLength: 1, maxLength: 25 }), (updates) => {
        let t = createQTable(OFFERS)
        for (const u of updates) {
          const next = updateQTable(t, u, { trimF: u.trimF })
          const bound = Math.max(
            maxAbs(t.q),
            ...u.remotes.map((r) => maxAbs(r.q)),
            maxAbs(next.e) / (1 - 0.05),
          )
          for (const v of next.q.flat()) {
            expect(Number.isFinite(v)).toBe(true)
            expect(Math.abs(v)).toBeLessThanOrEqual(bound * (1 + 1e-12) + 1e-12)
          }
          t = next
        }
      }),
    )
  })

  it('a Byzantine remote table moves an honest value no further than the honest remotes allow (F = 1)', () => {
    fc.assert(
      fc.property(
        fc.array(updateArb, { maxLength: 5 }),
        fc.array(remoteArb, { minLength: 1, maxLength: 4 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        offerArb,
        offerArb,
        fc.boolean(),
        (warmup, honest, lie, attempted, current, success) => {
          let t = createQTable(OFFERS)
          for (const u of warmup) t = updateQTable(t, { ...u, remotes: [] })
          const liar = constant(OFFERS, lie)
          const next = updateQTable(
            t,
            { remotes: [...honest, liar], attempted, current, success, reward: 0.5 },
            { trimF: 1 },
          )
          const nextRowMax = (id: string): number => Math.max(...(t.q[t.offers.indexOf(id)] ?? []))
          for (const col of new Set([attempted, current])) {
            const j = t.offers.indexOf(col)
            t.offers.forEach((_s, i) => {
              const old = t.q[i]?.[j] ?? 0
              const honestValues = honest.map((r) => r.q[i]?.[j] ?? 0)
              const target = (next.e[i]?.[j] ?? 0) + 0.05 * nextRowMax(col)
              const lo = Math.min(old, target, ...honestValues)
              const hi = Math.max(old, target, ...honestValues)
              const v = next.q[i]?.[j] ?? NaN
              expect(v).toBeGreaterThanOrEqual(lo - 1e-9)
              expect(v).toBeLessThanOrEqual(hi + 1e-9)
            })
          }
        },
      ),
    )
  })

  it('never changes the input table', () => {
    const t = v1()
    const snapshot = JSON.stringify(t)
    updateQTable(t, { remotes: [constant([b, p, q], 3)], attempted: p, current: b, success: true, reward: 1 })
    expect(JSON.stringify(t)).toBe(snapshot)
  })
})
