import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { dueSats, isSettled, newInvoice, observeInvoice, type InvoiceStatus } from './invoice.ts'

const base = newInvoice({
  id: 'inv1',
  orderId: '1',
  address: 'rltc1qaddr',
  amountSats: 10_000n,
  priceCents: 1000,
  nowMs: 0,
  expiryMs: 900_000,
})
const obs = (seen: bigint, confirmed = 0n, complete = 0n) => ({
  seenSats: seen,
  confirmedSats: confirmed,
  completeSats: complete,
})

describe('invoice state machine', () => {
  it('goes new → paid → confirmed → complete as confirmations arrive', () => {
    const paid = observeInvoice(base, obs(10_000n), 1000)
    expect(paid.status).toBe('paid')
    expect(paid.paidMs).toBe(1000)
    expect(isSettled(paid)).toBe(false)
    const confirmed = observeInvoice(paid, obs(10_000n, 10_000n), 2000)
    expect(confirmed.status).toBe('confirmed')
    expect(isSettled(confirmed)).toBe(true)
    expect(observeInvoice(confirmed, obs(10_000n, 10_000n, 10_000n), 3000).status).toBe('complete')
  })

  it('keeps an underpaid invoice open as paidPartial and expires it unpaid', () => {
    const partial = observeInvoice(base, obs(4_000n), 1000)
    expect(partial.status).toBe('new')
    expect(partial.exceptionStatus).toBe('paidPartial')
    expect(dueSats(partial)).toBe(6_000n)
    const expired = observeInvoice(partial, obs(4_000n), 900_000)
    expect(expired.status).toBe('expired')
    expect(expired.exceptionStatus).toBe('paidPartial')
    expect(isSettled(expired)).toBe(false)
  })

  it('lets the buyer top up a partial payment before expiry', () => {
    const partial = observeInvoice(base, obs(4_000n), 1000)
    expect(observeInvoice(partial, obs(10_000n), 2000).status).toBe('paid')
  })

  it('accepts an overpayment and flags it paidOver', () => {
    const over = observeInvoice(base, obs(15_000n, 15_000n), 1000)
    expect(over.status).toBe('confirmed')
    expect(over.exceptionStatus).toBe('paidOver')
  })

  it('does not honour a payment that arrives after expiry', () => {
    const expired = observeInvoice(base, obs(0n), 900_000)
    const late = observeInvoice(expired, obs(10_000n, 10_000n), 900_001)
    expect(late.status).toBe('expired')
    expect(late.lateSats).toBe(10_000n)
  })

  it('never moves backwards whatever the observations', () => {
    const rank: Record<InvoiceStatus, number> = { new: 0, paid: 1, confirmed: 2, complete: 3, expired: 4 }
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 30_000n }), fc.integer({ min: 0, max: 2_000_000 })), {
          maxLength: 12,
        }),
        (steps) => {
          let inv = base
          let t = 0
          for (const [sats, dt] of steps) {
            t += dt
            const next = observeInvoice(inv, obs(sats, sats / 2n, sats / 4n), t)
            if (inv.status === 'expired') expect(next.status).toBe('expired')
            else if (next.status !== 'expired')
              expect(rank[next.status]).toBeGreaterThanOrEqual(rank[inv.status])
            if (next.status === 'expired') expect(inv.status === 'new' || inv.status === 'expired').toBe(true)
            inv = next
          }
        },
      ),
    )
  })
})
