/**
 * The fleet simulator's run (issue 19): `founders` families of real agents, each run alone from its
 * own seed (family.ts), claimed one by one by workers (adapters/fleet-worker.ts) and merged in
 * family order, so a run with any number of workers gives the same summary and the same events as
 * with one.
 */
import { runFamily, type FamilyResult } from './family.ts'
import type { FleetScenario } from './scenario.ts'
import { emptySummary, mergeInto, type FleetSummary } from './summary.ts'

/** What a run is asked for. */
export interface FleetRunOptions {
  readonly scenario: FleetScenario
  readonly seed: number
  readonly days: number
  /** Families at the start, one founder each. */
  readonly founders: number
  readonly recordEvents: boolean
}

/**
 * Runs families one after the other in this thread, each taken from `claim` (undefined: none left),
 * handing each result on as it finishes. Workers share one counter, so a worker that drew cheap
 * families takes more of them, and every core stays busy until the last family is claimed.
 */
export async function runClaimed(
  o: FleetRunOptions,
  claim: () => number | undefined,
  onFamily: (family: number, result: FamilyResult) => void | Promise<void>,
): Promise<void> {
  for (let family = claim(); family !== undefined; family = claim()) {
    const result = await runFamily(o.scenario, {
      seed: o.seed,
      family,
      days: o.days,
      recordEvents: o.recordEvents,
    })
    await onFamily(family, result)
  }
}

/** Claims 0, 1, … `families` − 1 from `counter` (an Int32Array, over shared memory for workers), once each. */
export function familyClaimer(counter: Int32Array, families: number): () => number | undefined {
  return () => {
    const family = Atomics.add(counter, 0, 1)
    return family < families ? family : undefined
  }
}

/** Adds up family summaries in family order. */
export interface SummaryMerger {
  add(family: number, summary: FleetSummary): void
  /** The merged summary; throws when a family is missing. */
  result(): FleetSummary
}

/** A merger for the run `o`: it adds families strictly in order 0, 1, … whatever order they arrive in. */
export function createSummaryMerger(o: FleetRunOptions): SummaryMerger {
  const total = emptySummary(
    { scenario: o.scenario.name, seed: o.seed, days: o.days, families: 0 },
    o.scenario.providers.map((p) => p.name),
  )
  const waiting = new Map<number, FleetSummary>()
  let next = 0
  return {
    add(family, summary) {
      waiting.set(family, summary)
      for (let s = waiting.get(next); s !== undefined; s = waiting.get(next)) {
        mergeInto(total, s)
        waiting.delete(next)
        next++
      }
    },
    result() {
      if (next !== o.founders) throw new Error(`fleet summary: ${next} of ${o.founders} families merged`)
      return total
    },
  }
}
