import { errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { foldJournal, formatJournalLine, parseJournal, type JournalEntry } from './journal.ts'

const entries: JournalEntry[] = [
  { purchaseId: 'a1', state: 'started', atMs: 1, provider: 'shop', optionId: '0' },
  {
    purchaseId: 'a1',
    state: 'quoted',
    atMs: 2,
    invoiceId: 'i',
    address: 'addr',
    amountSats: 123_456_789_012n,
    expiresAtMs: 99,
  },
  { purchaseId: 'a1', state: 'paying', atMs: 3 },
  { purchaseId: 'a1', state: 'paid', atMs: 4, txid: 'ff' },
]

describe('purchase journal', () => {
  it('folds accumulating lines into one record per purchase', () => {
    expect(foldJournal(entries).get('a1')).toEqual({
      purchaseId: 'a1',
      provider: 'shop',
      optionId: '0',
      state: 'paid',
      invoiceId: 'i',
      address: 'addr',
      amountSats: 123_456_789_012n,
      expiresAtMs: 99,
      txid: 'ff',
      startedAtMs: 1,
      quotedAtMs: 2,
      payingAtMs: 3,
      updatedAtMs: 4,
    })
  })

  it('round-trips through JSON lines with exact bigint amounts', () => {
    const text = entries.map(formatJournalLine).join('\n') + '\n'
    expect(parseJournal(text, 'j')).toEqual(entries)
  })

  it('drops a torn last line but refuses a damaged line in the middle', () => {
    const lines = entries.map(formatJournalLine)
    expect(parseJournal(`${lines.join('\n')}\n{"purchaseId":"a1","sta`, 'j')).toHaveLength(4)
    let code: string | undefined
    try {
      parseJournal(`${lines[0]}\n{oops\n${lines[1]}\n`, 'j')
    } catch (err) {
      code = errorCode(err)
    }
    expect(code).toBe('CLOUDOMATE_JOURNAL_MALFORMED')
  })
})
