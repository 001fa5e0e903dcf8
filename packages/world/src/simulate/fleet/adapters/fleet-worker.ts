/**
 * A worker thread of the fleet simulator: claims families from the run's shared counter (fleet.ts
 * `runClaimed`) until none are left, appends each family's events to its own part file, and posts
 * each family's summary with where its events lie in that file; the main thread puts the events
 * in family order.
 */
import { appendFileSync, writeFileSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { familyClaimer, runClaimed, type FleetRunOptions } from '../fleet.ts'

/** What the main thread gives a worker. */
export interface WorkerInput {
  readonly options: FleetRunOptions
  /** One Int32: the next family to claim, shared by all the run's workers. */
  readonly counter: SharedArrayBuffer
  /** The part file for this worker's events; absent: no events are written. */
  readonly eventsPath?: string
}

/** What a worker posts: a family's summary and its events' byte range in the part file, or its failure. */
export type WorkerMessage =
  | {
      readonly kind: 'family'
      readonly family: number
      readonly summary: unknown
      readonly eventsAt: number
      readonly eventsBytes: number
    }
  | { readonly kind: 'error'; readonly message: string; readonly code?: string }

const input = workerData as WorkerInput
const port = parentPort
if (port !== null) {
  if (input.eventsPath !== undefined) writeFileSync(input.eventsPath, '')
  let written = 0
  const claim = familyClaimer(new Int32Array(input.counter), input.options.founders)
  runClaimed(input.options, claim, (family, result) => {
    const at = written
    if (input.eventsPath !== undefined && result.events.length > 0) {
      const text = Buffer.from(result.events.join('\n') + '\n')
      appendFileSync(input.eventsPath, text)
      written += text.length
    }
    port.postMessage({
      kind: 'family',
      family,
      summary: result.summary,
      eventsAt: at,
      eventsBytes: written - at,
    } satisfies WorkerMessage)
  }).then(
    () => port.close(),
    (err: unknown) => {
      const code = (err as { code?: unknown }).code
      port.postMessage({
        kind: 'error',
        message: err instanceof Error ? (err.stack ?? err.message) : String(err),
        ...(typeof code === 'string' ? { code } : {}),
      } satisfies WorkerMessage)
      port.close()
    },
  )
}
