import { createSeededRng } from '../rng.ts'
import { describe, expect, it } from 'vitest'
import { generateIdentity } from './identity.ts'
import { createSignatureVerifier, isEd25519Point } from './ed25519.ts'

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
const P = 2n ** 255n - 19n
const modPow = (b: bigint, e: bigint): bigint => {
  let r = 1n
  b %= P
  for (; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P
  return r
}
const le = (y: bigint, signBit = 0n): Uint8Array => {
  const v = y | (signBit << 255n)
  return Uint8Array.from({ length: 32 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn))
}

describe('Ed25519 public keys', () => {
  it('accepts the RFC 8032 §7.1 test keys and generated ones', () => {
    for (const pk of [
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    ])
      expect(isEd25519Point(hex(pk))).toBe(true)
    for (let i = 0; i < 20; i++)
      expect(isEd25519Point(generateIdentity(createSeededRng(`pt-${i}`)).publicKey)).toBe(true)
  })

  it('refuses y ≥ p, x = 0 with the sign bit set, and y whose x² is not a square', () => {
    expect(isEd25519Point(le(P))).toBe(false)
    expect(isEd25519Point(le(2n ** 255n - 1n))).toBe(false)
    expect(isEd25519Point(le(1n))).toBe(true)
    expect(isEd25519Point(le(1n, 1n))).toBe(false)
    // Euler's criterion, independent of the decoder: (u/v)^((p-1)/2) = p - 1 means no square root.
    const d = (((-121665n * modPow(121666n, P - 2n)) % P) + P) % P
    const nonSquare = Array.from({ length: 50 }, (_, i) => BigInt(i + 2)).find((y) => {
      const u = (y * y - 1n) % P
      const v = (d * y * y + 1n) % P
      return modPow((u * modPow(v, P - 2n)) % P, (P - 1n) / 2n) === P - 1n
    })
    expect(nonSquare).toBeDefined()
    expect(isEd25519Point(le(nonSquare!))).toBe(false)
    expect(createSignatureVerifier().isValidKey(le(nonSquare!))).toBe(false)
    expect(isEd25519Point(new Uint8Array(31))).toBe(false)
  })
})
