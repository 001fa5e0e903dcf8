import { DEFAULT_TRIM_F } from './constants.ts'
import type { RemoteQ } from './q-table.ts'

/**
 * How far we trust a sender, decided by the network layer (network/standing.ts): `family` (an
 * agent our own records name: parent, children, inherited contacts), `known` (its contact has been
 * held without a gap for long enough) or `stranger` (anyone else, including every fresh key).
 */
export type PeerStanding = 'family' | 'known' | 'stranger'

/** One neighbour's latest Q-table as received through gossip. */
export interface RemoteEntry {
  /** The sender's node id (gossip key `qtable/<nodeId>`). */
  readonly senderId: string
  /** When it was received, in ms of the agent's clock. */
  readonly receivedMs: number
  /** The parsed table. */
  readonly table: RemoteQ
  /** The sender's standing when the table was received. */
  readonly standing: PeerStanding
  /** Since when we have known the sender (its contact first held), ms; seniority among `known` senders. */
  readonly knownSinceMs: number
}

/** Pending remote tables: at most one per sender, the latest (ALGORITHMS.md §2.3 "Remote tables"). */
export interface RemoteInbox {
  /** Entries in no particular order; `takeRemotes` orders them. */
  readonly entries: readonly RemoteEntry[]
}

/** Bounds of an inbox (the network layer's constants INBOX_MAX_TABLES, INBOX_MAX_STRANGER_TABLES). */
export interface InboxLimits {
  /** Tables held at most. */
  readonly maxTables: number
  /** Tables of strangers held at most. */
  readonly maxStrangerTables: number
}

/** An inbox with nothing pending. */
export const EMPTY_INBOX: RemoteInbox = Object.freeze({ entries: Object.freeze([]) })

const RANK: Readonly<Record<PeerStanding, number>> = { family: 0, known: 1, stranger: 2 }

/** Oldest-received entry among `entries` matching `pick`, or undefined. */
function oldest(entries: readonly RemoteEntry[], pick: (e: RemoteEntry) => boolean): RemoteEntry | undefined {
  let out: RemoteEntry | undefined
  for (const e of entries) if (pick(e) && (out === undefined || e.receivedMs < out.receivedMs)) out = e
  return out
}

/**
 * The inbox with `entry` replacing whatever that sender had pending, within `limits`. Eviction is
 * by standing, so fresh keys cannot push out the tables that count: a stranger's table replaces
 * the oldest stranger table when the stranger share is full, and is dropped when the inbox is full
 * of family and known tables; a family or known table evicts the oldest table of the lowest
 * standing not above its own (strangers first), and is dropped only when nothing ranks below it.
 */
export function receiveRemote(inbox: RemoteInbox, entry: RemoteEntry, limits: InboxLimits): RemoteInbox {
  let entries = inbox.entries.filter((e) => e.senderId !== entry.senderId)
  const drop = (victim: RemoteEntry | undefined): boolean => {
    if (victim === undefined) return false
    entries = entries.filter((e) => e !== victim)
    return true
  }
  if (entry.standing === 'stranger') {
    const strangers = entries.filter((e) => e.standing === 'stranger').length
    if (strangers >= limits.maxStrangerTables && !drop(oldest(entries, (e) => e.standing === 'stranger')))
      return { entries }
  }
  while (entries.length >= limits.maxTables) {
    const rank = RANK[entry.standing]
    let victim: RemoteEntry | undefined
    for (let r = RANK.stranger; r >= rank && victim === undefined; r--)
      victim = oldest(entries, (e) => RANK[e.standing] === r)
    if (!drop(victim)) return { entries }
  }
  if (limits.maxTables <= 0 || (entry.standing === 'stranger' && limits.maxStrangerTables <= 0))
    return { entries }
  return { entries: [...entries, entry] }
}

const bySender = (x: RemoteEntry, y: RemoteEntry): number =>
  x.senderId < y.senderId ? -1 : x.senderId > y.senderId ? 1 : 0

/**
 * The tables to merge in the next update and the inbox without the ones taken (each table is
 * used once). Sybil-robust order: family first (most recent first), then known senders by
 * seniority (known longest first, so a key has to have been around longer than the honest
 * neighbours to displace them), then at most `maxStrangers` stranger tables (most recent first).
 * With `maxStrangers ≤ F`, the F-trimmed consensus of `updateQTable` keeps every merged value
 * inside the range of the family and known values, however many keys the strangers own.
 * Ties by sender id so the order is deterministic; at most `maxRemotes` tables in all.
 */
export function takeRemotes(
  inbox: RemoteInbox,
  maxRemotes: number,
  maxStrangers: number = DEFAULT_TRIM_F,
): {
  readonly tables: readonly RemoteQ[]
  /** The entries taken, in merge order (`tables[i]` is `taken[i].table`). */
  readonly taken: readonly RemoteEntry[]
  readonly inbox: RemoteInbox
} {
  const ordered = [...inbox.entries].sort((x, y) => {
    const rank = RANK[x.standing] - RANK[y.standing]
    if (rank !== 0) return rank
    if (x.standing === 'known' && x.knownSinceMs !== y.knownSinceMs) return x.knownSinceMs - y.knownSinceMs
    return y.receivedMs - x.receivedMs || bySender(x, y)
  })
  const taken: RemoteEntry[] = []
  const rest: RemoteEntry[] = []
  let strangers = 0
  for (const e of ordered) {
    const allowed = e.standing !== 'stranger' || strangers < Math.max(0, maxStrangers)
    if (taken.length < Math.max(0, maxRemotes) && allowed) {
      taken.push(e)
      if (e.standing === 'stranger') strangers += 1
    } else rest.push(e)
  }
  return { tables: taken.map((e) => e.table), taken, inbox: { entries: rest } }
}
