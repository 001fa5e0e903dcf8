import type { MetricName } from './constants.ts'
import type { Observation } from './observation.ts'

/** One point of a time series. */
export interface Point {
  readonly atMs: number
  readonly value: number
}

/** What the store knows of one tree path: the latest `general` for it, when it was seen, its goodbye. */
export interface NodeRecord {
  readonly tree: string
  readonly nick: string
  readonly host: string
  readonly option: string
  readonly vpn: boolean
  readonly exitnode: boolean
  readonly firstSeenMs: number
  readonly lastSeenMs: number
  /** When it said goodbye, or null. */
  readonly goodbyeMs: number | null
}

/** The store port: where the tracker's observations go and where the web app reads them. */
export interface VisionStore {
  /** Records one observation. */
  add(observation: Observation): void
  /** The newest `limit` points of `nick`'s `metric`, oldest first. */
  series(nick: string, metric: MetricName, limit: number): readonly Point[]
  /** Every tree path seen in a `general` reply or a goodbye. */
  nodes(): readonly NodeRecord[]
  /** Releases the store (idempotent). */
  close(): void
}

/** A store that also tells listeners of each observation (the web app's live updates). */
export interface LiveStore extends VisionStore {
  /** Calls `listener` after each `add`; returns the unsubscribe function. */
  subscribe(listener: (observation: Observation) => void): () => void
}

/**
 * The node record of `observation`'s tree after it (undefined when the observation is a metric, which
 * says nothing of the tree). `last_seen` moves with each `general` reply (§12); a goodbye keeps its
 * first time.
 */
export function nodeAfter(prev: NodeRecord | undefined, o: Observation): NodeRecord | undefined {
  if (o.kind === 'metric') return undefined
  if (o.kind === 'goodbye')
    return prev === undefined
      ? Object.freeze({
          tree: o.tree,
          nick: o.nick,
          host: '',
          option: '',
          vpn: false,
          exitnode: false,
          firstSeenMs: o.atMs,
          lastSeenMs: o.atMs,
          goodbyeMs: o.atMs,
        })
      : Object.freeze({ ...prev, goodbyeMs: prev.goodbyeMs ?? o.atMs })
  const g = o.general
  const newer = prev === undefined || o.atMs >= prev.lastSeenMs
  const base = newer
    ? { tree: g.tree, nick: o.nick, host: g.host, option: g.option, vpn: g.vpn, exitnode: g.exitnode }
    : prev
  return Object.freeze({
    tree: g.tree,
    nick: base.nick,
    host: base.host,
    option: base.option,
    vpn: base.vpn,
    exitnode: base.exitnode,
    firstSeenMs: Math.min(prev?.firstSeenMs ?? o.atMs, o.atMs),
    lastSeenMs: Math.max(prev?.lastSeenMs ?? o.atMs, o.atMs),
    goodbyeMs: prev?.goodbyeMs ?? null,
  })
}

/** Points kept per series by the memory store before the oldest are dropped. */
const MEMORY_POINTS_PER_SERIES = 100_000

/** An in-memory store: tests, and Vision without a data directory. */
export function createMemoryStore(): VisionStore {
  const series = new Map<string, Point[]>()
  const nodes = new Map<string, NodeRecord>()
  return {
    add(o) {
      if (o.kind === 'metric') {
        const key = `${o.nick}\u0000${o.metric}`
        const points = series.get(key) ?? []
        points.push({ atMs: o.atMs, value: o.value })
        if (points.length > 1 && (points.at(-2)?.atMs ?? 0) > o.atMs) points.sort((a, b) => a.atMs - b.atMs)
        if (points.length > MEMORY_POINTS_PER_SERIES)
          points.splice(0, points.length - MEMORY_POINTS_PER_SERIES)
        series.set(key, points)
        return
      }
      const tree = o.kind === 'general' ? o.general.tree : o.tree
      const next = nodeAfter(nodes.get(tree), o)
      if (next !== undefined) nodes.set(tree, next)
    },
    series(nick, metric, limit) {
      const points = series.get(`${nick}\u0000${metric}`) ?? []
      return points.slice(Math.max(0, points.length - limit))
    },
    nodes() {
      return [...nodes.values()]
    },
    close() {},
  }
}

/** Wraps a store so listeners hear of each observation after it is stored (a listener that throws is dropped). */
export function createLiveStore(store: VisionStore): LiveStore {
  const listeners = new Set<(o: Observation) => void>()
  return {
    add(o) {
      store.add(o)
      // The observation is stored; a failing listener (a web client) must not fail the add.
      for (const l of [...listeners])
        try {
          l(o)
        } catch {
          listeners.delete(l)
        }
    },
    series: (nick, metric, limit) => store.series(nick, metric, limit),
    nodes: () => store.nodes(),
    close: () => {
      listeners.clear()
      store.close()
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
  }
}
