/** The purchase journal as an append-only JSONL file, fsync'd on every line (CLOUDOMATE.md §15.5). */
import { createNullLogger, openLineJournalFile, type Logger } from '@dolly/base'
import { formatJournalLine, parseJournal, type JournalStore } from '../purchase/journal.ts'

/**
 * Opens (creating on first append) the journal at `file`: base's line journal (fsync per line; the
 * first use cuts a torn last line, logged as `purchase.journal_tail_repaired`). Dropping that line is
 * safe: its append never returned, so nothing acted on it (the `paying` line is synced before the
 * wallet is called).
 */
export function createFileJournalStore(file: string, log: Logger = createNullLogger()): JournalStore {
  const lines = openLineJournalFile(file, { log, event: 'purchase.journal_tail_repaired' })
  return {
    append: (entry) => lines.append(formatJournalLine(entry)),
    readAll: async () => parseJournal((await lines.readLines()).map((line) => `${line}\n`).join(''), file),
  }
}
