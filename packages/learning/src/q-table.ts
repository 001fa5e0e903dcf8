import {
  ALPHA_FLOOR,
  ALPHA_START,
  BETA_CAP,
  BETA_START,
  DEFAULT_TRIM_F,
  DISCOUNT,
  ENVIRONMENT_STEP,
  MAX_OFFERS,
  SCHEDULE_STEP,
} from './constants.ts'
import { DecisionError } from './errors.ts'

/**
 * The QD-learning state of one agent (ALGORITHMS.md §2): Q and the learned environment E over
 * offers × offers, plus one update counter per column. Row/column `i` is `offers[i]`; a new offer
 * is appended, so what was learned about the others is never moved or lost.
 */
export interface QTable {
  /** Offer ids in row/column order, unique. */
  readonly offers: readonly string[]
  /** `q[s][t]`: value of buying offer t for a child while living on offer s. */
  readonly q: readonly (readonly number[])[]
  /** `e[s][t]`: the learned reward ("environment") table. */
  readonly e: readonly (readonly number[])[]
  /** `counters[t]`: completed updates of column t; α and β of the column follow from it. */
  readonly counters: readonly number[]
}

/** What QD-learning reads from a neighbour: its offers and its Q (a parsed gossip `qtable/<id>`). */
export interface RemoteQ {
  /** The neighbour's offer ids, in its own order. */
  readonly offers: readonly string[]
  /** The neighbour's Q, indexed like its `offers`. */
  readonly q: readonly (readonly number[])[]
}

/** One purchase outcome to learn from (ALGORITHMS.md §2.3 `update(remotes, a, success, r)`). */
export interface QUpdate {
  /** The offer the agent tried to buy for a child (action a). */
  readonly attempted: string
  /** The offer the agent lives on (state c). */
  readonly current: string
  /** Whether the purchase succeeded (payment broadcast and recorded). */
  readonly success: boolean
  /** The reward of the current server (`computeReward`), finite. */
  readonly reward: number
  /** Neighbours' tables to merge, at most `qd.max_remotes`, most recent first. */
  readonly remotes: readonly RemoteQ[]
}

/** Options of an update. */
export interface QUpdateOptions {
  /** Trim F: per cell, drop the F highest and F lowest remote values (default 1). */
  readonly trimF?: number
}

/** α of a column after `k` completed updates: `max(0.2, 0.8 − 0.012·k)`. */
export function alphaOf(k: number): number {
  return Math.max(ALPHA_FLOOR, ALPHA_START - SCHEDULE_STEP * k)
}

/** β of a column after `k` completed updates: `min(0.8, 0.2 + 0.012·k)`; α + β = 1 always. */
export function betaOf(k: number): number {
  return Math.min(BETA_CAP, BETA_START + SCHEDULE_STEP * k)
}

/** A table over `offerIds` (duplicates dropped, order kept) with Q = E = 0 and K = 0. */
export function createQTable(offerIds: readonly string[]): QTable {
  return withOffers({ offers: [], q: [], e: [], counters: [] }, offerIds)
}

/**
 * The table extended by the offers it does not know yet, with zero rows, columns and counters.
 * Known offers keep their values: a catalogue change (new, vanished or re-priced offers) never
 * loses what was learned. Vanished offers are not removed; availability lives in the catalogue.
 */
export function withOffers(table: QTable, offerIds: readonly string[]): QTable {
  const known = new Set(table.offers)
  const added: string[] = []
  for (const id of offerIds) {
    if (!known.has(id)) {
      known.add(id)
      added.push(id)
    }
  }
  if (added.length === 0) return table
  const n = table.offers.length + added.length
  const grow = (rows: readonly (readonly number[])[]): number[][] => {
    const out = rows.map((row) => [...row, ...added.map(() => 0)])
    for (let i = rows.length; i < n; i++) out.push(new Array<number>(n).fill(0))
    return out
  }
  return {
    offers: [...table.offers, ...added],
    q: grow(table.q),
    e: grow(table.e),
    counters: [...table.counters, ...added.map(() => 0)],
  }
}

/** `Q[s][t]`, or undefined when either offer is unknown to the table. */
export function qValue(table: QTable, s: string, t: string): number | undefined {
  const i = table.offers.indexOf(s)
  const j = table.offers.indexOf(t)
  if (i < 0 || j < 0) return undefined
  return table.q[i]?.[j]
}

/**
 * The F-trimmed values (ALGORITHMS.md §2.3 `trim`): sorted; all of them when F = 0; none when at
 * most 2F are given; otherwise without the F lowest and F highest. With at most F liars among the
 * senders, every value kept lies within the range of the honest ones.
 */
export function trimValues(values: readonly number[], trimF: number): number[] {
  const sorted = [...values].sort((x, y) => x - y)
  if (trimF === 0) return sorted
  if (sorted.length <= 2 * trimF) return []
  return sorted.slice(trimF, sorted.length - trimF)
}

/** The trim F, checked: a negative or fractional F is a caller bug (PLEBNET_OPTIONS_INVALID). */
function checkTrimF(trimF: number): number {
  if (!Number.isSafeInteger(trimF) || trimF < 0) {
    throw new DecisionError(
      'PLEBNET_OPTIONS_INVALID',
      `trim F must be a non-negative integer, got ${trimF}`,
      {
        trimF,
      },
    )
  }
  return trimF
}

/**
 * A lookup of cell (s, t) across the remote tables: the finite values present, in table order.
 * Each remote's offer ids are indexed once, so a lookup is two Map reads per table.
 */
function remoteCells(remotes: readonly RemoteQ[]): (s: string, t: string) => number[] {
  const index = remotes.map((r) => new Map(r.offers.map((id, i) => [id, i])))
  return (s, t) => {
    const present: number[] = []
    remotes.forEach((remote, r) => {
      const rs = index[r]?.get(s)
      const rt = index[r]?.get(t)
      if (rs === undefined || rt === undefined) return
      const v = remote.q[rs]?.[rt]
      if (v !== undefined && Number.isFinite(v)) present.push(v)
    })
    return present
  }
}

/**
 * The consensus term of ALGORITHMS.md §2.3, `−βe·Σ_{v∈kept}(Q − v)`, for a column after `k`
 * updates: βe = β(k) with at most one kept value, else `min(β(k), (1 − α(k))/|kept|)` (the
 * stability guard: with m ≥ 2 merged tables the raw β would give Q a negative weight).
 */
export function consensusTerm(old: number, kept: readonly number[], k: number): number {
  const alpha = alphaOf(k)
  const beta = betaOf(k)
  const betaEff = kept.length <= 1 ? beta : Math.min(beta, (1 - alpha) / kept.length)
  let disagreement = 0
  for (const v of kept) disagreement += old - v
  return -betaEff * disagreement
}

/**
 * The remote tables cut to the offers a table may still take in (ALGORITHMS.md §2.3: offers unknown
 * locally are added), so the merged table stays within `maxOffers` (the codec's MAX_OFFERS: a table
 * over more could be written and never read back). `local` offers always count; new offers are
 * admitted in the remotes' order (the Sybil rule's: family first) until the bound is reached, and
 * each remote keeps only its rows and columns of admitted offers. A remote that loses nothing is
 * returned as it was.
 */
export function boundRemoteOffers(
  local: readonly string[],
  remotes: readonly RemoteQ[],
  maxOffers: number = MAX_OFFERS,
): RemoteQ[] {
  const admitted = new Set(local)
  for (const r of remotes)
    for (const id of r.offers) if (admitted.size < maxOffers || admitted.has(id)) admitted.add(id)
  return remotes.map((r) => {
    if (r.offers.every((id) => admitted.has(id))) return r
    const keep = r.offers.flatMap((id, i) => (admitted.has(id) ? [i] : []))
    return {
      offers: keep.map((i) => r.offers[i] ?? ''),
      q: keep.map((i) => keep.map((j) => r.q[i]?.[j] ?? 0)),
    }
  })
}

/**
 * The consensus half of the update alone, on every cell: `Q[s][t] += consensusTerm(Q[s][t],
 * trim(remote values), K[t])`. E and the counters are kept (nothing was tried, nothing earned), and
 * offers only a remote knows are added first with Q = E = 0 and K = 0, up to MAX_OFFERS in all
 * (`boundRemoteOffers`). A cell no remote holds, or
 * whose values the trim drops entirely, keeps its value. Used to hand a child its parent's table
 * merged with the family's (`inheritQTable`).
 *
 * Throws `PLEBNET_OPTIONS_INVALID` for a bad trim F.
 */
export function mergeRemotes(
  table: QTable,
  remotes: readonly RemoteQ[],
  trimF: number = DEFAULT_TRIM_F,
): QTable {
  checkTrimF(trimF)
  if (remotes.length === 0) return table
  const bounded = boundRemoteOffers(table.offers, remotes)
  const base = withOffers(
    table,
    bounded.flatMap((r) => r.offers),
  )
  const cell = remoteCells(bounded)
  const q = base.q.map((row, s) =>
    row.map((old, t) => {
      const kept = trimValues(cell(base.offers[s] ?? '', base.offers[t] ?? ''), trimF)
      return kept.length === 0 ? old : old + consensusTerm(old, kept, base.counters[t] ?? 0)
    }),
  )
  return { ...base, q }
}

/**
 * One QD-learning update, the intended rule of ALGORITHMS.md §2.3 (not the original's precedence
 * bug, column max or double step; see §2.2): the environment learns ±0.4 on the attempted column
 * and the reward on the current column, then every row of those columns moves by the trimmed
 * consensus −βe·Σ(Q − R) and the innovation α·(E + γ·max_y Q[t][y] − Q), both read from the old Q.
 * Offers unknown locally (attempted, current, or in a remote table) are added first.
 *
 * Throws `PLEBNET_OPTIONS_INVALID` for a non-finite reward or a bad trim F (a caller bug).
 */
export function updateQTable(table: QTable, update: QUpdate, options: QUpdateOptions = {}): QTable {
  const trimF = checkTrimF(options.trimF ?? DEFAULT_TRIM_F)
  if (!Number.isFinite(update.reward)) {
    throw new DecisionError('PLEBNET_OPTIONS_INVALID', `reward must be finite, got ${update.reward}`, {
      reward: update.reward,
    })
  }
  const base = withOffers(table, [
    update.attempted,
    update.current,
    ...update.remotes.flatMap((r) => r.offers),
  ])
  const n = base.offers.length
  const index = new Map(base.offers.map((id, i) => [id, i]))
  const a = index.get(update.attempted) ?? -1
  const c = index.get(update.current) ?? -1
  const step = update.success ? ENVIRONMENT_STEP : -ENVIRONMENT_STEP
  const e = base.e.map((row) => {
    const next = [...row]
    next[a] = (next[a] ?? 0) + step
    next[c] = (next[c] ?? 0) + update.reward
    return next
  })
  const cell = remoteCells(update.remotes)
  const columns = a === c ? [a] : [a, c]
  const q = base.q.map((row) => [...row])
  for (const t of columns) {
    const k = base.counters[t] ?? 0
    const alpha = alphaOf(k)
    const nextRowMax = Math.max(...(base.q[t] ?? [0]))
    for (let s = 0; s < n; s++) {
      const old = base.q[s]?.[t] ?? 0
      const kept = trimValues(cell(base.offers[s] ?? '', base.offers[t] ?? ''), trimF)
      const consensus = consensusTerm(old, kept, k)
      const innovation = alpha * ((e[s]?.[t] ?? 0) + DISCOUNT * nextRowMax - old)
      const row = q[s]
      if (row !== undefined) row[t] = old + consensus + innovation
    }
  }
  const counters = [...base.counters]
  for (const t of columns) counters[t] = (counters[t] ?? 0) + 1
  return { offers: base.offers, q, e, counters }
}
