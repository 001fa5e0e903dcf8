import type { RemoteQ } from './q-table.ts'

/** One neighbour's latest Q-table as received through gossip. */
export interface RemoteEntry {
  /** The sender's node id (gossip key `qtable/<nodeId>`). */
  readonly senderId: string
  /** When it was received, in ms of the agent's clock. */
  readonly receivedMs: number
  /** The parsed table. */
  readonly table: RemoteQ
}

/** Pending remote tables: at most one per sender, the latest (ALGORITHMS.md §2.3 "Remote tables"). */
export interface RemoteInbox {
  /** Entries in no particular order; `takeRemotes` orders them. */
  readonly entries: readonly RemoteEntry[]
}

/** An inbox with nothing pending. */
export const EMPTY_INBOX: RemoteInbox = Object.freeze({ entries: Object.freeze([]) })

/** The inbox with `entry` replacing whatever that sender had pending. */
export function receiveRemote(inbox: RemoteInbox, entry: RemoteEntry): RemoteInbox {
  return { entries: [...inbox.entries.filter((e) => e.senderId !== entry.senderId), entry] }
}

/**
 * The tables to merge in the next update, most recently received first (ties by sender id so the
 * order is deterministic), at most `maxRemotes` of them, and the inbox without the ones taken:
 * each table is used once.
 */
export function takeRemotes(
  inbox: RemoteInbox,
  maxRemotes: number,
): { readonly tables: readonly RemoteQ[]; readonly inbox: RemoteInbox } {
  const ordered = [...inbox.entries].sort(
    (x, y) => y.receivedMs - x.receivedMs || (x.senderId < y.senderId ? -1 : x.senderId > y.senderId ? 1 : 0),
  )
  const taken = ordered.slice(0, Math.max(0, maxRemotes))
  return { tables: taken.map((e) => e.table), inbox: { entries: ordered.slice(taken.length) } }
}
