import type { PeerStanding } from '@dolly/learning'
import {
  CONTACT_TTL_MS,
  MAX_ENTRIES_OF_KIND,
  MAX_ENTRIES_PER_KIND,
  MAX_STRANGER_ENTRIES,
  TIME_WINDOW_MS,
} from './constants.ts'
import { contactOf, ENTRY_KINDS, entryKey, type EntryKind, type SignedEntry } from './entry.ts'

/** Outcome of offering an entry to the store; `full` when its origin's standing gives it no room. */
export type AcceptResult = 'accepted' | 'stale' | 'expired' | 'future' | 'full'

/** Anti-entropy digest: key → version held (ALGORITHMS.md §11.2 step 1). */
export type Digest = Readonly<Record<string, number>>

/** The replicated store of signed entries, latest version per key. */
export interface EntryStore {
  /** The entry under `<kind>/<origin>`, if held. */
  get(kind: EntryKind, origin: string): SignedEntry | undefined
  /** Every entry of `kind` (or all), oldest version first. */
  all(kind?: EntryKind): readonly SignedEntry[]
  /** Key → version of everything held. */
  digest(): Digest
  /** Entries newer than what `remote` lists (or missing there), newest first, at most `limit`. */
  newerThan(remote: Digest, limit: number): readonly SignedEntry[]
  /** Stores a validated entry when it is newer than ours, not from the future and, for a contact, not expired. */
  accept(entry: SignedEntry, nowMs: number): AcceptResult
  /** Drops contacts past their expiry and entries not updated for `maxAgeMs`; returns the keys dropped. */
  expire(nowMs: number, maxAgeMs?: number): readonly string[]
  /** Drops every entry of `origin` (a dead peer's). */
  forget(origin: string): void
  /** When the key `<kind>/<origin>` was first stored (kept across newer versions), ms; undefined when not held. */
  firstSeenMs(kind: EntryKind, origin: string): number | undefined
  /** Number of entries held. */
  readonly size: number
  /** Entries held per kind. */
  count(kind: EntryKind): number
}

/** Options of an entry store. */
export interface EntryStoreOptions {
  /** Entries kept per kind (default 3,000); beyond it the oldest version is evicted. */
  readonly maxPerKind?: number
  /** Smaller caps of some kinds (default MAX_ENTRIES_OF_KIND: 1,000 debts); never above `maxPerKind`. */
  readonly maxOfKind?: Readonly<Partial<Record<EntryKind, number>>>
  /** Accepted clock skew of a version, ms (default 300 s). */
  readonly skewMs?: number
  /** Entries of strangers kept per kind (default MAX_STRANGER_ENTRIES). */
  readonly maxStrangersPerKind?: Readonly<Record<EntryKind, number>>
  /** An origin's standing now (network/standing.ts); default: every origin known (no stranger pool). */
  readonly standing?: (origin: string, nowMs: number) => PeerStanding
  /** Index in [0, n) of the stranger entry to evict (the engine draws it from its Rng); default 0, the first stored. */
  readonly pickVictim?: (n: number) => number
}

/**
 * Latest-version-wins store of ALGORITHMS.md §11.2. Entries arrive already validated and signature
 * checked (`parseEntry`); the store only orders versions. Versions are the origin's signing time,
 * so one from further ahead than the skew would pin the key for ever and is refused.
 *
 * Bounded per kind, with eviction by standing (network README, "Sybil resistance"): strangers hold
 * at most `maxStrangersPerKind`, and a new stranger entry evicts a random stranger entry, never a
 * family or known one; a family or known entry evicts a random stranger entry first, else the
 * oldest version of a known origin; family entries are never evicted by newcomers.
 */
export function createEntryStore(options: EntryStoreOptions = {}): EntryStore {
  const maxPerKindAll = options.maxPerKind ?? MAX_ENTRIES_PER_KIND
  const maxOfKind = options.maxOfKind ?? MAX_ENTRIES_OF_KIND
  const limitOf = (kind: EntryKind): number => Math.min(maxPerKindAll, maxOfKind[kind] ?? maxPerKindAll)
  const skewMs = options.skewMs ?? TIME_WINDOW_MS
  const maxStrangers = options.maxStrangersPerKind ?? MAX_STRANGER_ENTRIES
  const standing = options.standing ?? ((): PeerStanding => 'known')
  const pickVictim = options.pickVictim ?? ((): number => 0)
  const entries = new Map<string, SignedEntry>()
  const counts = new Map<EntryKind, number>()
  const firstSeen = new Map<string, number>()
  // Keys stored while their origin was a stranger, as an array with positions so a random one is
  // picked in O(1); a key whose origin has since become known is unmarked when it is picked.
  const strangerKeys = new Map<EntryKind, { keys: string[]; at: Map<string, number> }>()
  const strangersOf = (kind: EntryKind): { keys: string[]; at: Map<string, number> } => {
    let set = strangerKeys.get(kind)
    if (set === undefined) {
      set = { keys: [], at: new Map() }
      strangerKeys.set(kind, set)
    }
    return set
  }
  const unmark = (kind: EntryKind, key: string): void => {
    const set = strangerKeys.get(kind)
    const i = set?.at.get(key)
    if (set === undefined || i === undefined) return
    const last = set.keys.pop()
    if (last !== undefined && last !== key) {
      set.keys[i] = last
      set.at.set(last, i)
    }
    set.at.delete(key)
  }
  const remove = (key: string): void => {
    const old = entries.get(key)
    if (old === undefined) return
    entries.delete(key)
    firstSeen.delete(key)
    unmark(old.kind, key)
    counts.set(old.kind, (counts.get(old.kind) ?? 1) - 1)
  }
  /** A random key of a current stranger of `kind` (unmarking promoted ones on the way), or undefined. */
  const pickStranger = (kind: EntryKind, nowMs: number): string | undefined => {
    const set = strangersOf(kind)
    while (set.keys.length > 0) {
      const n = set.keys.length
      const key = set.keys[Math.min(n - 1, Math.max(0, Math.floor(pickVictim(n))))] ?? ''
      const e = entries.get(key)
      if (e !== undefined && standing(e.origin, nowMs) === 'stranger') return key
      unmark(kind, key)
    }
    return undefined
  }
  const evictRandomStranger = (kind: EntryKind, nowMs: number): boolean => {
    const key = pickStranger(kind, nowMs)
    if (key === undefined) return false
    remove(key)
    return true
  }
  const evictOldestKnown = (kind: EntryKind, nowMs: number): boolean => {
    let oldest: SignedEntry | undefined
    for (const e of entries.values())
      if (
        e.kind === kind &&
        standing(e.origin, nowMs) !== 'family' &&
        (oldest === undefined || e.version < oldest.version)
      )
        oldest = e
    if (oldest === undefined) return false
    remove(entryKey(oldest))
    return true
  }
  /** Makes room for a new key of an origin of `rank`; false when its standing gives it none. */
  const makeRoom = (kind: EntryKind, rank: PeerStanding, nowMs: number): boolean => {
    if (rank === 'stranger') {
      if (maxStrangers[kind] <= 0) return false
      const set = strangersOf(kind)
      while (set.keys.length >= maxStrangers[kind]) if (!evictRandomStranger(kind, nowMs)) break
    }
    if ((counts.get(kind) ?? 0) < limitOf(kind)) return true
    if (evictRandomStranger(kind, nowMs)) return true
    return rank !== 'stranger' && evictOldestKnown(kind, nowMs)
  }
  return {
    get: (kind, origin) => entries.get(`${kind}/${origin}`),
    all(kind) {
      const list = [...entries.values()].filter((e) => kind === undefined || e.kind === kind)
      return list.sort((x, y) => x.version - y.version)
    },
    digest() {
      const out: Record<string, number> = {}
      for (const [key, e] of entries) out[key] = e.version
      return out
    },
    newerThan(remote, limit) {
      const out: SignedEntry[] = []
      for (const [key, e] of entries) {
        const theirs = Object.hasOwn(remote, key) ? remote[key] : undefined
        if (theirs === undefined || e.version > theirs) out.push(e)
      }
      return out.sort((x, y) => y.version - x.version).slice(0, Math.max(0, limit))
    },
    accept(entry, nowMs) {
      if (entry.version > nowMs + skewMs) return 'future'
      if (entry.kind === 'contact' && (contactOf(entry)?.expiresMs ?? 0) <= nowMs) return 'expired'
      const key = entryKey(entry)
      const held = entries.get(key)
      if (held !== undefined && held.version >= entry.version) return 'stale'
      if (held === undefined) {
        const rank = standing(entry.origin, nowMs)
        if (!makeRoom(entry.kind, rank, nowMs)) return 'full'
        counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1)
        firstSeen.set(key, nowMs)
        if (rank === 'stranger') {
          const set = strangersOf(entry.kind)
          set.at.set(key, set.keys.length)
          set.keys.push(key)
        }
      }
      entries.set(key, entry)
      return 'accepted'
    },
    expire(nowMs, maxAgeMs = CONTACT_TTL_MS) {
      const dropped: string[] = []
      for (const [key, e] of entries) {
        const expired = e.kind === 'contact' && (contactOf(e)?.expiresMs ?? 0) <= nowMs
        if (expired || e.version < nowMs - maxAgeMs) dropped.push(key)
      }
      for (const key of dropped) remove(key)
      return dropped
    },
    forget(origin) {
      for (const kind of ENTRY_KINDS) remove(`${kind}/${origin}`)
    },
    firstSeenMs: (kind, origin) => firstSeen.get(`${kind}/${origin}`),
    get size() {
      return entries.size
    },
    count: (kind) => counts.get(kind) ?? 0,
  }
}
