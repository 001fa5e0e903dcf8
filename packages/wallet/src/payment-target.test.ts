import { describe, expect, it } from 'vitest'
import { networkParams } from './network.ts'
import { parseFeeRateSatPerVb, resolvePaymentTarget } from './payment-target.ts'

const bitcoin = networkParams('bitcoin')
const ADDRESS = 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu'

describe('resolvePaymentTarget', () => {
  it('takes an address and a decimal BTC amount', () => {
    expect(resolvePaymentTarget(ADDRESS, '0.3', bitcoin)).toEqual({ to: ADDRESS, amountSats: 30_000_000n })
  })

  it('takes the amount from a URI, or a matching one given twice', () => {
    expect(resolvePaymentTarget(`bitcoin:${ADDRESS}?amount=0.5&label=x`, undefined, bitcoin)).toEqual({
      to: ADDRESS,
      amountSats: 50_000_000n,
      label: 'x',
    })
    expect(resolvePaymentTarget(`bitcoin:${ADDRESS}?amount=0.5`, '0.50', bitcoin).amountSats).toBe(
      50_000_000n,
    )
  })

  it.each([
    [ADDRESS, undefined, 'WALLET_AMOUNT_INVALID'],
    [`bitcoin:${ADDRESS}`, undefined, 'WALLET_AMOUNT_INVALID'],
    [`bitcoin:${ADDRESS}?amount=0.5`, '0.4', 'WALLET_AMOUNT_INVALID'],
    ['bitcoin:?r=https%3A%2F%2Fx', '1', 'WALLET_BIP21_MALFORMED'],
    [ADDRESS, '0.123456789', 'BASE_AMOUNT_TOO_PRECISE'],
  ])('rejects %s with amount %s as %s', (destination, amount, code) => {
    expect(() => resolvePaymentTarget(destination, amount, bitcoin)).toThrow(
      expect.objectContaining({ code }),
    )
  })
})

describe('parseFeeRateSatPerVb', () => {
  it('converts sat/vB to integer sat/kvB exactly', () => {
    expect(parseFeeRateSatPerVb('2.5')).toBe(2_500n)
    expect(parseFeeRateSatPerVb('1')).toBe(1_000n)
    expect(parseFeeRateSatPerVb('0.001')).toBe(1n)
  })

  it.each(['', '-1', '1e3', '1.0001', 'abc'])('rejects %j', (text) => {
    expect(() => parseFeeRateSatPerVb(text)).toThrow(
      expect.objectContaining({ code: 'WALLET_AMOUNT_INVALID' }),
    )
  })
})
