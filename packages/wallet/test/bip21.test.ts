import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { networkParams, parsePaymentUri, parsePaymentUriSyntax } from '@dolly/wallet'

// BIP21 "Examples", verbatim in vectors/bip21-examples.txt.
const text = readFileSync(new URL('./vectors/bip21-examples.txt', import.meta.url), 'utf8')
const uris = [...text.matchAll(/^ (bitcoin:\S+)$/gm)].map((m) => m[1] ?? '')
const bitcoin = networkParams('bitcoin')
const parse = (uri: string, params: typeof bitcoin): ReturnType<typeof parsePaymentUriSyntax> =>
  parsePaymentUriSyntax(uri, params.uriScheme)

describe('BIP21 examples', () => {
  it('lists six examples', () => expect(uris).toHaveLength(6))

  it('parses just the address', () => {
    expect(parse(uris[0] ?? '', bitcoin)).toEqual({ address: '175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W' })
  })

  it('parses the address with a name', () => {
    expect(parse(uris[1] ?? '', bitcoin)).toEqual({
      address: '175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W',
      label: 'Luke-Jr',
    })
  })

  it('parses 20.30 BTC exactly', () => {
    expect(parse(uris[2] ?? '', bitcoin).amountSats).toBe(2_030_000_000n)
  })

  it('parses 50 BTC with a percent-encoded message', () => {
    expect(parse(uris[3] ?? '', bitcoin)).toEqual({
      address: '175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W',
      amountSats: 5_000_000_000n,
      label: 'Luke-Jr',
      message: 'Donation for project xyz',
    })
  })

  it('rejects unknown required (req-) parameters', () => {
    expect(() => parse(uris[4] ?? '', bitcoin)).toThrow(
      expect.objectContaining({ code: 'WALLET_BIP21_REQ_UNKNOWN' }),
    )
  })

  it('rejects the examples in full validation: their address fails its base58 checksum', () => {
    expect(() => parsePaymentUri(uris[0] ?? '', bitcoin)).toThrow(
      expect.objectContaining({ code: 'WALLET_ADDRESS_INVALID' }),
    )
  })

  it('ignores unknown optional parameters', () => {
    expect(parse(uris[5] ?? '', bitcoin)).toEqual({ address: '175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W' })
  })
})
