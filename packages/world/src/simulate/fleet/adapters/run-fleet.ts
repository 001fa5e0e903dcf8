/**
 * Runs a fleet (issue 19): in this thread for one worker, else in worker threads that claim
 * families one by one from a shared counter (fleet-worker.ts). Writes `events.jsonl` (the families'
 * events in family order) and `summary.json` to `outDir` when given. Progress (families done) goes
 * to `onProgress`.
 */
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { WorldError } from '../../../errors.ts'
import { createSummaryMerger, familyClaimer, runClaimed, type FleetRunOptions } from '../fleet.ts'
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
  const workers = Math.max(1, Math.min(o.workers, o.founders))
  const eventsPath = o.outDir === undefined ? undefined : join(o.outDir, 'events.jsonl')
  if (o.outDir !== undefined) mkdirSync(o.outDir, { recursive: true })
  if (eventsPath !== undefined) writeFileSync(eventsPath, '')
  let done = 0
  const progress = (): void => o.onProgress?.(++done, o.founders)
  if (workers <= 1) {
    const claim = familyClaimer(new Int32Array(1), o.founders)
    await runClaimed(options, claim, (family, result) => {
      if (eventsPath !== undefined && result.events.length > 0)
        appendFileSync(eventsPath, result.events.join('\n') + '\n')
      merger.add(family, result.summary)
      progress()
    })
  } else {
    const counter = new SharedArrayBuffer(4)
    const parts = Array.from({ length: workers }, (_, w) =>
      o.outDir === undefined ? undefined : join(o.outDir, `events.part-${w}.jsonl`),
    )
    /** Where each family's events lie: its worker's part file, offset and length. */
    const placed: { part: number; at: number; bytes: number }[] = []
    await Promise.all(
      parts.map(
        (part, w) =>
          new Promise<void>((resolve, reject) => {
            const input: WorkerInput = {
              options,
              counter,
              ...(part === undefined ? {} : { eventsPath: part }),
            }
            const worker = new Worker(new URL('./fleet-worker.ts', import.meta.url), { workerData: input })
            let failed: Error | undefined
            worker.on('message', (m: WorkerMessage) => {
              if (m.kind === 'family') {
                placed[m.family] = { part: w, at: m.eventsAt, bytes: m.eventsBytes }
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
    if (eventsPath !== undefined) {
      assembleEvents(eventsPath, parts, placed)
      for (const part of parts) if (part !== undefined) rmSync(part)
    }
  }
  const summary = merger.result()
  if (o.outDir !== undefined)
    writeFileSync(join(o.outDir, 'summary.json'), JSON.stringify(summaryJson(summary), null, 2) + '\n')
  return summary
}

/** Writes the families' events into `eventsPath` in family order, copying each range from its part file. */
function assembleEvents(
  eventsPath: string,
  parts: readonly (string | undefined)[],
  placed: readonly ({ part: number; at: number; bytes: number } | undefined)[],
): void {
  const fds = parts.map((p) => (p === undefined ? undefined : openSync(p, 'r')))
  const out = openSync(eventsPath, 'a')
  const buffer = Buffer.alloc(1 << 20)
  try {
    for (const place of placed) {
      const fd = place === undefined ? undefined : fds[place.part]
      if (place === undefined || fd === undefined) continue
      for (let copied = 0; copied < place.bytes;) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, place.bytes - copied), place.at + copied)
        if (n === 0)
          throw new WorldError('WORLD_SIMULATION_FAILED', `a fleet worker's events file ended early`, {
            part: parts[place.part] ?? null,
          })
        writeSync(out, buffer, 0, n)
        copied += n
      }
    }
  } finally {
    closeSync(out)
    for (const fd of fds) if (fd !== undefined) closeSync(fd)
  }
}
