/**
 * The trade journal as an append-only JSON-lines file (base's line journal, as cloudomate's purchase
 * journal): fsync'd on every line; a torn last line — a crash mid-append — is cut off on first use:
 * its append never returned, so nothing acted on it (every intent is on disk before its effect).
 */
import { createNullLogger, openLineJournalFile, type Logger } from '@dolly/base'
import { formatJournalEntry, parseJournalEntry } from '../journal.ts'
import type { TradeJournal } from '../ports.ts'

/** The journal at `file` (0600, directory 0700, created on first append). */
export function createFileTradeJournal(file: string, log: Logger = createNullLogger()): TradeJournal {
  const lines = openLineJournalFile(file, { log, event: 'market.trade_journal_tail_repaired' })
  return {
    // The intent is on disk before the payment it announces: the append fsyncs.
    append: (entry) => lines.append(formatJournalEntry(entry)),
    async readAll() {
      return (await lines.readLines()).map((line, i) => parseJournalEntry(line, `${file}:${i + 1}`))
    },
  }
}
