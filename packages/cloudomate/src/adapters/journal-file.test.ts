import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryLogger, errorCode } from '@dolly/base'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatJournalLine, type JournalEntry } from '../purchase/journal.ts'
import { createFileJournalStore } from './journal-file.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const started: JournalEntry = { purchaseId: 'a1', state: 'started', atMs: 1, provider: 'shop', optionId: '1' }
const failed: JournalEntry = { purchaseId: 'a1', state: 'failed', atMs: 3, reason: 'x' }

describe('the purchase journal file', () => {
  it('cuts a torn last line on open, so the next append starts a line of its own', async () => {
    const file = join(dir, 'journal.jsonl')
    const torn = formatJournalLine({ purchaseId: 'a1', state: 'quoted', atMs: 2, invoiceId: 'i' }).slice(
      0,
      25,
    )
    await writeFile(file, `${formatJournalLine(started)}\n${torn}`)
    const log = createMemoryLogger()
    const journal = createFileJournalStore(file, log)
    await journal.append(failed)
    expect(await readFile(file, 'utf8')).toBe(`${formatJournalLine(started)}\n${formatJournalLine(failed)}\n`)
    expect(await createFileJournalStore(file).readAll()).toEqual([started, failed])
    expect(log.entries).toMatchObject([{ level: 'warn', event: 'purchase.journal_tail_repaired' }])
  })

  it('repairs on a first read too, and leaves a whole journal alone', async () => {
    const file = join(dir, 'journal.jsonl')
    await writeFile(file, `${formatJournalLine(started)}\n{"purchaseId":"a1","st`)
    expect(await createFileJournalStore(file).readAll()).toEqual([started])
    expect(await readFile(file, 'utf8')).toBe(`${formatJournalLine(started)}\n`)
    await appendFile(file, `${formatJournalLine(failed)}\n`)
    expect(await createFileJournalStore(file).readAll()).toEqual([started, failed])
  })

  it('still refuses a journal broken in the middle (a skipped `paying` line could pay twice)', async () => {
    const file = join(dir, 'journal.jsonl')
    await writeFile(file, `${formatJournalLine(started)}\nnot json\n${formatJournalLine(failed)}\n`)
    expect(await createFileJournalStore(file).readAll().catch(errorCode)).toBe('CLOUDOMATE_JOURNAL_MALFORMED')
  })
})
