import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto'
import type { Rng } from '../rng.ts'
import { IdentityError } from './errors.ts'

/**
 * The agent's identity: one Ed25519 key pair (DESIGN.md §4). It signs ledger blocks and, later,
 * network envelopes. The file form is PKCS#8 PEM, which `openssl pkey` can read.
 */
export interface Identity {
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** Ed25519 signature (64 bytes) over `data`. */
  sign(data: Uint8Array): Uint8Array
  /** PKCS#8 PEM of the private key: a secret, written 0600 and never logged. */
  toPem(): string
}

/** DER prefix of an Ed25519 PKCS#8 PrivateKeyInfo (RFC 8410 §7); the 32-byte seed follows. */
const PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])
const SEED_BYTES = 32

/** Builds the identity whose RFC 8032 secret seed is `seed` (32 bytes). */
export function identityFromSeed(seed: Uint8Array): Identity {
  if (seed.byteLength !== SEED_BYTES) {
    throw new IdentityError(
      'IDENTITY_KEY_MALFORMED',
      `an Ed25519 seed is ${SEED_BYTES} bytes, got ${seed.byteLength}`,
    )
  }
  const der = new Uint8Array(PKCS8_PREFIX.byteLength + SEED_BYTES)
  der.set(PKCS8_PREFIX, 0)
  der.set(seed, PKCS8_PREFIX.byteLength)
  return fromKeyObject(createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }))
}

/** A fresh identity from `rng` (STYLE.md §1.2: key material only from an injected Rng; use a CSPRNG one outside tests). */
export function generateIdentity(rng: Rng): Identity {
  return identityFromSeed(rng.bytes(SEED_BYTES))
}

/** Parses a PKCS#8 PEM Ed25519 private key; throws IDENTITY_KEY_MALFORMED for anything else. */
export function identityFromPem(pem: string): Identity {
  let key: KeyObject
  try {
    key = createPrivateKey({ key: pem, format: 'pem' })
  } catch (err) {
    throw new IdentityError(
      'IDENTITY_KEY_MALFORMED',
      'identity key is not a PEM private key; restore identity.key from a backup',
      {},
      { cause: err },
    )
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new IdentityError(
      'IDENTITY_KEY_MALFORMED',
      `identity key is ${String(key.asymmetricKeyType)}, expected ed25519`,
    )
  }
  return fromKeyObject(key)
}

function fromKeyObject(privateKey: KeyObject): Identity {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  const publicKey = new Uint8Array(spki.subarray(spki.byteLength - 32))
  return {
    publicKey,
    sign: (data) => new Uint8Array(sign(null, data, privateKey)),
    toPem: () => privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  }
}
