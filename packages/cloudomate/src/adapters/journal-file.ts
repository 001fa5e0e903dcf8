/** The purchase journal as an append-only JSONL file, fsync'd on every line (CLOUDOMATE.md §15.5). */
import { mkdir, open, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { formatJournalLine, parseJournal, type JournalStore } from '../purchase/journal.ts'

/** Opens (creating on first append) the journal at `file`. */
export function createFileJournalStore(file: string): JournalStore {
  return {
    append: async (entry) => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 })
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
