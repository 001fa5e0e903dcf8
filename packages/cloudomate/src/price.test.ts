import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { centsToSats, formatCents, parseCents, parsePriceText, withFeePercent } from './price.ts'

describe('fiat prices', () => {
  it('parses shop price texts exactly', () => {
    expect(parsePriceText('$4.99 USD')).toEqual({ cents: 499n, currency: 'USD' })
    expect(parsePriceText('€5,00')).toEqual({ cents: 500n, currency: 'EUR' })
    expect(parsePriceText('3.00/mo')).toEqual({ cents: 300n, currency: 'USD' })
    expect(parsePriceText('12 EUR per month', 'USD')).toEqual({ cents: 1200n, currency: 'EUR' })
    expect(parseCents('0.5')).toBe(50n)
  })

  it('rounds up only when converting to sats, and adds gateway fees rounding up', () => {
    expect(centsToSats(499n, 1000n)).toBe(4990n)
    expect(centsToSats(1n, 1n)).toBe(1n)
    expect(withFeePercent(5990n, 1)).toBe(6050n)
    expect(withFeePercent(4500n, 0)).toBe(4500n)
  })

  it('never underestimates: sats · 100 ≥ cents · rate, and fees never lower a price (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        fc.integer({ min: 0, max: 10 }),
        (cents, rate, fee) => {
          const sats = centsToSats(cents, rate)
          expect(sats * 100n >= cents * rate).toBe(true)
          expect(sats * 100n - cents * rate < 100n).toBe(true)
          expect(withFeePercent(sats, fee) >= sats).toBe(true)
          expect(parseCents(formatCents(cents))).toBe(cents)
        },
      ),
    )
  })
})
