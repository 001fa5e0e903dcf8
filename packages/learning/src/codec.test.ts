import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRootGenome } from './genome.ts'
import { parseGenome, serializeGenome } from './genome-codec.ts'
import { createQTable, updateQTable } from './q-table.ts'
import { isOfferId, parseQTable, serializeQTable } from './q-table-codec.ts'

function learned() {
  return updateQTable(
    createQTable(['linevast_basic', 'qhoster_small']),
    { remotes: [], attempted: 'qhoster_small', current: 'linevast_basic', success: true, reward: 0.3 },
    { trimF: 0 },
  )
}

/** The wire shape, loosely typed so cases can corrupt it. */
interface QWire {
  [key: string]: unknown
  qtable: Record<string, Record<string, unknown>>
  environment: Record<string, Record<string, unknown>>
  counters: Record<string, unknown>
}

/** The genome wire shape, loosely typed. */
interface GWire {
  [key: string]: unknown
  providerWeights: Record<string, unknown>
  preferredServer: Record<string, unknown>
  strategy: Record<string, unknown>
  softwareRef: Record<string, unknown>
}

/** A JSON-roundtripped copy, as it would arrive from disk or gossip. */
function wire(): QWire {
  return JSON.parse(JSON.stringify(serializeQTable(learned()))) as QWire
}

describe('Q-table wire format', () => {
  it('round-trips through JSON exactly', () => {
    expect(parseQTable(JSON.parse(JSON.stringify(serializeQTable(learned()))))).toEqual(learned())
  })

  it('round-trips any learned table (property)', () => {
    const ids = ['a_1', 'b_2', 'c_3']
    const step = fc.record({
      attempted: fc.constantFrom(...ids),
      current: fc.constantFrom(...ids),
      success: fc.boolean(),
      reward: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let t = createQTable(ids)
        for (const s of steps) t = updateQTable(t, { ...s, remotes: [] })
        expect(parseQTable(JSON.parse(JSON.stringify(serializeQTable(t))))).toEqual(t)
      }),
    )
  })

  it('counts as an offer id only what the wire reads back (not __proto__, which it refuses)', () => {
    for (const id of ['[promo] 2 gb: 1 core, eu', 'constructor', '東京_🚀', '__proto__']) {
      const wire = JSON.parse(JSON.stringify(serializeQTable(createQTable([id, 'a_1'])))) as unknown
      let readBack = true
      try {
        parseQTable(wire)
      } catch {
        readBack = false
      }
      expect({ id, isOfferId: isOfferId(id) }).toEqual({ id, isOfferId: readBack })
    }
  })

  it('writes the AGENT.md §5.2 keys', () => {
    expect(Object.keys(serializeQTable(learned()))).toEqual([
      'version',
      'offers',
      'qtable',
      'environment',
      'counters',
    ])
  })

  const cases: { name: string; mutate: (w: QWire) => unknown; code: string }[] = [
    {
      name: 'a NaN cell',
      mutate: (w) => ((w.qtable.linevast_basic!.qhoster_small = NaN), w),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
    {
      name: 'an Infinity cell',
      mutate: (w) => ((w.environment.qhoster_small!.linevast_basic = Infinity), w),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
    {
      name: 'a huge cell',
      mutate: (w) => ((w.qtable.qhoster_small!.qhoster_small = 1e300), w),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
    { name: 'an unknown top-level key', mutate: (w) => ((w.extra = 1), w), code: 'PLEBNET_QTABLE_MALFORMED' },
    {
      name: 'an unlisted row',
      mutate: (w) => ((w.qtable.ghost_row = { linevast_basic: 0, qhoster_small: 0 }), w),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
    {
      name: 'a missing cell',
      mutate: (w) => (delete w.qtable.linevast_basic!.qhoster_small, w),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
    {
      name: 'a missing counter',
      mutate: (w) => (delete w.counters.qhoster_small, w),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
    {
      name: 'a fractional counter',
      mutate: (w) => ((w.counters.qhoster_small = 1.5), w),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
    {
      name: 'duplicate offers',
      mutate: (w) => ((w.offers = ['linevast_basic', 'linevast_basic', 'qhoster_small']), w),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
    {
      name: 'an upper-case offer id',
      mutate: (w) => ((w.offers = ['LINEVAST_basic', 'qhoster_small']), w),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
    {
      name: 'a string cell',
      mutate: (w) => ((w.qtable.linevast_basic!.qhoster_small = '0.3'), w),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
    { name: 'version 2', mutate: (w) => ((w.version = 2), w), code: 'PLEBNET_QTABLE_VERSION_UNKNOWN' },
    { name: 'no version', mutate: (w) => (delete w.version, w), code: 'PLEBNET_QTABLE_MALFORMED' },
    { name: 'an array', mutate: () => [], code: 'PLEBNET_QTABLE_MALFORMED' },
    { name: 'null', mutate: () => null, code: 'PLEBNET_QTABLE_MALFORMED' },
    {
      name: 'a __proto__ key',
      mutate: (w) =>
        JSON.parse(JSON.stringify(w).replace('"counters":{', '"counters":{"__proto__":{"polluted":1},')),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
    {
      name: 'too many offers',
      mutate: (w) => ((w.offers = Array.from({ length: 600 }, (_, i) => `p_${i}`)), w),
      code: 'PLEBNET_QTABLE_MALFORMED',
    },
  ]

  it.each(cases)('refuses $name with $code', ({ mutate, code }) => {
    expect(() => parseQTable(mutate(wire()))).toThrow(expect.objectContaining({ code }))
  })
})

describe('genome wire format', () => {
  const genome = createRootGenome({ providers: ['linevast', 'qhoster'], version: '0.1.0', exitNode: true })
  const gwire = (): GWire => JSON.parse(JSON.stringify(serializeGenome(genome))) as GWire

  it('round-trips through JSON exactly', () => {
    expect(parseGenome(gwire())).toEqual(genome)
  })

  const cases: { name: string; mutate: (w: GWire) => unknown; code: string }[] = [
    {
      name: 'a NaN weight',
      mutate: (w) => ((w.providerWeights.linevast = NaN), w),
      code: 'PLEBNET_GENOME_MALFORMED',
    },
    {
      name: 'a negative weight',
      mutate: (w) => ((w.providerWeights.linevast = -1), w),
      code: 'PLEBNET_GENOME_MALFORMED',
    },
    {
      name: 'a huge weight',
      mutate: (w) => ((w.providerWeights.linevast = 1e12), w),
      code: 'PLEBNET_GENOME_MALFORMED',
    },
    {
      name: 'an unknown key',
      mutate: (w) => ((w.preferredServer.gpu = 1), w),
      code: 'PLEBNET_GENOME_MALFORMED',
    },
    {
      name: 'an off-ladder memory',
      mutate: (w) => ((w.preferredServer.minMemoryGB = 3), w),
      code: 'PLEBNET_GENOME_MALFORMED',
    },
    {
      name: 'an unknown strategy',
      mutate: (w) => ((w.strategy.name = 'yolo'), w),
      code: 'PLEBNET_GENOME_MALFORMED',
    },
    { name: 'a dowry above half', mutate: (w) => ((w.dowryBps = 9000), w), code: 'PLEBNET_GENOME_MALFORMED' },
    {
      name: 'a bad version string',
      mutate: (w) => ((w.softwareRef.version = 'latest; rm -rf /'), w),
      code: 'PLEBNET_GENOME_MALFORMED',
    },
    { name: 'version 0', mutate: (w) => ((w.version = 0), w), code: 'PLEBNET_GENOME_VERSION_UNKNOWN' },
  ]

  it.each(cases)('refuses $name with $code', ({ mutate, code }) => {
    expect(() => parseGenome(mutate(gwire()))).toThrow(expect.objectContaining({ code }))
  })
})
