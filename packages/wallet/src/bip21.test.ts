import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatPaymentUri, parsePaymentUri } from './bip21.ts'
import { networkParams } from './network.ts'

const bitcoin = networkParams('bitcoin')
const ADDRESS = 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4'

describe('parsePaymentUri', () => {
  it('parses the CLOUDOMATE.md golden URI in any parameter order', () => {
    const expected = { address: ADDRESS, amountSats: 150_000n, label: 'Inv 42' }
    expect(parsePaymentUri(`bitcoin:${ADDRESS}?label=Inv%2042&amount=0.0015`, bitcoin)).toEqual(expected)
    expect(parsePaymentUri(`BITCOIN:${ADDRESS}?amount=0.0015&label=Inv%2042`, bitcoin)).toEqual(expected)
  })

  it('keeps r= and lightning, and accepts a BIP72 request with no address', () => {
    expect(parsePaymentUri('bitcoin:?r=https%3A%2F%2Fpay.example%2Fi%2F1', bitcoin)).toEqual({
      r: 'https://pay.example/i/1',
    })
    expect(parsePaymentUri(`bitcoin:${ADDRESS}?lightning=lnbc1x`, bitcoin).lightning).toBe('lnbc1x')
  })

  it.each([
    [`bitcoin:${ADDRESS}?amount=0.000000001`, 'WALLET_AMOUNT_TOO_PRECISE'],
    [`bitcoin:${ADDRESS}?amount=1e-5`, 'WALLET_AMOUNT_INVALID'],
    [`bitcoin:${ADDRESS}?amount=-1`, 'WALLET_AMOUNT_INVALID'],
    [`bitcoin:${ADDRESS}?amount=21000001`, 'WALLET_AMOUNT_OUT_OF_RANGE'],
    [`bitcoin:${ADDRESS}?amount=1&amount=2`, 'WALLET_BIP21_MALFORMED'],
    [`bitcoin:${ADDRESS}?label=%E0%A4%A`, 'WALLET_BIP21_MALFORMED'],
    [`bitcoin:${ADDRESS}?label`, 'WALLET_BIP21_MALFORMED'],
    ['bitcoin:', 'WALLET_BIP21_MALFORMED'],
    [`litecoin:${ADDRESS}`, 'WALLET_BIP21_MALFORMED'],
    ['bitcoin:tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'WALLET_ADDRESS_WRONG_NETWORK'],
    ['bitcoin:notanaddress', 'WALLET_ADDRESS_INVALID'],
  ])('rejects %s with %s', (uri, code) => {
    expect(() => parsePaymentUri(uri, bitcoin)).toThrow(expect.objectContaining({ code }))
  })

  it('round-trips format → parse for any amount, label and message', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }),
        fc.string(),
        fc.string(),
        (amountSats, label, message) => {
          const request = { address: ADDRESS, amountSats, label, message }
          expect(parsePaymentUri(formatPaymentUri(request, bitcoin), bitcoin)).toEqual(request)
        },
      ),
    )
  })
})
