/**
 * The secp256k1 backend of the wallet (BIP32 derivation, ECDSA signing and verifying): libsecp256k1
 * itself, either natively (the `secp256k1` package's N-API build, which ships prebuilt for linux-x64)
 * or compiled to WebAssembly (`tiny-secp256k1`, the fallback wherever the native build does not
 * load). Both are the same C library, so keys, signatures (RFC 6979 nonces, low S) and every check
 * agree byte for byte (ecc.test.ts compares them); the native one is 3–4× faster per operation
 * (pubkey from a private key 53 µs instead of 171, a signature 40 µs instead of 180, on this 2-core
 * machine), which is a third of the fleet simulator's CPU and most of a wallet's address scan.
 *
 * The interface is bip32's (`TinySecp256k1Interface`), which tiny-secp256k1 implements as is.
 */
import { createRequire } from 'node:module'

/** What the wallet asks of secp256k1 (bip32's TinySecp256k1Interface, ECDSA part). */
export interface Secp256k1 {
  isPoint(p: Uint8Array): boolean
  isPrivate(d: Uint8Array): boolean
  pointFromScalar(d: Uint8Array, compressed?: boolean): Uint8Array | null
  pointAddScalar(p: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array | null
  privateAdd(d: Uint8Array, tweak: Uint8Array): Uint8Array | null
  sign(h: Uint8Array, d: Uint8Array, e?: Uint8Array): Uint8Array
  verify(h: Uint8Array, Q: Uint8Array, signature: Uint8Array, strict?: boolean): boolean
}

/** Which implementation {@link ecc} is. */
export type EccBackend = 'native' | 'wasm'

/** The parts of the `secp256k1` package's native binding the adapter uses. */
interface NativeSecp256k1 {
  privateKeyVerify(privateKey: Uint8Array): boolean
  privateKeyTweakAdd(privateKey: Uint8Array, tweak: Uint8Array): Uint8Array
  publicKeyVerify(publicKey: Uint8Array): boolean
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyTweakAdd(publicKey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array
  signatureNormalize(signature: Uint8Array): Uint8Array
  ecdsaSign(
    message: Uint8Array,
    privateKey: Uint8Array,
    options?: { data?: Uint8Array },
  ): { signature: Uint8Array }
  ecdsaVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
}

const require = createRequire(import.meta.url)

/** secp256k1's group order n, big-endian. */
const ORDER = Uint8Array.from(
  Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex'),
)

/** Whether the 32-byte big-endian `x` is below the group order (a valid tweak, zero included). */
function belowOrder(x: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) {
    const a = x[i] as number
    const b = ORDER[i] as number
    if (a !== b) return a < b
  }
  return false
}

const isZero = (x: Uint8Array): boolean => x.every((b) => b === 0)

/**
 * bip32's interface over the native binding, with tiny-secp256k1's contract: invalid input throws,
 * a result at infinity (or a zero private key) is null, an uncompressed input point stays
 * uncompressed unless asked otherwise, and `verify` without `strict` accepts a high-S signature.
 */
function adaptNative(n: NativeSecp256k1): Secp256k1 {
  const checkPrivate = (d: Uint8Array): void => {
    if (d.length !== 32 || !n.privateKeyVerify(d)) throw new TypeError('Expected Private')
  }
  /** SEC1 compressed (02/03) or uncompressed (04) on the curve; libsecp's parser also takes hybrid 06/07. */
  const isPoint = (p: Uint8Array): boolean =>
    ((p.length === 33 && (p[0] === 2 || p[0] === 3)) || (p.length === 65 && p[0] === 4)) &&
    n.publicKeyVerify(p)
  const checkPoint = (p: Uint8Array): void => {
    if (!isPoint(p)) throw new TypeError('Expected Point')
  }
  const checkTweak = (t: Uint8Array): void => {
    if (t.length !== 32 || !belowOrder(t)) throw new TypeError('Expected Tweak')
  }
  const checkHash = (h: Uint8Array): void => {
    if (h.length !== 32) throw new TypeError('Expected Hash')
  }
  return {
    isPoint,
    isPrivate: (d) => d.length === 32 && n.privateKeyVerify(d),
    pointFromScalar(d, compressed = true) {
      checkPrivate(d)
      return n.publicKeyCreate(d, compressed)
    },
    pointAddScalar(p, tweak, compressed) {
      checkPoint(p)
      checkTweak(tweak)
      try {
        return n.publicKeyTweakAdd(p, tweak, compressed ?? p.length === 33)
      } catch {
        // The sum is the point at infinity (tweak = -p's scalar).
        return null
      }
    },
    privateAdd(d, tweak) {
      checkPrivate(d)
      checkTweak(tweak)
      if (isZero(tweak)) return Uint8Array.from(d)
      try {
        return n.privateKeyTweakAdd(Uint8Array.from(d), tweak)
      } catch {
        // The sum is zero mod n.
        return null
      }
    },
    sign(h, d, e) {
      checkHash(h)
      checkPrivate(d)
      if (e !== undefined && e.length !== 32) throw new TypeError('Expected Extra Data (32 bytes)')
      return n.ecdsaSign(h, d, e === undefined ? {} : { data: e }).signature
    },
    verify(h, Q, signature, strict = false) {
      checkHash(h)
      checkPoint(Q)
      if (signature.length !== 64) throw new TypeError('Expected Signature')
      const r = signature.subarray(0, 32)
      const s = signature.subarray(32, 64)
      if (!belowOrder(r) || !belowOrder(s)) throw new TypeError('Expected Signature')
      // A zero r or s is well-formed (below n) and never valid.
      if (isZero(r) || isZero(s)) return false
      // libsecp256k1 verifies low-S signatures only; without `strict` a high S counts after normalizing.
      const sig = strict ? signature : n.signatureNormalize(Uint8Array.from(signature))
      return n.ecdsaVerify(sig, h, Q)
    },
  }
}

/** The native backend, or undefined when its build does not load here (another platform, no prebuild). */
export function loadNativeEcc(): Secp256k1 | undefined {
  try {
    // `bindings`, not the package's index: the index falls back silently to elliptic (pure JS, slow).
    return adaptNative(require('secp256k1/bindings') as NativeSecp256k1)
  } catch {
    return undefined
  }
}

/** The WebAssembly backend (always available). */
export function loadWasmEcc(): Secp256k1 {
  return require('tiny-secp256k1') as Secp256k1
}

const native = loadNativeEcc()

/** The backend the wallet uses: native where it loads, else WebAssembly. */
export const eccBackend: EccBackend = native === undefined ? 'wasm' : 'native'

/** The wallet's secp256k1. */
export const ecc: Secp256k1 = native ?? loadWasmEcc()
