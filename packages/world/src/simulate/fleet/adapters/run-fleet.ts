/**
 * Runs a fleet (issue 19): in this thread for one worker, else one worker thread per shard of
 * families (fleet-worker.ts). Writes `events.jsonl` (the families' events in family order) and
 * `summary.json` to `outDir` when given. Progress (families done) goes to `onProgress`.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { WorldError } from '../../../errors.ts'
import { createSummaryMerger, runShard, shardsOf, type FleetRunOptions } from '../fleet.ts'
import { summaryJson, type FleetSummary } from '../summary.ts'
import type { WorkerInput, WorkerMessage } from './fleet-worker.ts'

/** How a run is carried out. */
export interface RunFleetOptions extends Omit<FleetRunOptions, 'recordEvents'> {
  readonly workers: number
  /** Directory for events.jsonl and summary.json; absent: nothing is written. */
  readonly outDir?: string
  readonly onProgress?: (familiesDone: number, families: number) => void
}

/** Runs the fleet and returns its summary (written to `outDir` with the events when given). */
export async function runFleet(o: RunFleetOptions): Promise<FleetSummary> {
  const options: FleetRunOptions = {
    scenario: o.scenario,
    seed: o.seed,
    days: o.days,
    founders: o.founders,
    recordEvents: o.outDir !== undefined,
  }
  const merger = createSummaryMerger(options)
  const shards = shardsOf(o.founders, o.workers)
  const eventsPath = o.outDir === undefined ? undefined : join(o.outDir, 'events.jsonl')
  if (o.outDir !== undefined) mkdirSync(o.outDir, { recursive: true })
  if (eventsPath !== undefined) writeFileSync(eventsPath, '')
  let done = 0
  const progress = (): void => o.onProgress?.(++done, o.founders)
  if (shards.length <= 1) {
    await runShard(options, { from: 0, to: o.founders }, (family, result) => {
      if (eventsPath !== undefined && result.events.length > 0)
        appendFileSync(eventsPath, result.events.join('\n') + '\n')
      merger.add(family, result.summary)
      progress()
    })
  } else {
    const parts = shards.map((_, w) =>
      o.outDir === undefined ? undefined : join(o.outDir, `events.part-${w}.jsonl`),
    )
    await Promise.all(
      shards.map(
        (shard, w) =>
          new Promise<void>((resolve, reject) => {
            const part = parts[w]
            const input: WorkerInput = { options, shard, ...(part === undefined ? {} : { eventsPath: part }) }
            const worker = new Worker(new URL('./fleet-worker.ts', import.meta.url), { workerData: input })
            let failed: Error | undefined
            worker.on('message', (m: WorkerMessage) => {
              if (m.kind === 'family') {
                merger.add(m.family, m.summary as FleetSummary)
                progress()
              } else
                failed = new WorldError('WORLD_SIMULATION_FAILED', `fleet worker ${w}: ${m.message}`, {
                  code: m.code ?? null,
                })
            })
            worker.on('error', (err) => {
              failed = err
            })
            worker.on('exit', (code) => {
              if (failed !== undefined) reject(failed)
              else if (code !== 0)
                reject(new WorldError('WORLD_SIMULATION_FAILED', `fleet worker ${w} exited ${code}`, {}))
              else resolve()
            })
          }),
      ),
    )
    if (eventsPath !== undefined)
      for (const part of parts) {
        if (part === undefined) continue
        appendFileSync(eventsPath, readFileSync(part))
        rmSync(part)
      }
  }
  const summary = merger.result()
  if (o.outDir !== undefined)
    writeFileSync(join(o.outDir, 'summary.json'), JSON.stringify(summaryJson(summary), null, 2) + '\n')
  return summary
}
