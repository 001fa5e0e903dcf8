import type { Rng } from '@dolly/base'
import type { SignedEntry } from './entry.ts'

/** One slot of a CYCLON view: a neighbour's signed contact and how many shuffles it has been there. */
export interface ViewEntry {
  /** Hex id of the neighbour (its contact's origin). */
  readonly id: string
  readonly age: number
  readonly contact: SignedEntry
}

/** A partial view: at most `viewSize` distinct neighbours, never ourselves. */
export type View = readonly ViewEntry[]

/** Every entry one shuffle older (ALGORITHMS.md §11.1 `age += 1`). */
export function ageView(view: View): View {
  return view.map((e) => ({ ...e, age: e.age + 1 }))
}

/** `count` distinct random entries of `entries` (partial Fisher–Yates on a copy). */
export function sample<T>(entries: readonly T[], count: number, rng: Rng): T[] {
  const pool = [...entries]
  const n = Math.min(Math.max(0, count), pool.length)
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(pool.length - i)
    const tmp = pool[i] as T
    pool[i] = pool[j] as T
    pool[j] = tmp
  }
  return pool.slice(0, n)
}

/** The start of a shuffle: the target, the entries sent along, and the view without the target. */
export interface ShufflePlan {
  readonly target: ViewEntry
  /** ℓ − 1 other random entries (our own fresh contact is added by the caller). */
  readonly sent: readonly ViewEntry[]
  /** The view with the target removed: it stays removed whether or not it replies. */
  readonly view: View
}

/**
 * CYCLON's active step (Voulgaris et al. 2005; ALGORITHMS.md §11.1): the oldest neighbour is the
 * target (ties: the first, so a seeded run is deterministic), and ℓ − 1 random others go along.
 * Undefined for an empty view. Call on a view already aged by `ageView`.
 */
export function planShuffle(view: View, shuffleSize: number, rng: Rng): ShufflePlan | undefined {
  let target: ViewEntry | undefined
  for (const e of view) if (target === undefined || e.age > target.age) target = e
  if (target === undefined) return undefined
  const rest = view.filter((e) => e !== target)
  return { target, sent: sample(rest, shuffleSize - 1, rng), view: rest }
}

/**
 * CYCLON's merge: drop received entries that point to us or are already in the view (keeping the
 * fresher contact), fill empty slots first, then replace the entries we sent. Received entries
 * come in with age 0 when they are the sender's own record, else with the age they carried.
 */
export function mergeView(
  view: View,
  received: readonly ViewEntry[],
  sent: readonly ViewEntry[],
  options: { readonly selfId: string; readonly viewSize: number },
): View {
  const next = [...view]
  const replaceable = sent.map((e) => e.id).filter((id) => next.some((n) => n.id === id))
  const seen = new Set<string>()
  for (const r of received) {
    if (r.id === options.selfId || seen.has(r.id)) continue
    seen.add(r.id)
    const present = next.findIndex((e) => e.id === r.id)
    if (present >= 0) {
      const old = next[present]
      if (old !== undefined && r.contact.version > old.contact.version)
        next[present] = { ...old, contact: r.contact }
      continue
    }
    if (next.length < options.viewSize) {
      next.push(r)
      continue
    }
    const victim = replaceable.shift()
    if (victim === undefined) break
    const at = next.findIndex((e) => e.id === victim)
    if (at >= 0) next[at] = r
  }
  return next
}
