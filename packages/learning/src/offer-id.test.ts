import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRootGenome, evolveGenome } from './genome.ts'
import { parseGenome, serializeGenome } from './genome-codec.ts'
import { offerId } from './offer.ts'
import { createQTable, updateQTable } from './q-table.ts'
import { parseQTable, serializeQTable } from './q-table-codec.ts'

/**
 * Names as a shop may print them: any unicode (lone surrogates included), the characters the old
 * id grammar refused (`[ ] : ,`), and lengths up to 500.
 */
const shopName = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 500 }),
  fc.string({
    unit: fc.constantFrom('[', ']', ':', ',', ' ', 'a', 'Z', 'İ', 'ß', '\u{1F600}', '"', '\\', '\n'),
    minLength: 1,
    maxLength: 500,
  }),
)

/** Gossip, hand-over and `qtable.json` all carry the table as JSON text. */
const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

describe('offer ids of any shop name', () => {
  it('keeps the spec id and its golden examples (ALGORITHMS.md §1)', () => {
    expect(offerId('LineVast', 'Basic')).toBe('linevast_basic')
    expect(offerId('QHoster', 'Small')).toBe('qhoster_small')
  })

  it('round-trips id → table → JSON → table for arbitrary provider and plan names (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(shopName, shopName), {
          minLength: 1,
          maxLength: 4,
          selector: ([p, o]) => offerId(p, o),
        }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true })), {
          maxLength: 6,
        }),
        (names, steps) => {
          const ids = names.map(([p, o]) => offerId(p, o))
          let table = createQTable(ids)
          for (const [a, c, success, reward] of steps) {
            const attempted = ids[a % ids.length] ?? ''
            const current = ids[c % ids.length] ?? ''
            table = updateQTable(table, { attempted, current, success, reward, remotes: [] })
          }
          const back = parseQTable(throughJson(serializeQTable(table)))
          expect(back).toEqual(table)
          expect(back.offers).toEqual(names.map(([p, o]) => offerId(p, o)))
        },
      ),
      { numRuns: 150 },
    )
  }, 60_000)

  it('round-trips a genome whose providers have arbitrary names (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(shopName, { minLength: 1, maxLength: 4 }), fc.boolean(), (providers, ok) => {
        const root = createRootGenome({ providers, version: '0.1.0', exitNode: false })
        const first = providers[0] ?? ''
        const genome = evolveGenome(root, { success: ok, selfProvider: first, chosenProvider: first })
        expect(parseGenome(throughJson(serializeGenome(genome)))).toEqual(genome)
      }),
      { numRuns: 100 },
    )
  }, 60_000)

  it('round-trips the names the audit found breaking qtable.json', () => {
    const names: [string, string][] = [
      ['shop [eu]', 'plan: 2 GB, 1 core'],
      ['Provider, Inc.', '[Promo] Small'],
      ['x', 'a'.repeat(200)],
      ['Ünïcødé', 'VPS – 4 GB'],
      ['a:b', 'c,d'],
    ]
    const table = createQTable(names.map(([p, o]) => offerId(p, o)))
    expect(parseQTable(throughJson(serializeQTable(table)))).toEqual(table)
  })
})
