import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JournalEntry } from '../journal.ts'
import { createFileTradeJournal } from './file-journal.ts'

const terms = {
  tradeId: 'f1',
  proposer: 'a'.repeat(64),
  responder: 'b'.repeat(64),
  mbSeller: 'proposer' as const,
  mbBytes: 2n ** 40n,
  sats: 12_345n,
  mbMinUnit: 2n ** 20n,
  satsMinUnit: 100n,
}
const entries: JournalEntry[] = [
  { kind: 'open', terms, acceptedBy: 'peer', zeroConfSats: 50_000n, atMs: 1 },
  { kind: 'address', tradeId: 'f1', address: 'rltc1qaddress000000' },
  { kind: 'pay-intent', tradeId: 'f1', n: 1, amount: 2n ** 20n, key: 'f1:mb:1' },
  { kind: 'pay-done', tradeId: 'f1', n: 1, amount: 2n ** 20n, ref: 'mb-1' },
  { kind: 'received', tradeId: 'f1', n: 1, amount: 100n, ref: 'tx1', zeroConf: true },
  { kind: 'closed', tradeId: 'f1', outcome: 'completed', reason: 'completed', atMs: 2 },
]

describe('file trade journal', () => {
  let dir = ''
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trade-journal-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('appends durably and reads back every entry exactly, bigints included, file mode 0600', async () => {
    const file = join(dir, 'market', 'trades.jsonl')
    const j = createFileTradeJournal(file)
    expect(await j.readAll()).toEqual([])
    for (const e of entries) await j.append(e)
    expect(await createFileTradeJournal(file).readAll()).toEqual(entries)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
  })

  it('cuts a torn last line (kill -9 mid-append) and keeps appending after it', async () => {
    const file = join(dir, 'trades.jsonl')
    const j = createFileTradeJournal(file)
    for (const e of entries.slice(0, 3)) await j.append(e)
    await appendFile(file, '{"kind":"pay-done","tradeId":"f1","n":1,"amo')
    const again = createFileTradeJournal(file)
    expect(await again.readAll()).toEqual(entries.slice(0, 3))
    await again.append(entries[3] as JournalEntry)
    expect(await again.readAll()).toEqual(entries.slice(0, 4))
    expect((await readFile(file, 'utf8')).endsWith('\n')).toBe(true)
  })

  it('a corrupt complete line is MARKET_TRADE_JOURNAL_CORRUPT', async () => {
    const file = join(dir, 'trades.jsonl')
    await writeFile(file, '{"kind":"pay-done","tradeId":"f1"}\n')
    await expect(createFileTradeJournal(file).readAll()).rejects.toMatchObject({
      code: 'MARKET_TRADE_JOURNAL_CORRUPT',
    })
  })
})
