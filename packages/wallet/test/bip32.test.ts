import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { networkParams, seedToRoot } from '@dolly/wallet'

// BIP32 "Test vector 1", copied verbatim from bip-0032.mediawiki into vectors/bip32-vector1.txt.
const text = readFileSync(new URL('./vectors/bip32-vector1.txt', import.meta.url), 'utf8')
const seedHex = /Seed \(hex\): ([0-9a-f]+)/.exec(text)?.[1] ?? ''
const chains = [...text.matchAll(/\* Chain (\S+)\n\*\* ext pub: (\S+)\n\*\* ext prv: (\S+)/g)].map((m) => ({
  path: (m[1] ?? '').replaceAll('<sub>H</sub>', "'"),
  xpub: m[2] ?? '',
  xprv: m[3] ?? '',
}))

describe('BIP32 test vector 1', () => {
  it('has the six chains of the BIP', () => {
    expect(seedHex).toBe('000102030405060708090a0b0c0d0e0f')
    expect(chains).toHaveLength(6)
  })

  it.each(chains)('derives $path', ({ path, xpub, xprv }) => {
    const master = seedToRoot(Buffer.from(seedHex, 'hex'), networkParams('bitcoin'))
    const node = path === 'm' ? master : master.derivePath(path)
    expect(node.toBase58()).toBe(xprv)
    expect(node.neutered().toBase58()).toBe(xpub)
  })
})
