import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  deriveAccount,
  deriveAddress,
  mnemonicToRoot,
  networkParams,
  type NetworkParams,
} from '@dolly/wallet'

// BIP84 "Test vectors", copied verbatim from bip-0084.mediawiki into vectors/bip84.txt.
const text = readFileSync(new URL('./vectors/bip84.txt', import.meta.url), 'utf8')
const field = (name: string): string[] =>
  [...text.matchAll(new RegExp(`^\\s*${name}\\s*= (\\S.*)`, 'gm'))].map((m) => (m[1] ?? '').trim())

const bitcoin = networkParams('bitcoin')
// BIP84 serialises with SLIP-132 zprv/zpub version bytes; only the prefix differs from xprv/xpub.
const zNetwork: NetworkParams = {
  ...bitcoin,
  bitcoinjs: { ...bitcoin.bitcoinjs, bip32: { public: 0x04b24746, private: 0x04b2430c } },
}

describe('BIP84 test vectors', () => {
  const mnemonic = field('mnemonic')[0] ?? ''
  const root = mnemonicToRoot(mnemonic, zNetwork)
  const account = deriveAccount(root, zNetwork)
  const [addr0, addr1, change0] = field('address')
  const [pub0, pub1, pubChange0] = field('pubkey')
  const [wif0, wif1, wifChange0] = field('privkey')

  it('derives the root and account 0 keys', () => {
    expect(root.toBase58()).toBe(field('rootnode')[0])
    expect(account.toBase58()).toBe(field('xpriv')[0])
  })

  it.each([
    [0, 0, addr0, pub0, wif0],
    [0, 1, addr1, pub1, wif1],
    [1, 0, change0, pubChange0, wifChange0],
  ] as const)('derives m/84h/0h/0h/%i/%i', (chain, index, address, pubkey, wif) => {
    const derived = deriveAddress(account, bitcoin, chain, index)
    expect(derived.address).toBe(address)
    expect(Buffer.from(derived.publicKey).toString('hex')).toBe(pubkey)
    expect(account.derive(chain).derive(index).toWIF()).toBe(wif)
  })

  it('derives the same addresses from the neutered account (watch-only)', () => {
    expect(deriveAddress(account.neutered(), bitcoin, 0, 0).address).toBe(addr0)
  })
})
