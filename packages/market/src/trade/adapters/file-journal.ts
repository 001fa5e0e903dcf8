/**
 * The trade journal as an append-only JSON-lines file, fsync'd on every line (the pattern of
 * cloudomate's purchase journal). A torn last line — a crash mid-append — is cut off on first use:
 * its append never returned, so nothing acted on it (every intent is on disk before its effect).
 */
import { constants } from 'node:fs'
import { mkdir, open, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { createNullLogger, syncDirectory, type Logger } from '@dolly/base'
import { formatJournalEntry, parseJournalEntry } from '../journal.ts'
import type { TradeJournal } from '../ports.ts'

/** Cuts a torn last line off `file` and fsyncs; returns the bytes cut (0 when none or no file). */
export async function repairTradeJournalTail(file: string): Promise<number> {
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

/** The journal at `file` (0600, directory 0700, created on first append). */
export function createFileTradeJournal(file: string, log: Logger = createNullLogger()): TradeJournal {
  let repaired: Promise<void> | undefined
  const repairOnce = (): Promise<void> => {
    repaired ??= repairTradeJournalTail(file).then(
      (cutBytes) => {
        if (cutBytes > 0) log.warn('market.trade_journal_tail_repaired', { file, cutBytes })
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
    async append(entry) {
      const line = `${formatJournalEntry(entry)}\n`
      await mkdir(dirname(file), { recursive: true, mode: 0o700 })
      await repairOnce()
      const handle = await open(file, 'a', 0o600)
      try {
        await handle.appendFile(line)
        // The intent must be on disk before the payment it announces.
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
    async readAll() {
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
      return lines.map((line, i) => parseJournalEntry(line, `${file}:${i + 1}`))
    },
  }
}
