import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryLogger } from '@dolly/base'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  GENOME_FILE,
  PURCHASES_DIR,
  PURCHASE_JOURNAL_FILE,
  QTABLE_FILE,
} from '../../daemon/adapters/agent-home.ts'
import { AGENT_RECORD_FILE, type AgentRecord } from '../../daemon/agent-record.ts'
import { STATE_DB_FILE } from '@dolly/ledger'
import { createRootGenome, createQTable } from '@dolly/learning'
import { initialLifecycle } from '../../lifecycle/state.ts'
import { createMemoryAgentStore } from './memory-store.ts'
import { openFileAgentStore } from './file-store.ts'

let home: string
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'dolly-agent-store-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

const record: AgentRecord = {
  format: 'dolly-agent',
  version: 1,
  tree: '0.1',
  parent: null,
  contacts: [],
  childIndex: 2,
  testnet: false,
  exitNode: false,
  createdAtMs: 5,
}

describe('the agent store', () => {
  it('keeps the home in its named files: a second store over the same home reads what the first wrote', async () => {
    const first = openFileAgentStore(home, { log: createMemoryLogger() })
    expect(await first.record.load()).toBeUndefined()
    expect(await first.qtable.load()).toBeUndefined()
    const genome = createRootGenome({ providers: ['a'], version: '0.1.0', exitNode: false })
    const table = createQTable(['a_x', 'b_y'])
    const state = initialLifecycle(1_000, 86_400_000)
    await first.record.save(record)
    await first.genome.save(genome)
    await first.qtable.save(table)
    first.lifecycle.save(state)
    first.lifecycle.recordMetric(1_000, 42n)
    await first.journal.append({
      purchaseId: 'abcdef0123456789',
      state: 'started',
      atMs: 1,
      provider: 'a',
      optionId: 'x',
    })
    await first.accounts.save({
      purchaseId: 'abcdef0123456789',
      provider: 'a',
      optionId: 'x',
      settings: {},
      data: {},
    })
    first.close()

    for (const file of [AGENT_RECORD_FILE, GENOME_FILE, QTABLE_FILE, STATE_DB_FILE, PURCHASE_JOURNAL_FILE]) {
      expect((await stat(join(home, file))).mode & 0o077).toBe(0)
    }
    expect((await stat(join(home, PURCHASES_DIR))).isDirectory()).toBe(true)
    const second = openFileAgentStore(home, { log: createMemoryLogger() })
    try {
      expect(await second.record.load()).toEqual(record)
      expect(await second.genome.load()).toEqual(genome)
      expect(await second.qtable.load()).toEqual(table)
      expect(second.lifecycle.load()).toEqual(state)
      expect(second.lifecycle.metrics(10)).toEqual([{ atMs: 1_000, spendableSats: 42n }])
      expect((await second.journal.readAll()).map((e) => e.purchaseId)).toEqual(['abcdef0123456789'])
      expect((await second.accounts.load('abcdef0123456789'))?.provider).toBe('a')
    } finally {
      second.close()
    }
  })

  it('refuses a Q-table file that is not JSON (coded), never reading it as empty', async () => {
    await writeFile(join(home, QTABLE_FILE), '{not json')
    const store = openFileAgentStore(home, { log: createMemoryLogger() })
    try {
      await expect(store.qtable.load()).rejects.toMatchObject({ code: 'REPLICATION_STATE_MALFORMED' })
      expect(await readFile(join(home, QTABLE_FILE), 'utf8')).toBe('{not json')
    } finally {
      store.close()
    }
  })

  it('in memory, holds what it is given and what is saved', async () => {
    const store = createMemoryAgentStore({ record })
    expect(await store.record.load()).toEqual(record)
    expect(store.lifecycle.load()).toBeUndefined()
    const state = initialLifecycle(0, 1_000)
    store.lifecycle.save(state)
    for (let i = 0; i < 5; i++) store.lifecycle.recordMetric(i, BigInt(i))
    expect(store.lifecycle.load()).toBe(state)
    expect(store.lifecycle.metrics(2)).toEqual([
      { atMs: 3, spendableSats: 3n },
      { atMs: 4, spendableSats: 4n },
    ])
    await store.qtable.save(createQTable(['a_b']))
    expect(store.qtable.peek()?.offers).toEqual(['a_b'])
  })
})
