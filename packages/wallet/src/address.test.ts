import { describe, expect, it } from 'vitest'
import { validateAddress } from './address.ts'
import { deriveAccount, deriveAddress, mnemonicToRoot } from './hd/keys.ts'
import { networkParams } from './network.ts'

const world = networkParams('world')
const MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'

describe('validateAddress', () => {
  const account = deriveAccount(mnemonicToRoot(MNEMONIC, world), world)
  const ours = deriveAddress(account, world, 0, 0)

  it('accepts our own world (rltc) P2WPKH address and rebuilds its script', () => {
    expect(ours.address.startsWith('rltc1q')).toBe(true)
    expect(validateAddress(ours.address, world).script).toEqual(ours.script)
  })

  it.each([
    ['bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 'bitcoin'],
    ['tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'testnet'],
    ['1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', 'bitcoin'],
    ['3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 'bitcoin'],
  ])('refuses %s (%s) on the world chain', (address, network) => {
    expect(() => validateAddress(address, world)).toThrow(
      expect.objectContaining({
        code: 'WALLET_ADDRESS_WRONG_NETWORK',
        details: expect.objectContaining({ addressNetwork: network }),
      }),
    )
  })

  it('refuses a world address on mainnet', () => {
    expect(() => validateAddress(ours.address, networkParams('bitcoin'))).toThrow(
      expect.objectContaining({ code: 'WALLET_ADDRESS_WRONG_NETWORK' }),
    )
  })

  it('accepts a testnet-style P2PKH (shared version 0x6f) on regtest', () => {
    expect(validateAddress('mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn', networkParams('regtest')).kind).toBe('p2pkh')
  })

  it.each(['', 'rltc1qqqqqqqq', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3', 'x'.repeat(91)])(
    'rejects %j as invalid',
    (address) => {
      expect(() => validateAddress(address, world)).toThrow(
        expect.objectContaining({ code: 'WALLET_ADDRESS_INVALID' }),
      )
    },
  )
})
