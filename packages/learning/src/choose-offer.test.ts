import fc from 'fast-check'
import { createSeededRng, type Rng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import {
  allowedOffers,
  chooseOffer,
  drawRank,
  generationOf,
  rankOffers,
  selectionLambda,
} from './choose-offer.ts'
import type { OfferInfo } from './offer.ts'
import { offerId } from './offer.ts'
import { createQTable, updateQTable, type QTable } from './q-table.ts'

function offer(
  provider: string,
  option: string,
  priceSats: bigint | null,
  extra: Partial<OfferInfo> = {},
): OfferInfo {
  return {
    id: offerId(provider, option),
    provider,
    option,
    priceSats,
    priceUsdCents: 500,
    available: true,
    memoryGB: 1,
    cores: 1,
    bandwidthGB: 1000,
    ...extra,
  }
}

const basic = offer('LineVast', 'Basic', 300_000n)
const pro = offer('LineVast', 'Pro', 500_000n, { memoryGB: 4, cores: 2 })
const small = offer('QHoster', 'Small', 200_000n)

/** The table after golden V2 (ALGORITHMS.md §2.4): row b = [0.539808, −0.1072, 0.32]. */
function afterV2(): QTable {
  const ids = [basic.id, pro.id, small.id]
  const v1 = updateQTable(
    createQTable(ids),
    { remotes: [], attempted: small.id, current: basic.id, success: true, reward: 0.3 },
    { trimF: 0 },
  )
  return updateQTable(
    v1,
    {
      remotes: [{ offers: ids, q: ids.map(() => ids.map(() => 1)) }],
      attempted: pro.id,
      current: basic.id,
      success: false,
      reward: 0.1,
    },
    { trimF: 0 },
  )
}

/** An Rng whose float() returns the given values in turn. */
function fixedRng(values: readonly number[]): Rng {
  let i = 0
  return {
    seeded: true,
    bytes: () => new Uint8Array(0),
    float: () => values[i++ % values.length] ?? 0,
    int: () => 0,
  }
}

describe('selection rate λ', () => {
  it('is 0.75 at the root, 0.8 for a child, 0.8333 for a grandchild', () => {
    expect(selectionLambda(generationOf('plebbot2930'))).toBeCloseTo(0.75, 12)
    expect(selectionLambda(generationOf('plebbot2930.0'))).toBeCloseTo(0.8, 12)
    expect(selectionLambda(generationOf('plebbot2930.0.1'))).toBeCloseTo(0.833333333, 8)
  })

  it('stays strictly inside (0, 1) at every depth', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (g) => {
        const l = selectionLambda(g)
        expect(l).toBeGreaterThan(0)
        expect(l).toBeLessThan(1)
      }),
    )
  })
})

describe('chooseOffer golden (ALGORITHMS.md §4)', () => {
  it.each([
    { u: 0.4, k: 0, choice: basic.id },
    { u: 0.55, k: 1, choice: small.id },
    { u: 0.9, k: 2, choice: pro.id },
  ])('U = $u gives rank $k, offer $choice', ({ u, k, choice }) => {
    expect(drawRank(u, 0.75, 3)).toBe(k)
    const chosen = chooseOffer(
      {
        table: afterV2(),
        current: basic.id,
        tree: 'plebbot1',
        catalogue: [pro, small, basic],
        filter: { excludedProviders: [] },
      },
      fixedRng([u]),
    )
    expect(chosen?.id).toBe(choice)
  })

  it('draws X = 0.6811, 1.0647, 3.0701 before flooring', () => {
    expect(-Math.log(1 - 0.4) / 0.75).toBeCloseTo(0.6811, 4)
    expect(drawRank(0.9, 0.75, 100)).toBe(3)
  })

  it('switches rank exactly at P(k=0) = 1 − e^−λ = 0.5276 and P(k≤1) = 1 − e^−2λ (E[k] = 0.895 at the root)', () => {
    const p0 = 1 - Math.exp(-0.75)
    expect(p0).toBeCloseTo(0.5276, 4)
    expect(Math.exp(-0.75) - Math.exp(-1.5)).toBeCloseTo(0.2492, 4)
    expect(Math.exp(-1.5)).toBeCloseTo(0.2231, 4)
    expect(1 / (Math.exp(0.75) - 1)).toBeCloseTo(0.895, 3)
    expect(drawRank(p0 - 1e-9, 0.75, 10)).toBe(0)
    expect(drawRank(p0 + 1e-9, 0.75, 10)).toBe(1)
    const p1 = 1 - Math.exp(-1.5)
    expect(drawRank(p1 - 1e-9, 0.75, 10)).toBe(1)
    expect(drawRank(p1 + 1e-9, 0.75, 10)).toBe(2)
  })

  it('always returns an allowed offer, whatever the draw', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.subarray([basic, pro, small], { minLength: 1 }),
        fc.integer({ min: 1, max: 12 }),
        (u, catalogue, depth) => {
          const tree = Array.from({ length: depth }, (_, i) => String(i)).join('.')
          const chosen = chooseOffer(
            { table: afterV2(), current: basic.id, tree, catalogue, filter: { excludedProviders: [] } },
            fixedRng([u]),
          )
          expect(catalogue.map((o) => o.id)).toContain(chosen?.id)
        },
      ),
    )
  })

  it('ranks an all-zero table by price, so k = 0 picks the cheapest, then by id', () => {
    const twin = offer('Aaa', 'Twin', 200_000n)
    const ranked = rankOffers(createQTable([]), basic.id, [pro, basic, small, twin])
    expect(ranked.map((o) => o.id)).toEqual([twin.id, small.id, basic.id, pro.id])
  })

  it('matches P(k=0) = 0.5276 and P(k=1) = 0.2492 at λ = 0.75', () => {
    const rng = createSeededRng(7)
    const counts = [0, 0, 0]
    const n = 20_000
    for (let i = 0; i < n; i++) counts[drawRank(rng.float(), 0.75, 3)]! += 1
    expect(counts[0]! / n).toBeCloseTo(0.5276, 1)
    expect(counts[1]! / n).toBeCloseTo(0.2492, 1)
    expect(counts[2]! / n).toBeCloseTo(0.2231, 1)
  })
})

describe('allowed offers', () => {
  it('drops excluded providers, unavailable offers and unknown prices', () => {
    const gone = offer('Gone', 'X', 100n, { available: false })
    const unpriced = offer('Nope', 'Y', null)
    const ids = allowedOffers([basic, pro, small, gone, unpriced], { excludedProviders: ['QHOSTER'] }).map(
      (o) => o.id,
    )
    expect(ids).toEqual([basic.id, pro.id])
  })

  it('applies the preferred server, and ignores it when it would leave nothing', () => {
    const pref = { minMemoryGB: 2, minCores: 1, minBandwidthGB: 0 }
    expect(
      allowedOffers([basic, pro, small], { excludedProviders: [], preferredServer: pref }).map((o) => o.id),
    ).toEqual([pro.id])
    const huge = { minMemoryGB: 64, minCores: 1, minBandwidthGB: 0 }
    expect(allowedOffers([basic, small], { excludedProviders: [], preferredServer: huge })).toHaveLength(2)
  })

  it('returns nothing when nothing is allowed and clamps to the filtered list otherwise', () => {
    const input = {
      table: afterV2(),
      current: basic.id,
      tree: 'r',
      catalogue: [basic],
      filter: { excludedProviders: [] },
    }
    expect(chooseOffer(input, fixedRng([0.999999]))?.id).toBe(basic.id)
    expect(chooseOffer({ ...input, catalogue: [] }, fixedRng([0.1]))).toBeUndefined()
  })
})
