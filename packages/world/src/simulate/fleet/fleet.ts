/**
 * The fleet simulator's run (issue 19): `founders` families of real agents, each run alone from its
 * own seed (family.ts), sharded by family over workers (adapters/fleet-workers.ts) and merged in
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

/** A contiguous range of families, `from` inclusive, `to` exclusive. */
export interface Shard {
  readonly from: number
  readonly to: number
}

/** Splits `families` into at most `workers` contiguous shards of nearly equal size. */
export function shardsOf(families: number, workers: number): Shard[] {
  const n = Math.max(1, Math.min(workers, families))
  const out: Shard[] = []
  for (let w = 0; w < n; w++) {
    const from = Math.floor((w * families) / n)
    const to = Math.floor(((w + 1) * families) / n)
    if (to > from) out.push({ from, to })
  }
  return out
}

/** Runs the families of `shard` one after the other in this thread, handing each result on in order. */
export async function runShard(
  o: FleetRunOptions,
  shard: Shard,
  onFamily: (family: number, result: FamilyResult) => void | Promise<void>,
): Promise<void> {
  for (let family = shard.from; family < shard.to; family++) {
    const result = await runFamily(o.scenario, {
      seed: o.seed,
      family,
      days: o.days,
      recordEvents: o.recordEvents,
    })
    await onFamily(family, result)
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
