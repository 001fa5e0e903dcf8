/**
 * A worker thread of the fleet simulator: runs one shard of families (fleet.ts `runShard`), writes
 * their events to its own part file in family order, and posts each family's summary to the main
 * thread as it finishes.
 */
import { appendFileSync, writeFileSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { runShard, type FleetRunOptions, type Shard } from '../fleet.ts'

/** What the main thread gives a worker. */
export interface WorkerInput {
  readonly options: FleetRunOptions
  readonly shard: Shard
  /** The part file for the shard's events; absent: no events are written. */
  readonly eventsPath?: string
}

/** What a worker posts: a family's summary, or its failure. */
export type WorkerMessage =
  | { readonly kind: 'family'; readonly family: number; readonly summary: unknown }
  | { readonly kind: 'error'; readonly message: string; readonly code?: string }

const input = workerData as WorkerInput
const port = parentPort
if (port !== null) {
  if (input.eventsPath !== undefined) writeFileSync(input.eventsPath, '')
  runShard(input.options, input.shard, (family, result) => {
    if (input.eventsPath !== undefined && result.events.length > 0)
      appendFileSync(input.eventsPath, result.events.join('\n') + '\n')
    port.postMessage({ kind: 'family', family, summary: result.summary } satisfies WorkerMessage)
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
