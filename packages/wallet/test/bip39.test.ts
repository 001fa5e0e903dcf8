import { readFileSync } from 'node:fs'
import * as bip39 from 'bip39'
import { describe, expect, it } from 'vitest'
import { generateMnemonic, mnemonicToRoot, networkParams, seedToRoot } from '@dolly/wallet'
import { createSeededRng } from '@dolly/base'

// Trezor's BIP39 English vectors as copied by bitcoinjs/bip39 (test/vectors.json); passphrase "TREZOR".
const vectors = JSON.parse(
  readFileSync(new URL('./vectors/bip39-english.json', import.meta.url), 'utf8'),
) as [string, string, string][]

describe('BIP39 (Trezor vectors, passphrase TREZOR)', () => {
  it.each(vectors)('entropy %s gives the listed words and seed', (entropyHex, mnemonic, seedHex) => {
    expect(bip39.entropyToMnemonic(entropyHex)).toBe(mnemonic)
    expect(bip39.mnemonicToSeedSync(mnemonic, 'TREZOR').toString('hex')).toBe(seedHex)
    // Our root is the BIP32 master of that seed.
    const params = networkParams('bitcoin')
    expect(mnemonicToRoot(mnemonic, params, 'TREZOR').toBase58()).toBe(
      seedToRoot(Buffer.from(seedHex, 'hex'), params).toBase58(),
    )
  })

  it('rejects a mnemonic with a bad checksum', () => {
    const words =
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon'
    expect(() => mnemonicToRoot(words, networkParams('bitcoin'))).toThrow(
      expect.objectContaining({ code: 'WALLET_MNEMONIC_INVALID' }),
    )
  })

  it('refuses a seeded Rng for mainnet keys but allows it on the world chain', () => {
    const rng = createSeededRng(7)
    expect(() => generateMnemonic(rng, networkParams('bitcoin'))).toThrow(
      expect.objectContaining({ code: 'WALLET_SEEDED_RNG_ON_MAINNET' }),
    )
    expect(generateMnemonic(rng, networkParams('world')).split(' ')).toHaveLength(24)
  })
})
