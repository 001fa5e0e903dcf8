import { createPublicKey, verify, type KeyObject } from 'node:crypto'

/** Bytes of an Ed25519 public key. */
export const PUBLIC_KEY_BYTES = 32
/** Bytes of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64
import { bytesToHex } from './bytes.ts'

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4); the raw 32-byte key follows. */
export const ED25519_SPKI_PREFIX: Uint8Array = new Uint8Array([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
])

/** What signs blocks: the agent's identity (see `identity/`). */
export interface BlockSigner {
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** Ed25519 signature (64 bytes) over `data`. */
  sign(data: Uint8Array): Uint8Array
}

/** Checks Ed25519 signatures against raw public keys. */
export interface SignatureVerifier {
  /** True when `signature` is a valid Ed25519 signature of `data` by `publicKey`; false for any malformed input. */
  verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean
  /** True when `publicKey` encodes a point of the curve (RFC 8032 §5.1.3); OpenSSL's import does not check. */
  isValidKey(publicKey: Uint8Array): boolean
}

/** Default number of parsed keys a verifier keeps: parsing a key costs about a third of a verification. */
export const VERIFIER_CACHE_KEYS = 4096

/** Parses a raw Ed25519 public key into a node:crypto key; undefined when it is not one. */
export function ed25519PublicKey(raw: Uint8Array): KeyObject | undefined {
  if (raw.byteLength !== PUBLIC_KEY_BYTES) return undefined
  const der = new Uint8Array(ED25519_SPKI_PREFIX.byteLength + PUBLIC_KEY_BYTES)
  der.set(ED25519_SPKI_PREFIX, 0)
  der.set(raw, ED25519_SPKI_PREFIX.byteLength)
  try {
    return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
  } catch {
    // OpenSSL refuses some encodings outright; "not a key" is the answer, not an error.
    return undefined
  }
}

/**
 * A verifier with its own bounded cache of parsed keys (per instance, so two agents in one process
 * share nothing). The signature is always checked; only the key parsing is cached.
 */
export function createSignatureVerifier(cacheKeys: number = VERIFIER_CACHE_KEYS): SignatureVerifier {
  const cache = new Map<string, KeyObject | undefined>()
  const validity = new Map<string, boolean>()
  return {
    isValidKey(publicKey) {
      if (publicKey.byteLength !== PUBLIC_KEY_BYTES) return false
      const id = bytesToHex(publicKey)
      let valid = validity.get(id)
      if (valid === undefined) {
        valid = isEd25519Point(publicKey)
        if (validity.size >= cacheKeys) validity.clear()
        validity.set(id, valid)
      }
      return valid
    },
    verify(publicKey, data, signature) {
      if (signature.byteLength !== SIGNATURE_BYTES || publicKey.byteLength !== PUBLIC_KEY_BYTES) return false
      const id = bytesToHex(publicKey)
      let key = cache.get(id)
      if (key === undefined && !cache.has(id)) {
        key = ed25519PublicKey(publicKey)
        if (cache.size >= cacheKeys) cache.clear()
        cache.set(id, key)
      }
      if (key === undefined) return false
      try {
        return verify(null, data, key, signature)
      } catch {
        return false
      }
    },
  }
}

const P = 2n ** 255n - 19n
const D = mod(-121665n * modPow(121666n, P - 2n))
const SQRT_M1 = modPow(2n, (P - 1n) / 4n)

/**
 * RFC 8032 §5.1.3 point decoding, as a yes/no: y < p, and x² = (y² − 1)/(d·y² + 1) has a root
 * (with x = 0 only when the sign bit is clear). About 0.1 ms, hence the verifier's cache.
 */
export function isEd25519Point(raw: Uint8Array): boolean {
  if (raw.byteLength !== PUBLIC_KEY_BYTES) return false
  let y = 0n
  for (let i = raw.byteLength - 1; i >= 0; i--) y = (y << 8n) | BigInt(raw[i] ?? 0)
  const sign = y >> 255n
  y &= (1n << 255n) - 1n
  if (y >= P) return false
  const y2 = mod(y * y)
  const u = mod(y2 - 1n)
  const v = mod(D * y2 + 1n)
  const v3 = mod(v * v * v)
  let x = mod(u * v3 * modPow(mod(u * v3 * v3 * v), (P - 5n) / 8n))
  const vx2 = mod(v * x * x)
  if (vx2 !== u) {
    if (vx2 !== mod(-u)) return false
    x = mod(x * SQRT_M1)
  }
  return !(x === 0n && sign === 1n)
}

function mod(a: bigint): bigint {
  const r = a % P
  return r < 0n ? r + P : r
}

function modPow(base: bigint, exponent: bigint): bigint {
  let result = 1n
  let b = mod(base)
  let e = exponent
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % P
    b = (b * b) % P
    e >>= 1n
  }
  return result
}
