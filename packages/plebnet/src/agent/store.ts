/**
 * The agent's home as one typed store (AGENT.md §5.2): its record, genome, Q-table, lifecycle state
 * and metrics, and cloudomate's purchase journal and accounts. The file adapter keeps today's files
 * (daemon/adapters/agent-home.ts names them); the memory adapter serves tests and the simulator.
 */
import type { AccountStore, JournalStore } from '@dolly/cloudomate'
import type { AgentRecord } from '../daemon/agent-record.ts'
import type { Genome, QTable } from '@dolly/learning'
import type { LifecycleStore } from '../lifecycle/adapters/state-store.ts'
import type { SellState } from '../strategies/sell-state.ts'

/** One document of the home: undefined before its first save. */
export interface DocumentStore<T> {
  load(): Promise<T | undefined>
  save(value: T): Promise<void>
}

/** The lifecycle state and its balance series (saved atomically, synchronously: a kill never halves one). */
export type LifecycleStateStore = Omit<LifecycleStore, 'close'>

/** The agent's home. */
export interface AgentStore {
  /** `agent.json`: tree path, parent, contacts, next child index. */
  readonly record: DocumentStore<AgentRecord>
  readonly genome: DocumentStore<Genome>
  readonly qtable: DocumentStore<QTable>
  /** `strategy.json`: the sell strategy's state and the journal of the order being placed. */
  readonly sell: DocumentStore<SellState>
  readonly lifecycle: LifecycleStateStore
  readonly journal: JournalStore
  readonly accounts: AccountStore
  /** Releases what the store holds open (the SQLite file); idempotent. */
  close(): void
}
