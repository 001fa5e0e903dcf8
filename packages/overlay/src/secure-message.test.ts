import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { generateIdentity } from '@dolly/base'
import { deriveDhKeyPair, openDirect, sealDirect } from './secure-message.ts'

const bob = deriveDhKeyPair(generateIdentity(createSeededRng('dm-bob')))
const eve = deriveDhKeyPair(generateIdentity(createSeededRng('dm-eve')))
const aad = new TextEncoder().encode('alice->bob')
const text = new TextEncoder().encode('the seed stays home')

describe('direct messages', () => {
  it('derives a stable X25519 key from the identity', () => {
    expect(deriveDhKeyPair(generateIdentity(createSeededRng('dm-bob'))).publicKeyHex).toBe(bob.publicKeyHex)
    expect(eve.publicKeyHex).not.toBe(bob.publicKeyHex)
  })

  it('opens for the recipient only, and fails on any change of ciphertext, IV or associated data', () => {
    const sealed = sealDirect(createSeededRng('dm-1'), bob.publicKeyHex, text, aad)
    if (sealed === undefined) throw new Error('sealing failed')
    expect(openDirect(bob, sealed, aad)).toEqual(text)
    expect(Buffer.from(sealed.ct, 'base64').includes(Buffer.from(text))).toBe(false)
    expect(openDirect(eve, sealed, aad)).toBeUndefined()
    expect(openDirect(bob, sealed, new TextEncoder().encode('mallory->bob'))).toBeUndefined()
    const ct = Buffer.from(sealed.ct, 'base64')
    ct[0] = (ct[0] ?? 0) ^ 1
    expect(openDirect(bob, { ...sealed, ct: ct.toString('base64') }, aad)).toBeUndefined()
    expect(openDirect(bob, { ...sealed, iv: '00'.repeat(12) }, aad)).toBeUndefined()
  })

  it('refuses a second spelling of the same ciphertext (unused low bits of the last base64 character)', () => {
    // 16 bytes (an empty plaintext plus the tag) end in "x==", where x carries 2 bits and 4 unused.
    const sealed = sealDirect(createSeededRng('dm-4'), bob.publicKeyHex, new Uint8Array(0), aad)
    if (sealed === undefined) throw new Error('sealing failed')
    expect(sealed.ct).toMatch(/==$/)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const last = sealed.ct.length - 3
    const respelled = `${sealed.ct.slice(0, last)}${alphabet[alphabet.indexOf(sealed.ct[last] ?? 'A') + 1] ?? ''}==`
    expect(Buffer.from(respelled, 'base64')).toEqual(Buffer.from(sealed.ct, 'base64'))
    expect(openDirect(bob, sealed, aad)).toEqual(new Uint8Array(0))
    expect(openDirect(bob, { ...sealed, ct: respelled }, aad)).toBeUndefined()
  })

  it('uses a fresh ephemeral key per message', () => {
    const rng = createSeededRng('dm-2')
    const a = sealDirect(rng, bob.publicKeyHex, text, aad)
    const b = sealDirect(rng, bob.publicKeyHex, text, aad)
    expect(a?.epk).not.toBe(b?.epk)
    expect(a?.ct).not.toBe(b?.ct)
  })

  it('refuses a recipient key that is not 32 bytes', () => {
    expect(sealDirect(createSeededRng('dm-3'), 'ab', text, aad)).toBeUndefined()
  })
})
