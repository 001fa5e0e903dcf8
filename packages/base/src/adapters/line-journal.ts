/**
 * An append-only file of lines, fsync'd line by line: the on-disk form of the journals that must
 * hold an intent before its effect (cloudomate's purchase journal, the market's trade journal). A
 * torn last line (a crash mid-append) is cut off on first use: its append never returned, so nothing
 * acted on it. Without the cut the next append would join onto it and make the file unreadable.
 */
import { constants } from 'node:fs'
import { mkdir, open, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Logger } from '../logger.ts'
import { syncDirectory } from './atomic-file.ts'

/** One journal file. */
export interface LineJournalFile {
  /** Appends `line` (no newline inside) and fsyncs before returning; creates the file 0600 in a 0700 directory. */
  append(line: string): Promise<void>
  /** The file's complete lines, oldest first; none when it does not exist. */
  readLines(): Promise<string[]>
}

/** Cuts a torn last line off `file` and fsyncs; returns the bytes cut (0 when none or no file). */
export async function repairTornTail(file: string): Promise<number> {
  let handle
  try {
    handle = await open(file, constants.O_RDWR)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  try {
    const bytes = await handle.readFile()
    if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return 0
    const keep = bytes.lastIndexOf(0x0a) + 1
    await handle.truncate(keep)
    await handle.sync()
    return bytes.length - keep
  } finally {
    await handle.close()
  }
}

/**
 * The journal at `file`. The first use repairs a torn tail and logs `<event>` with the bytes cut
 * (e.g. `purchase.journal_tail_repaired`).
 */
export function openLineJournalFile(file: string, opts: { log: Logger; event: string }): LineJournalFile {
  let repaired: Promise<void> | undefined
  const repairOnce = (): Promise<void> => {
    repaired ??= repairTornTail(file).then(
      (cutBytes) => {
        if (cutBytes > 0) opts.log.warn(opts.event, { file, cutBytes })
      },
      (err: unknown) => {
        repaired = undefined
        throw err
      },
    )
    return repaired
  }
  let created = false
  return {
    async append(line) {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 })
      await repairOnce()
      const handle = await open(file, 'a', 0o600)
      try {
        await handle.appendFile(`${line}\n`)
        // The intent must be on disk before the effect it announces.
        await handle.sync()
      } finally {
        await handle.close()
      }
      if (!created) {
        // The file's own directory entry must be durable too.
        await syncDirectory(dirname(file))
        created = true
      }
    },
    async readLines() {
      await repairOnce()
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw err
      }
      const lines = text.split('\n')
      lines.pop() // after the last newline: empty (the tail was repaired)
      return lines
    },
  }
}
