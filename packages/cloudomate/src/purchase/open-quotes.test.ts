import { describe, expect, it } from 'vitest'
import type { PurchaseRecord } from './journal.ts'
import { planOpenQuotes, QUOTE_MAX_AGE_MS, quoteDeadlineMs } from './open-quotes.ts'

const NOW = 1_700_000_000_000

function quoted(id: string, fields: Partial<PurchaseRecord> = {}): PurchaseRecord {
  return {
    purchaseId: id,
    state: 'quoted',
    provider: 'shop',
    optionId: '1',
    invoiceId: `inv-${id}`,
    address: 'a',
    amountSats: 1000n,
    expectedSats: 1000n,
    startedAtMs: NOW - 20_000,
    quotedAtMs: NOW - 10_000,
    updatedAtMs: NOW - 10_000,
    ...fields,
  }
}

const order = { provider: 'shop', optionId: '1', nowMs: NOW }

describe('open quotes', () => {
  it('gives a quote without an expiry a deadline QUOTE_MAX_AGE_MS after it was journaled', () => {
    expect(quoteDeadlineMs(quoted('a'))).toBe(NOW - 10_000 + QUOTE_MAX_AGE_MS)
    expect(quoteDeadlineMs(quoted('a', { expiresAtMs: NOW + 5_000 }))).toBe(NOW + 5_000)
    expect(quoteDeadlineMs(quoted('a', { expiresAtMs: NOW + 86_400_000 }))).toBe(
      NOW - 10_000 + QUOTE_MAX_AGE_MS,
    )
  })

  it('resumes the newest young quote of the same order and closes every other', () => {
    const plan = planOpenQuotes(
      [
        quoted('old', { quotedAtMs: NOW - 20_000 }),
        quoted('new'),
        quoted('other-plan', { optionId: '2' }),
        quoted('other-shop', { provider: 'else' }),
        quoted('month-old', { quotedAtMs: NOW - 30 * 86_400_000 }),
        quoted('expiring', { expiresAtMs: NOW + 30_000 }),
      ],
      order,
    )
    expect(plan.resume?.purchaseId).toBe('new')
    expect(Object.fromEntries(plan.close.map((c) => [c.record.purchaseId, c.state]))).toEqual({
      old: 'refused',
      'other-plan': 'refused',
      'other-shop': 'refused',
      'month-old': 'expired',
      expiring: 'expired',
    })
  })

  it('resumes nothing when no quote belongs to this order', () => {
    const plan = planOpenQuotes([quoted('x', { optionId: '9' })], order)
    expect(plan.resume).toBeUndefined()
    expect(plan.close.map((c) => c.state)).toEqual(['refused'])
  })
})
