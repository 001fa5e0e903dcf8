import { describe, expect, it } from 'vitest'
import { inheritQTable } from './inheritance.ts'
import { efficiencyReward, learnFromOutcome, type LearnInput } from './learn-step.ts'
import { MAX_OFFERS } from './constants.ts'
import {
  boundRemoteOffers,
  createQTable,
  qValue,
  updateQTable,
  type QTable,
  type RemoteQ,
} from './q-table.ts'
import { parseQTable, serializeQTable } from './q-table-codec.ts'
import { EMPTY_INBOX, type PeerStanding, type RemoteEntry, type RemoteInbox } from './remote-tables.ts'

const TOL = 9 // ALGORITHMS.md: floats with tolerance 1e-9
const DAY = 86_400_000
const [b, p, q] = ['linevast_basic', 'linevast_pro', 'qhoster_small']

function constant(offers: readonly string[], v: number): RemoteQ {
  return { offers, q: offers.map(() => offers.map(() => v)) }
}

function entry(senderId: string, table: RemoteQ, standing: PeerStanding, receivedMs = 1): RemoteEntry {
  return { senderId, receivedMs, table, standing, knownSinceMs: 0 }
}

function expectRows(table: QTable, row: readonly number[]): void {
  for (const s of table.offers)
    table.offers.forEach((t, j) => expect(qValue(table, s, t)).toBeCloseTo(row[j] ?? NaN, TOL))
}

/** The state after ALGORITHMS.md V1. */
function v1(): QTable {
  return updateQTable(
    createQTable([b, p, q]),
    { remotes: [], attempted: q, current: b, success: true, reward: 0.3 },
    { trimF: 0 },
  )
}

describe('efficiency reward from MB earned over money invested (ALGORITHMS.md §3)', () => {
  // $5 at 1,000 sats per USD is 5,000 sats invested.
  const at = (earnedMb: number, investedSats: bigint | null, days: number) =>
    efficiencyReward({ earnedMb, investedSats, satsPerUsd: 1_000n, birthMs: 0, nowMs: days * DAY })

  it('gives the golden table: 60,000 MB over $5 and 3 days is 0.2; a young agent counts a full day', () => {
    expect(at(60_000, 5_000n, 3).reward).toBeCloseTo(0.2, TOL)
    expect(at(10_000, 5_000n, 0.25).reward).toBeCloseTo(0.1, TOL)
    expect(at(0, 5_000n, 3).reward).toBe(0)
    expect(at(10_000_000, 5_000n, 3).reward).toBe(1)
  })

  it('is 0 with a warning when nothing was invested that it knows of', () => {
    expect(at(60_000, null, 3)).toEqual({ reward: 0, warning: 'PRICE_UNKNOWN' })
    expect(at(60_000, 0n, 3)).toEqual({ reward: 0, warning: 'PRICE_UNKNOWN' })
  })

  it('refuses a rate that is not positive (a caller bug)', () => {
    expect(() =>
      efficiencyReward({ earnedMb: 1, investedSats: 1n, satsPerUsd: 0n, birthMs: 0, nowMs: 0 }),
    ).toThrow(expect.objectContaining({ code: 'PLEBNET_OPTIONS_INVALID' }) as Error)
  })
})

describe('learnFromOutcome: the QD update with gossiped tables and the earned reward', () => {
  const base = (inbox: RemoteInbox): LearnInput => ({
    table: v1(),
    inbox,
    attempted: p,
    current: b,
    success: false,
    // 30,000 MB over $5 and 3 days: reward 0.1, as in V2.
    earnedMb: 30_000,
    investedSats: 5_000n,
    satsPerUsd: 1_000n,
    birthMs: 0,
    nowMs: 3 * DAY,
  })

  it('reproduces V2 from a family table R ≡ 1 in the inbox and the earned reward 0.1', () => {
    const out = learnFromOutcome(base({ entries: [entry('parent', constant([b, p, q], 1), 'family')] }), {
      trimF: 0,
    })
    expect(out.reward.reward).toBeCloseTo(0.1, TOL)
    expectRows(out.table, [0.539808, -0.1072, 0.32])
    expect(out.taken.map((e) => e.senderId)).toEqual(['parent'])
  })

  it('differs from the same update without remotes (what `remotes: []` gave)', () => {
    const alone = learnFromOutcome(base(EMPTY_INBOX), { trimF: 0 })
    const merged = learnFromOutcome(base({ entries: [entry('parent', constant([b, p, q], 1), 'family')] }), {
      trimF: 0,
    })
    expect(alone.taken).toEqual([])
    expect(qValue(alone.table, b, p)).toBeCloseTo(-0.3072, TOL)
    expect(qValue(merged.table, b, p)).toBeCloseTo(-0.1072, TOL)
  })

  it('V5 with F = 1: three family and known tables, trimmed to the middle one, equal V2', () => {
    const out = learnFromOutcome(
      base({
        entries: [
          entry('parent', constant([b, p, q], 0.5), 'family'),
          entry('child', constant([b, p, q], 1), 'family'),
          entry('old', constant([b, p, q], 100), 'known'),
        ],
      }),
      { trimF: 1 },
    )
    expect(out.taken).toHaveLength(3)
    expectRows(out.table, [0.539808, -0.1072, 0.32])
  })

  it('takes at most F stranger tables, so a flood of fresh keys merges as one', () => {
    const entries = Array.from({ length: 50 }, (_, i) =>
      entry(`sybil${i}`, constant([b, p, q], 100), 'stranger', 100 + i),
    )
    const out = learnFromOutcome(base({ entries }), { trimF: 1 })
    expect(out.taken).toHaveLength(1)
    // One value per cell: F = 1 trims it away, so the update equals the one without remotes.
    expect(out.table.q).toEqual(learnFromOutcome(base(EMPTY_INBOX), { trimF: 1 }).table.q)
  })

  it('takes at most max remotes and leaves the rest pending', () => {
    const entries = Array.from({ length: 10 }, (_, i) => entry(`f${i}`, constant([b, p, q], 1), 'family', i))
    const out = learnFromOutcome(base({ entries }), { trimF: 0, maxRemotes: 8 })
    expect(out.taken.map((e) => e.senderId)).toEqual(['f9', 'f8', 'f7', 'f6', 'f5', 'f4', 'f3', 'f2'])
  })
})

describe('offers a remote table brings are bounded (the codec reads back at most MAX_OFFERS)', () => {
  it('admits new offers in merge order up to the bound and cuts each remote to them', () => {
    const r1: RemoteQ = {
      offers: ['a_1', 'n_1'],
      q: [
        [1, 2],
        [3, 4],
      ],
    }
    const r2: RemoteQ = {
      offers: ['n_2', 'a_1', 'n_1'],
      q: [
        [5, 6, 7],
        [8, 9, 10],
        [11, 12, 13],
      ],
    }
    const [b1, b2] = boundRemoteOffers(['a_1'], [r1, r2], 2)
    expect(b1).toBe(r1)
    expect(b2).toEqual({
      offers: ['a_1', 'n_1'],
      q: [
        [9, 10],
        [12, 13],
      ],
    })
  })

  it('keeps a learned table readable when a stranger gossips a table of 512 junk offers', () => {
    const junk = Array.from({ length: MAX_OFFERS }, (_, i) => `junk_${i}`)
    const out = learnFromOutcome(
      {
        table: v1(),
        inbox: { entries: [entry('sybil', constant(junk, 5), 'stranger')] },
        attempted: p,
        current: b,
        success: true,
        earnedMb: 0,
        investedSats: null,
        satsPerUsd: 1_000n,
        birthMs: 0,
        nowMs: 0,
      },
      { trimF: 1 },
    )
    expect(out.taken).toHaveLength(1)
    expect(out.table.offers).toHaveLength(MAX_OFFERS)
    expect(parseQTable(serializeQTable(out.table)).offers).toEqual(out.table.offers)
  })
})

describe('inheritQTable: the parent learned, merged with the family gossip', () => {
  it('moves every cell by the consensus term toward the family tables (F = 0), keeping E and counters', () => {
    const parent = v1() // every row [0.24, 0, 0.32]; K = {b: 1, p: 0, q: 1}
    const child = inheritQTable(parent, [entry('sibling', constant([b, p, q], 1), 'family')], 0)
    if (child === null) throw new Error('no table')
    // b: 0.24 + 0.212·(1 − 0.24); p: 0 + 0.2·1; q: 0.32 + 0.212·(1 − 0.32)
    expectRows(child, [0.40112, 0.2, 0.46416])
    expect(child.e).toEqual(parent.e)
    expect(child.counters).toEqual(parent.counters)
  })

  it('uses only family tables: known and stranger keys never shape a child', () => {
    const parent = v1()
    const child = inheritQTable(
      parent,
      [entry('k', constant([b, p, q], 9), 'known'), entry('s', constant([b, p, q], 9), 'stranger')],
      0,
    )
    expect(child).toBe(parent)
  })

  it('trims with the production F = 1: one liar among three relatives moves nothing past the honest range', () => {
    const child = inheritQTable(
      v1(),
      [
        entry('a', constant([b, p, q], 0.5), 'family'),
        entry('c', constant([b, p, q], 0.5), 'family'),
        entry('liar', constant([b, p, q], 1e6), 'family'),
      ],
      1,
    )
    if (child === null) throw new Error('no table')
    for (const row of child.q) for (const v of row) expect(v).toBeLessThanOrEqual(0.5)
  })

  it('adds offers only the family knows, and gives a child of a table-less parent the family table', () => {
    expect(inheritQTable(null, [], 0)).toBeNull()
    const child = inheritQTable(null, [entry('a', constant(['x_1'], 1), 'family')], 0)
    expect(child?.offers).toEqual(['x_1'])
    expect(child === null ? NaN : qValue(child, 'x_1', 'x_1')).toBeCloseTo(0.2, TOL)
  })
})
