import { describe, expect, it } from 'vitest'
import { createSeededRng, createVirtualClock } from '@dolly/base'
import { createKeystore, keystoreAccount, parseKeystoreDocument, unlockKeystore } from './keystore.ts'

// Low scrypt cost keeps unit tests fast; the cost is stored in the document, so unlocking honours it.
const kdf = { n: 1024, r: 8, p: 1 }
const deps = () => ({ rng: createSeededRng('keystore-test'), clock: createVirtualClock(1_700_000_000_000) })

describe('keystore', () => {
  it('round-trips: the unlocked root matches the stored xpub, and no secret is stored in clear', async () => {
    const { document, wallet } = await createKeystore(deps(), {
      network: 'world',
      passphrase: 'correct horse',
      kdf,
    })
    const json = JSON.stringify(document)
    expect(json).not.toContain(wallet.mnemonic ?? 'x')
    expect(json).not.toContain(wallet.root.toBase58())
    const parsed = parseKeystoreDocument(JSON.parse(json))
    const unlocked = await unlockKeystore(parsed, 'correct horse')
    expect(unlocked.mnemonic).toBe(wallet.mnemonic)
    expect(unlocked.account.neutered().toBase58()).toBe(keystoreAccount(parsed).account.toBase58())
  })

  it('refuses a wrong passphrase', async () => {
    const { document } = await createKeystore(deps(), { network: 'world', passphrase: 'right', kdf })
    await expect(unlockKeystore(document, 'wrong')).rejects.toMatchObject({
      code: 'WALLET_KEYSTORE_WRONG_PASSPHRASE',
    })
  })

  it('detects a tampered ciphertext', async () => {
    const { document } = await createKeystore(deps(), { network: 'world', passphrase: 'pw', kdf })
    const flipped = document.sealed.ciphertextHex.replace(/^./, (c) => (c === '0' ? '1' : '0'))
    await expect(
      unlockKeystore({ ...document, sealed: { ...document.sealed, ciphertextHex: flipped } }, 'pw'),
    ).rejects.toMatchObject({
      code: 'WALLET_KEYSTORE_WRONG_PASSPHRASE',
    })
  })

  it('refuses a seeded Rng on mainnet and an empty passphrase', async () => {
    await expect(createKeystore(deps(), { network: 'bitcoin', passphrase: 'pw', kdf })).rejects.toMatchObject(
      { code: 'WALLET_SEEDED_RNG_ON_MAINNET' },
    )
    await expect(createKeystore(deps(), { network: 'world', passphrase: '', kdf })).rejects.toMatchObject({
      code: 'WALLET_KEYSTORE_PASSPHRASE_MISSING',
    })
  })

  it('restores the BIP84 account of a given mnemonic', async () => {
    const mnemonic =
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'
    const a = await createKeystore(deps(), { network: 'world', passphrase: 'a', mnemonic, kdf })
    const b = await createKeystore(
      { ...deps(), rng: createSeededRng('other') },
      { network: 'world', passphrase: 'b', mnemonic, kdf },
    )
    expect(a.document.accountXpub).toBe(b.document.accountXpub)
  })

  it('rejects a document with unknown keys or a wrong format', () => {
    expect(() => parseKeystoreDocument({ format: 'other' })).toThrow(
      expect.objectContaining({ code: 'WALLET_KEYSTORE_CORRUPT' }),
    )
  })
})
