import { describe, expect, it } from 'vitest'
import { EMPTY_INBOX, receiveRemote, takeRemotes } from './remote-tables.ts'

const table = (v: number) => ({ offers: ['a_1'], q: [[v]] })

describe('remote Q-table inbox (ALGORITHMS.md §2.3)', () => {
  it('keeps only the latest table per sender', () => {
    let inbox = receiveRemote(EMPTY_INBOX, { senderId: 'n1', receivedMs: 1, table: table(1) })
    inbox = receiveRemote(inbox, { senderId: 'n1', receivedMs: 2, table: table(2) })
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
      inbox = receiveRemote(inbox, { senderId: id, receivedMs: ms, table: table(ms) })
    }
    const taken = takeRemotes(inbox, 3)
    expect(taken.tables.map((t) => t.q[0]?.[0])).toEqual([9, 5, 5])
    expect(taken.inbox.entries.map((e) => e.senderId)).toEqual(['d'])
    const again = takeRemotes(taken.inbox, 8)
    expect(again.tables).toHaveLength(1)
    expect(again.inbox.entries).toHaveLength(0)
  })
})
