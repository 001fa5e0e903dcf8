import { describe, expect, it } from 'vitest'
import type { JournalEntry } from './journal.ts'
import { checkNextPayment, foldJournal, fullySettled, myTurn, snapshotOf } from './state.ts'
import type { TradeTerms } from './terms.ts'

const ME = 'a'.repeat(64)
const PEER = 'b'.repeat(64)
// The golden table in its own units: MB seller (me) 1 000 bytes, buyer 1 000 sats, min unit 10.
const terms: TradeTerms = {
  tradeId: 'g',
  proposer: ME,
  responder: PEER,
  mbSeller: 'proposer',
  mbBytes: 1000n,
  sats: 1000n,
  mbMinUnit: 10n,
  satsMinUnit: 10n,
}
const opened: JournalEntry[] = [
  { kind: 'offered', terms, atMs: 1 },
  { kind: 'open', terms, acceptedBy: 'peer', zeroConfSats: 500n, atMs: 2 },
  { kind: 'address', tradeId: 'g', address: 'memaddr0000000001' },
]

describe('foldJournal', () => {
  it('rebuilds a trade mid-settlement, with a payment whose outcome is unknown', () => {
    const t = foldJournal(
      [
        ...opened,
        { kind: 'pay-intent', tradeId: 'g', n: 1, amount: 10n, key: 'g:mb:1' },
        { kind: 'pay-done', tradeId: 'g', n: 1, amount: 10n, ref: 'mb-1' },
        { kind: 'received', tradeId: 'g', n: 1, amount: 20n, ref: 'tx-1', zeroConf: true },
        { kind: 'pay-intent', tradeId: 'g', n: 2, amount: 40n, key: 'g:mb:2' },
      ],
      ME,
      99,
    )
    expect(t).toMatchObject({
      phase: 'settling',
      role: 'mb',
      peer: PEER,
      address: 'memaddr0000000001',
      pending: { n: 2, amount: 40n, key: 'g:mb:2' },
      zeroConfCounted: 20n,
      zeroConfAllowance: 500n,
      openedMs: 2,
      deadlineMs: 99,
    })
    expect(t && snapshotOf(t)).toEqual({
      tradeId: 'g',
      role: 'mb',
      phase: 'settling',
      paid: 10n,
      received: 20n,
      reason: '',
    })
    expect(t && myTurn(t)).toBe(true)
  })

  it('a closed trade folds to its outcome; an entry before the terms is MARKET_TRADE_JOURNAL_CORRUPT', () => {
    const closed = foldJournal(
      [
        ...opened,
        { kind: 'closed', tradeId: 'g', outcome: 'aborted', reason: 'MARKET_TRADE_TIMEOUT', atMs: 9 },
      ],
      ME,
      0,
    )
    expect(closed).toMatchObject({ phase: 'aborted', reason: 'MARKET_TRADE_TIMEOUT', closedMs: 9 })
    expect(() => foldJournal([{ kind: 'address', tradeId: 'g', address: 'x' }], ME, 0)).toThrow(
      expect.objectContaining({ code: 'MARKET_TRADE_JOURNAL_CORRUPT' }),
    )
  })
})

describe('checkNextPayment (golden table, we are A)', () => {
  const after = (paid: bigint[], received: bigint[]) => {
    const t = foldJournal(opened, ME, 0)
    if (t === undefined) throw new Error('no trade')
    paid.forEach((amount, i) => t.paid.push({ n: i + 1, amount, ref: `mb-${i + 1}` }))
    received.forEach((amount, i) => t.received.push({ n: i + 1, amount, ref: `tx-${i + 1}` }))
    return t
  }

  it('expects B’s rounds 20, 80, 320, 580 in turn', () => {
    expect(() => checkNextPayment(after([10n], []), 1, 20n, 'tx-a')).not.toThrow()
    expect(() => checkNextPayment(after([10n, 40n], [20n]), 2, 80n, 'tx-b')).not.toThrow()
    expect(() =>
      checkNextPayment(after([10n, 40n, 160n, 640n], [20n, 80n, 320n]), 4, 580n, 'tx-c'),
    ).not.toThrow()
  })

  it('refuses the wrong number, a payment before ours, a wrong amount, a ref counted before', () => {
    const code = (fn: () => void): string | undefined => {
      try {
        fn()
      } catch (err) {
        return (err as { code?: string }).code
      }
      return undefined
    }
    expect(code(() => checkNextPayment(after([10n], []), 2, 80n, 'x'))).toBe('MARKET_TRADE_OUT_OF_ORDER')
    expect(code(() => checkNextPayment(after([10n], [20n]), 2, 80n, 'x'))).toBe('MARKET_TRADE_OUT_OF_ORDER')
    expect(code(() => checkNextPayment(after([10n], []), 1, 21n, 'x'))).toBe('MARKET_TRADE_AMOUNT_INVALID')
    expect(code(() => checkNextPayment(after([10n, 40n, 160n, 640n], [20n, 80n, 320n]), 4, 1280n, 'x'))).toBe(
      'MARKET_TRADE_AMOUNT_INVALID',
    )
    expect(code(() => checkNextPayment(after([10n, 40n], [20n]), 2, 80n, 'tx-1'))).toBe(
      'MARKET_TRADE_REPLAYED',
    )
  })

  it('fullySettled only at both totals', () => {
    expect(fullySettled(after([10n, 40n, 160n, 640n], [20n, 80n, 320n, 580n]))).toBe(false)
    expect(fullySettled(after([10n, 40n, 160n, 640n, 150n], [20n, 80n, 320n, 580n]))).toBe(true)
  })
})
