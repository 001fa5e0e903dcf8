import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLogger } from '../logger.ts'
import { openLineJournalFile } from './line-journal.ts'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

describe('line journal file', () => {
  it('appends lines 0600, reads them back, and cuts a torn tail once, logging it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'line-journal-'))
    dirs.push(dir)
    const file = join(dir, 'sub', 'journal.jsonl')
    const log = createMemoryLogger()
    const journal = openLineJournalFile(file, { log, event: 'test.tail_repaired' })
    expect(await journal.readLines()).toEqual([])
    await journal.append('{"a":1}')
    await journal.append('{"b":2}')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await journal.readLines()).toEqual(['{"a":1}', '{"b":2}'])

    // A crash mid-append leaves half a line; a fresh opener cuts it before reading or appending.
    await appendFile(file, '{"c":')
    const reopened = openLineJournalFile(file, { log, event: 'test.tail_repaired' })
    await reopened.append('{"d":4}')
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n{"b":2}\n{"d":4}\n')
    expect(log.entries.filter((e) => e.event === 'test.tail_repaired')).toHaveLength(1)
  })
})
