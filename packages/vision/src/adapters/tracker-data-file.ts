import { open } from 'node:fs/promises'
import type { Logger } from '@dolly/base'
import type { VisionStore } from '../store.ts'
import { parseTrackerDataLine } from '../tracker-data.ts'

/** What an import of a `tracker.data` file did. */
export interface TrackerDataImport {
  readonly imported: number
  /** Lines rejected (bad stamp, nick, key or value); the first few are logged with their code. */
  readonly rejected: number
  /** Byte offset just past the last complete line read: where the next import starts. */
  readonly endOffset: number
}

/** Most bytes one import reads (a larger backlog is read by the next imports). */
const MAX_IMPORT_BYTES = 256 * 1024 * 1024

/**
 * Loads a legacy `tracker.data` (§12) into `store` from byte `fromOffset` on, complete lines only (a
 * line still being written is left for the next import). A bad line is counted and logged, never
 * fatal; a missing file imports nothing; a file shorter than `fromOffset` (replaced) is read from 0.
 */
export async function importTrackerData(
  path: string,
  store: VisionStore,
  logger: Logger,
  fromOffset = 0,
): Promise<TrackerDataImport> {
  let file
  try {
    file = await open(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { imported: 0, rejected: 0, endOffset: 0 }
    throw err
  }
  try {
    const { size } = await file.stat()
    const start = size < fromOffset ? 0 : fromOffset
    const length = Math.min(size - start, MAX_IMPORT_BYTES)
    const buf = Buffer.alloc(length)
    const { bytesRead } = await file.read(buf, 0, length, start)
    const complete = buf.subarray(0, buf.lastIndexOf(0x0a, bytesRead - 1) + 1)
    let imported = 0
    let rejected = 0
    for (const line of complete.toString('utf8').split('\n')) {
      if (line.trim() === '') continue
      const r = parseTrackerDataLine(line)
      if (r.ok) {
        store.add(r.observation)
        imported++
      } else {
        rejected++
        if (rejected <= 5) logger.warn('tracker_data.line_rejected', { path, code: r.code, reason: r.reason })
      }
    }
    return { imported, rejected, endOffset: start + complete.length }
  } finally {
    await file.close()
  }
}
