/** The purchase journal as an append-only JSONL file, fsync'd on every line (CLOUDOMATE.md §15.5). */
import { constants } from 'node:fs'
import { mkdir, open, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { createNullLogger, type Logger } from '@dolly/base'
import { formatJournalLine, parseJournal, type JournalStore } from '../purchase/journal.ts'

/**
 * Cuts a torn last line (a crash mid-append) off `file`: truncates to the end of the last complete
 * line and fsyncs. Without this the next append would join onto the torn line and make the whole
 * journal unreadable. Dropping it is safe: its append never returned, so nothing acted on it (the
 * `paying` line is synced before the wallet is called). Returns the bytes cut.
 */
export async function repairJournalTail(file: string): Promise<number> {
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
 * Opens (creating on first append) the journal at `file`. The first use repairs a torn last line
 * (see {@link repairJournalTail}), logged as `purchase.journal_tail_repaired`.
 */
export function createFileJournalStore(file: string, log: Logger = createNullLogger()): JournalStore {
  let repaired: Promise<void> | undefined
  const repairOnce = (): Promise<void> => {
    repaired ??= repairJournalTail(file).then(
      (cutBytes) => {
        if (cutBytes > 0) log.warn('purchase.journal_tail_repaired', { file, cutBytes })
      },
      (err: unknown) => {
        repaired = undefined
        throw err
      },
    )
    return repaired
  }
  return {
    append: async (entry) => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 })
      await repairOnce()
      const handle = await open(file, 'a', 0o600)
      try {
        await handle.appendFile(`${formatJournalLine(entry)}\n`)
        // The `paying` line must be on disk before the wallet is called.
        await handle.sync()
      } finally {
        await handle.close()
      }
    },
    readAll: async () => {
      await repairOnce()
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw err
      }
      return parseJournal(text, file)
    },
  }
}
