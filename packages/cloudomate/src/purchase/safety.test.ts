import { networkParams } from '@dolly/wallet'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { PaymentQuote } from '../model.ts'
import { foldJournal, type JournalEntry } from './journal.ts'
import { checkPayment } from './safety.ts'

const mainnet = networkParams('bitcoin')
const ADDR = '1B7dwaVZrEfwKXoLf1VNq7nXZvnKk7xzHZ'
const NOW = 1_700_000_000_000
const quote = (over: Partial<PaymentQuote> = {}): PaymentQuote => ({
  gateway: 'bitpay',
  address: ADDR,
  amountSats: 10_000n,
  invoiceId: 'inv1',
  invoiceUrl: 'https://pay.example/i/inv1',
  expiresAtMs: NOW + 15 * 60_000,
  ...over,
})
const check = (
  q: PaymentQuote,
  expectedSats = 10_000n,
  entries: readonly JournalEntry[] = [],
  maxSats: bigint | null = null,
) =>
  checkPayment({
    provider: 'shop',
    quote: q,
    expectedSats,
    policy: { tolerancePct: 3, maxSats },
    network: mainnet,
    nowMs: NOW,
    journal: foldJournal(entries),
  })

describe('payment safety rules', () => {
  it('accepts an invoice at the expected price', () => {
    expect(check(quote())).toEqual({ ok: true })
  })

  it.each([
    ['above-ceiling', quote({ amountSats: 10_301n }), 10_000n, null],
    ['above-cap', quote(), 10_000n, 9_999n],
    ['below-floor', quote({ amountSats: 4_999n }), 10_000n, null],
    ['expired', quote({ expiresAtMs: NOW + 59_000 }), 10_000n, null],
    ['address', quote({ address: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx' }), 10_000n, null],
  ] as const)('refuses %s', (reason, q, expected, cap) => {
    expect(check(q, expected, [], cap)).toMatchObject({ ok: false, reason })
  })

  it('refuses an invoice that is already being paid, and an address reused by another invoice', () => {
    const paying: JournalEntry[] = [
      {
        purchaseId: 'p1',
        state: 'quoted',
        atMs: NOW - 1000,
        provider: 'shop',
        invoiceId: 'inv1',
        address: ADDR,
        amountSats: 10_000n,
      },
      { purchaseId: 'p1', state: 'paying', atMs: NOW - 500 },
    ]
    expect(check(quote(), 10_000n, paying)).toMatchObject({ ok: false, reason: 'already-paid' })
    expect(check(quote({ invoiceId: 'inv2' }), 10_000n, paying)).toMatchObject({
      ok: false,
      reason: 'address-reused',
    })
  })

  it('never accepts an amount above expected · 1.03 (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (expected, amount) => {
          const verdict = check(quote({ amountSats: amount }), expected)
          if (verdict.ok) {
            expect(amount * 100n <= expected * 103n).toBe(true)
            expect(amount * 2n >= expected).toBe(true)
          }
        },
      ),
    )
  })
})
