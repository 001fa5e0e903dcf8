import { describe, expect, it } from 'vitest'
import { DEFAULT_TRIM_F } from './constants.ts'
import { createQTable, updateQTable, type RemoteQ } from './q-table.ts'
import {
  EMPTY_INBOX,
  receiveRemote,
  takeRemotes,
  type PeerStanding,
  type RemoteEntry,
} from './remote-tables.ts'

const table = (v: number) => ({ offers: ['a_1'], q: [[v]] })
const LIMITS = { maxTables: 64, maxStrangerTables: 8 }
const entry = (
  senderId: string,
  receivedMs: number,
  standing: PeerStanding = 'known',
  v: number = receivedMs,
  knownSinceMs = 0,
): RemoteEntry => ({ senderId, receivedMs, table: table(v), standing, knownSinceMs })

describe('remote Q-table inbox (ALGORITHMS.md §2.3)', () => {
  it('keeps only the latest table per sender', () => {
    let inbox = receiveRemote(EMPTY_INBOX, entry('n1', 1), LIMITS)
    inbox = receiveRemote(inbox, entry('n1', 2), LIMITS)
    expect(inbox.entries).toHaveLength(1)
    expect(inbox.entries[0]?.table.q[0]?.[0]).toBe(2)
  })

  it('takes at most max tables, most recent first, ties by sender, and keeps the rest', () => {
    let inbox = EMPTY_INBOX
    for (const [id, ms] of [
      ['b', 5],
      ['a', 5],
      ['c', 9],
      ['d', 1],
    ] as const) {
      inbox = receiveRemote(inbox, entry(id, ms, 'family'), LIMITS)
    }
    const taken = takeRemotes(inbox, 3)
    expect(taken.tables.map((t) => t.q[0]?.[0])).toEqual([9, 5, 5])
    expect(taken.inbox.entries.map((e) => e.senderId)).toEqual(['d'])
    const again = takeRemotes(taken.inbox, 8)
    expect(again.tables).toHaveLength(1)
    expect(again.inbox.entries).toHaveLength(0)
  })
})

describe('remote Q-tables under a Sybil flood', () => {
  const flood = (): ReturnType<typeof receiveRemote> => {
    let inbox = EMPTY_INBOX
    inbox = receiveRemote(inbox, entry('parent', 10, 'family', 0.5), LIMITS)
    inbox = receiveRemote(inbox, entry('child', 11, 'family', 0.5), LIMITS)
    for (let i = 0; i < 4; i++)
      inbox = receiveRemote(inbox, entry(`old${i}`, 12 + i, 'known', 0.5, i), LIMITS)
    // 6,000 fresh keys, each newer than every honest table.
    for (let i = 0; i < 6000; i++)
      inbox = receiveRemote(inbox, entry(`sybil${i}`, 100 + i, 'stranger', 1), LIMITS)
    return inbox
  }

  it('holds at most the stranger share of the inbox, and strangers never evict family or known tables', () => {
    const inbox = flood()
    const strangers = inbox.entries.filter((e) => e.standing === 'stranger')
    expect(strangers).toHaveLength(LIMITS.maxStrangerTables)
    expect(inbox.entries.length).toBeLessThanOrEqual(LIMITS.maxTables)
    expect(
      inbox.entries
        .filter((e) => e.standing !== 'stranger')
        .map((e) => e.senderId)
        .sort(),
    ).toEqual(['child', 'old0', 'old1', 'old2', 'old3', 'parent'])
  })

  it('a full inbox refuses a stranger but makes room for a known table by evicting a stranger', () => {
    const small = { maxTables: 4, maxStrangerTables: 4 }
    let inbox = EMPTY_INBOX
    for (let i = 0; i < 4; i++) inbox = receiveRemote(inbox, entry(`k${i}`, i, 'known'), small)
    inbox = receiveRemote(inbox, entry('s', 9, 'stranger'), small)
    expect(inbox.entries.map((e) => e.senderId)).not.toContain('s')
    let mixed = EMPTY_INBOX
    for (let i = 0; i < 4; i++) mixed = receiveRemote(mixed, entry(`s${i}`, i, 'stranger'), small)
    mixed = receiveRemote(mixed, entry('k', 9, 'known'), small)
    expect(mixed.entries.map((e) => e.senderId)).toContain('k')
    expect(mixed.entries).toHaveLength(4)
  })

  it('takes family first, then the longest-known, and at most F stranger tables', () => {
    const taken = takeRemotes(flood(), 8)
    const inbox = flood()
    const ids = takeRemotes(inbox, 8).tables.map((t) => inbox.entries.find((e) => e.table === t)?.senderId)
    expect(ids.slice(0, 6)).toEqual(['child', 'parent', 'old0', 'old1', 'old2', 'old3'])
    expect(ids.filter((id) => id?.startsWith('sybil') === true)).toHaveLength(DEFAULT_TRIM_F)
    expect(taken.tables).toHaveLength(7)
  })

  it('keeps the trimmed consensus inside the honest values although the Sybils sent the newest tables', () => {
    const { tables } = takeRemotes(flood(), 8)
    const mine = createQTable(['a_1'])
    const next = updateQTable(mine, {
      attempted: 'a_1',
      current: 'a_1',
      success: true,
      reward: 0,
      remotes: tables as readonly RemoteQ[],
    })
    // Honest neighbours say 0.5, the 6,000 Sybils 1.0: the consensus term must pull towards 0.5 only.
    const consensusOnly = updateQTable(mine, {
      attempted: 'a_1',
      current: 'a_1',
      success: true,
      reward: 0,
      remotes: Array.from({ length: 5 }, () => table(0.5)),
    })
    expect(next.q[0]?.[0]).toBeCloseTo(consensusOnly.q[0]?.[0] ?? Number.NaN, 12)
  })
})
