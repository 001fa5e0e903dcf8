import type { Logger } from '@dolly/base'
import type { LearnOptions } from './learn-step.ts'
import type { RemoteEntry, RemoteInbox } from './remote-tables.ts'

/**
 * What learning needs from the rest of the agent, as two narrow ports: the neighbours' gossiped
 * Q-tables (the overlay) and the MB the agent earned (the ledger). Adapters:
 * network/adapters/remote-tables.ts (over the running overlay, or over the `remote-qtables.json`
 * the daemon writes when the tick runs in another process) and ledger/adapters/earnings.ts.
 */

/** The remote Q-tables as the overlay holds them, each with its sender's standing. */
export interface RemoteTables {
  /** The tables not merged yet: the latest per sender, bounded like the overlay's inbox. */
  pending(): Promise<RemoteInbox>
  /**
   * Marks `taken` as merged (ALGORITHMS.md §2.3: each table is used once): a later `pending` leaves
   * out these versions; a sender's next version is pending again. Call after the table is saved.
   */
  markUsed(taken: readonly RemoteEntry[]): Promise<void>
}

/** The MB tokens the agent earned, from its ledger balance. */
export interface Earnings {
  /**
   * MB earned since `sinceMs`: the growth of the agent's bandwidth balance (total up − total down)
   * from its last block at or before `sinceMs` to its latest, and 0 when it shrank or nothing was
   * earned yet. Finite and ≥ 0.
   */
  earnedMbSince(sinceMs: number): Promise<number>
}

/** What the learning step of the tick talks to (see `learnFromOutcome` in learn-step.ts). */
export interface LearnPorts {
  readonly remoteTables: RemoteTables
  readonly earnings: Earnings
  /** `[qd]` tunables (defaults: trim F 1, 8 remotes, reward cap 1). */
  readonly options?: LearnOptions
  /** Where the step reports what it merged and a reward it could not price (default silent). */
  readonly log?: Logger
}
