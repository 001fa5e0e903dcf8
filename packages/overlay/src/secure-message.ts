import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
} from 'node:crypto'
import type { Rng } from '@dolly/base'
import { bytesToHex, hexToBytes } from '@dolly/base'
import type { Body } from './messages.ts'

/** DER prefixes of X25519 PKCS#8 and SPKI keys (RFC 8410 §7 and §4); the raw 32 bytes follow. */
const PKCS8_X25519 = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
])
const SPKI_X25519 = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00])
const DM_INFO = 'dolly-dm-v1'
/** Message signed to derive the static X25519 key; never sent anywhere. */
const DH_DERIVATION_MESSAGE = new TextEncoder().encode('dolly-x25519-static-key-v1')

/** An agent's static X25519 key pair for receiving direct messages. */
export interface DhKeyPair {
  /** Hex raw public key, published in the contact record. */
  readonly publicKeyHex: string
  readonly privateKey: KeyObject
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

function x25519FromSeed(seed: Uint8Array): DhKeyPair {
  const privateKey = createPrivateKey({
    key: Buffer.from(concat(PKCS8_X25519, seed)),
    format: 'der',
    type: 'pkcs8',
  })
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return { privateKey, publicKeyHex: bytesToHex(new Uint8Array(spki.subarray(spki.byteLength - 32))) }
}

/**
 * The static X25519 key of an identity, derived from its Ed25519 key so no second secret must be
 * stored or handed over: SHA-256 of the identity's signature over a fixed domain message. Ed25519
 * signing is deterministic (RFC 8032 §5.1.6), so the key is stable; the signature is never
 * published, and SHA-256 makes the derived key independent of anything that is.
 */
export function deriveDhKeyPair(signer: { sign(data: Uint8Array): Uint8Array }): DhKeyPair {
  return x25519FromSeed(
    new Uint8Array(createHash('sha256').update(signer.sign(DH_DERIVATION_MESSAGE)).digest()),
  )
}

function publicKeyFromHex(hex: string): KeyObject | undefined {
  const raw = hexToBytes(hex)
  if (raw?.byteLength !== 32) return undefined
  try {
    return createPublicKey({ key: Buffer.from(concat(SPKI_X25519, raw)), format: 'der', type: 'spki' })
  } catch {
    return undefined
  }
}

function messageKey(shared: Uint8Array, epkHex: string, recipientHex: string): Buffer {
  const salt = concat(hexToBytes(epkHex) ?? new Uint8Array(0), hexToBytes(recipientHex) ?? new Uint8Array(0))
  return Buffer.from(hkdfSync('sha256', shared, salt, DM_INFO, 32))
}

/**
 * Encrypts `plaintext` to the recipient's static X25519 key: an ephemeral X25519 key from `rng`,
 * ECDH, HKDF-SHA-256, AES-256-GCM with `aad` (sender and recipient ids) bound in. Authentication of
 * the sender is the Ed25519 signature of the envelope that carries the result.
 */
export function sealDirect(
  rng: Rng,
  recipientDhKeyHex: string,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Body<'direct'> | undefined {
  const recipient = publicKeyFromHex(recipientDhKeyHex)
  if (recipient === undefined) return undefined
  const eph = x25519FromSeed(rng.bytes(32))
  const shared = new Uint8Array(diffieHellman({ privateKey: eph.privateKey, publicKey: recipient }))
  const iv = rng.bytes(12)
  const cipher = createCipheriv('aes-256-gcm', messageKey(shared, eph.publicKeyHex, recipientDhKeyHex), iv)
  cipher.setAAD(aad)
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  return { epk: eph.publicKeyHex, iv: bytesToHex(iv), ct: ct.toString('base64') }
}

/** Decrypts a sealed direct message with our static key; undefined when it was not sealed to us or was altered. */
export function openDirect(self: DhKeyPair, body: Body<'direct'>, aad: Uint8Array): Uint8Array | undefined {
  const epk = publicKeyFromHex(body.epk)
  const data = Buffer.from(body.ct, 'base64')
  // One ciphertext, one encoding: base64 leaves the low bits of its last character unused, so
  // `…0A==` and `…0D==` decode alike; a second spelling of a sealed message is refused (fuzz suite).
  if (epk === undefined || data.byteLength < 16 || data.toString('base64') !== body.ct) return undefined
  try {
    const shared = new Uint8Array(diffieHellman({ privateKey: self.privateKey, publicKey: epk }))
    const decipher = createDecipheriv(
      'aes-256-gcm',
      messageKey(shared, body.epk, self.publicKeyHex),
      hexToBytes(body.iv) ?? new Uint8Array(0),
    )
    decipher.setAAD(aad)
    decipher.setAuthTag(data.subarray(data.byteLength - 16))
    return new Uint8Array(
      Buffer.concat([decipher.update(data.subarray(0, data.byteLength - 16)), decipher.final()]),
    )
  } catch {
    // A wrong key, a low-order point or a bad tag all mean the same to the caller: not for us.
    return undefined
  }
}
