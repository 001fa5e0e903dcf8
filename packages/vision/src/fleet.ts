import { isDead } from './family-tree.ts'
import type { NodeRecord } from './store.ts'

/** A point of a fleet series: time, count. */
export interface FleetPoint {
  readonly atMs: number
  readonly value: number
}

/** Population and cumulative births and deaths over time. */
export interface FleetSeries {
  readonly population: readonly FleetPoint[]
  readonly births: readonly FleetPoint[]
  readonly deaths: readonly FleetPoint[]
}

/**
 * Fleet series derived from the node records: a birth when a tree path is first seen, a death at its
 * goodbye or, for one silent for `deadAfterMs`, at `lastSeen + deadAfterMs`; the population is births
 * minus deaths. One point per event time plus one at `nowMs`.
 */
export function fleetSeries(records: readonly NodeRecord[], nowMs: number, deadAfterMs: number): FleetSeries {
  const events: { atMs: number; birth: number; death: number }[] = []
  for (const r of records) {
    events.push({ atMs: r.firstSeenMs, birth: 1, death: 0 })
    if (isDead(r, nowMs, deadAfterMs))
      events.push({ atMs: r.goodbyeMs ?? r.lastSeenMs + deadAfterMs, birth: 0, death: 1 })
  }
  events.sort((a, b) => a.atMs - b.atMs)
  const population: FleetPoint[] = []
  const births: FleetPoint[] = []
  const deaths: FleetPoint[] = []
  let born = 0
  let died = 0
  const push = (atMs: number): void => {
    const last = population.at(-1)
    if (last !== undefined && last.atMs === atMs) {
      population.pop()
      births.pop()
      deaths.pop()
    }
    population.push({ atMs, value: born - died })
    births.push({ atMs, value: born })
    deaths.push({ atMs, value: died })
  }
  for (const e of events) {
    born += e.birth
    died += e.death
    push(e.atMs)
  }
  if (events.length > 0 && (events.at(-1)?.atMs ?? nowMs) <= nowMs) push(nowMs)
  return { population, births, deaths }
}
