import { CONTACT_TTL_MS, MAX_ENTRIES_PER_KIND, TIME_WINDOW_MS } from './constants.ts'
import { contactOf, entryKey, type EntryKind, type SignedEntry } from './entry.ts'

/** Outcome of offering an entry to the store. */
export type AcceptResult = 'accepted' | 'stale' | 'expired' | 'future'

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
  /** Number of entries held. */
  readonly size: number
}

/** Options of an entry store. */
export interface EntryStoreOptions {
  /** Entries kept per kind (default 3,000); beyond it the oldest version is evicted. */
  readonly maxPerKind?: number
  /** Accepted clock skew of a version, ms (default 300 s). */
  readonly skewMs?: number
}

/**
 * Latest-version-wins store of ALGORITHMS.md §11.2. Entries arrive already validated and signature
 * checked (`parseEntry`); the store only orders versions. Versions are the origin's signing time,
 * so one from further ahead than the skew would pin the key for ever and is refused.
 */
export function createEntryStore(options: EntryStoreOptions = {}): EntryStore {
  const maxPerKind = options.maxPerKind ?? MAX_ENTRIES_PER_KIND
  const skewMs = options.skewMs ?? TIME_WINDOW_MS
  const entries = new Map<string, SignedEntry>()
  const counts = new Map<EntryKind, number>()
  const remove = (key: string): void => {
    const old = entries.get(key)
    if (old === undefined) return
    entries.delete(key)
    counts.set(old.kind, (counts.get(old.kind) ?? 1) - 1)
  }
  const evictOldest = (kind: EntryKind): void => {
    let oldest: SignedEntry | undefined
    for (const e of entries.values())
      if (e.kind === kind && (oldest === undefined || e.version < oldest.version)) oldest = e
    if (oldest !== undefined) remove(entryKey(oldest))
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
      if (held === undefined && (counts.get(entry.kind) ?? 0) >= maxPerKind) evictOldest(entry.kind)
      if (held === undefined) counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1)
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
      for (const kind of ['contact', 'qtable', 'status'] as const) remove(`${kind}/${origin}`)
    },
    get size() {
      return entries.size
    },
  }
}
