import { createMemoryAccountStore, createMemoryJournalStore } from '@dolly/cloudomate'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import type { Genome, QTable } from '@dolly/learning'
import type { LifecycleState } from '../../lifecycle/state.ts'
import type { SellState } from '../../strategies/sell-state.ts'
import type { AgentStore, DocumentStore } from '../store.ts'

/** A document in memory; `peek` reads it synchronously. */
export type MemoryDocument<T> = DocumentStore<T> & { peek(): T | undefined }

function memoryDocument<T>(initial: T | undefined): MemoryDocument<T> {
  let value = initial
  return {
    load: () => Promise.resolve(value),
    save: (next) => {
      value = next
      return Promise.resolve()
    },
    peek: () => value,
  }
}

/** The agent's home in memory (tests, the simulator). */
export type MemoryAgentStore = AgentStore & {
  readonly record: MemoryDocument<AgentRecord>
  readonly genome: MemoryDocument<Genome>
  readonly qtable: MemoryDocument<QTable>
  readonly sell: MemoryDocument<SellState>
}

/** A home in memory holding `initial`. */
export function createMemoryAgentStore(
  initial: {
    readonly record?: AgentRecord
    readonly genome?: Genome
    readonly qtable?: QTable
    readonly lifecycle?: LifecycleState
    readonly sell?: SellState
  } = {},
): MemoryAgentStore {
  let state = initial.lifecycle
  const metrics: { atMs: number; spendableSats: bigint }[] = []
  return {
    record: memoryDocument(initial.record),
    genome: memoryDocument(initial.genome),
    qtable: memoryDocument(initial.qtable),
    sell: memoryDocument(initial.sell),
    lifecycle: {
      load: () => state,
      save: (next) => {
        state = next
      },
      recordMetric: (atMs, spendableSats) => {
        metrics.push({ atMs, spendableSats })
      },
      metrics: (limit) => metrics.slice(-limit),
    },
    journal: createMemoryJournalStore(),
    accounts: createMemoryAccountStore(),
    close: () => undefined,
  }
}
