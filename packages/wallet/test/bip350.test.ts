import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeAddress } from '@dolly/wallet'

// BIP350 "Test vectors for v0-v16 native segregated witness addresses", verbatim in vectors/bip350-addresses.txt.
const text = readFileSync(new URL('./vectors/bip350-addresses.txt', import.meta.url), 'utf8')
const [validPart = '', invalidPart = ''] = text.split('The following list gives invalid segwit addresses')
const valid = [...validPart.matchAll(/\* <tt>(\S+)<\/tt>: <tt>([0-9a-f]+)<\/tt>/g)].map(
  (m) => [m[1] ?? '', m[2] ?? ''] as const,
)
const invalid = [...invalidPart.matchAll(/\* <tt>(\S+)<\/tt>: (.+)/g)].map(
  (m) => [m[1] ?? '', m[2] ?? ''] as const,
)

describe('BIP350 segwit address vectors', () => {
  it('parsed the whole lists', () => {
    expect(valid).toHaveLength(8)
    expect(invalid).toHaveLength(15)
  })

  it.each(valid)('accepts %s as scriptPubKey %s', (address, scriptHex) => {
    expect(Buffer.from(decodeAddress(address).script).toString('hex')).toBe(scriptHex)
  })

  it.each(invalid)('rejects %s (%s)', (address) => {
    expect(() => decodeAddress(address)).toThrow(expect.objectContaining({ code: 'WALLET_ADDRESS_INVALID' }))
  })
})
