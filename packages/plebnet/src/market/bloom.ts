import { hash } from 'node:crypto'
import { MarketError } from '@dolly/market'

/**
 * The Bloom filter of book sync (Tribler PR #3512): a matchmaker sends a random neighbour a filter of
 * the order ids it holds; the neighbour answers with the orders the filter does not contain.
 *
 * Bit positions of a key: `sha256(salt ‖ key)`, its first two big-endian u32 `h1`, `h2 | 1`, and
 * `(h1 + i·h2) mod m` for i < k (double hashing, Kirsch–Mitzenmacher). The salt is fresh each round,
 * so an id a false positive hides from one round is seen in the next.
 *
 * Sizing (`bloomParams`): the power of two of bytes that gives at least `BLOOM_BITS_PER_KEY` (10)
 * bits per key, k = round(m/n · ln 2) (at most 16): a false-positive rate of at most about 0.8 %;
 * at most `BLOOM_MAX_BYTES` (8 KiB, 65 536 bits), so up to about 6 500 keys stay under 1 %; beyond
 * that the rate grows (10 000 keys: ≈ 4 %, 20 000: ≈ 21 %, `bloomFalsePositiveRate`). A false
 * positive only delays an order to a later round (the salt changes).
 */

/** Smallest filter, bytes. */
export const BLOOM_MIN_BYTES = 8
/** Largest filter, bytes (8 KiB: 16 KiB of hex in a `sync` message). */
export const BLOOM_MAX_BYTES = 8192
/** Most hash functions. */
export const BLOOM_MAX_K = 16
/** Salt bytes. */
export const BLOOM_SALT_BYTES = 8
/** Target bits per key. */
export const BLOOM_BITS_PER_KEY = 10

/** A Bloom filter over string keys. */
export interface BloomFilter {
  readonly salt: Uint8Array
  /** Hash functions. */
  readonly k: number
  /** The bit array (bit j is `bits[j >> 3] & (1 << (j & 7))`). */
  readonly bits: Uint8Array
  add(key: string): void
  /** False when `key` was surely not added; true when it was, or for a false positive. */
  has(key: string): boolean
}

const malformed = (why: string): MarketError =>
  new MarketError('MARKET_MESSAGE_MALFORMED', `bloom filter: ${why}`, {})

/** Size (bytes) and hash count for `n` keys. */
export function bloomParams(n: number): { readonly bytes: number; readonly k: number } {
  const keys = Math.max(1, Math.floor(n))
  const wanted = Math.ceil((keys * BLOOM_BITS_PER_KEY) / 8)
  // A power of two: with h2 odd the k positions of a key are distinct.
  let bytes = BLOOM_MIN_BYTES
  while (bytes < wanted && bytes < BLOOM_MAX_BYTES) bytes *= 2
  const k = Math.min(BLOOM_MAX_K, Math.max(1, Math.round(((bytes * 8) / keys) * Math.LN2)))
  return { bytes, k }
}

/** The expected false-positive rate of `n` keys in `bytes` bytes with `k` hashes: (1 − e^(−kn/m))^k. */
export function bloomFalsePositiveRate(n: number, bytes: number, k: number): number {
  return (1 - Math.exp((-k * n) / (bytes * 8))) ** k
}

/** An empty filter sized for `n` keys (`bloomParams`) with `salt`. */
export function createBloomFilter(n: number, salt: Uint8Array): BloomFilter {
  const { bytes, k } = bloomParams(n)
  return bloomFilterFrom(salt, k, new Uint8Array(bytes))
}

/**
 * A filter from its parts (a decoded `sync` request; the bits are used, not copied).
 *
 * @throws MarketError MARKET_MESSAGE_MALFORMED when the salt is not `BLOOM_SALT_BYTES`, k is not
 *   1..`BLOOM_MAX_K` or the bits are not `BLOOM_MIN_BYTES`..`BLOOM_MAX_BYTES` bytes.
 */
export function bloomFilterFrom(salt: Uint8Array, k: number, bits: Uint8Array): BloomFilter {
  if (!(salt instanceof Uint8Array) || salt.byteLength !== BLOOM_SALT_BYTES)
    throw malformed(`the salt is not ${BLOOM_SALT_BYTES} bytes`)
  if (!Number.isSafeInteger(k) || k < 1 || k > BLOOM_MAX_K) throw malformed(`k is not 1..${BLOOM_MAX_K}`)
  if (!(bits instanceof Uint8Array) || bits.byteLength < BLOOM_MIN_BYTES || bits.byteLength > BLOOM_MAX_BYTES)
    throw malformed(`the bits are not ${BLOOM_MIN_BYTES}..${BLOOM_MAX_BYTES} bytes`)
  const m = bits.byteLength * 8
  const saltCopy = salt.slice()
  /** The two base hashes of `key`: h1, and h2 odd. */
  const base = (key: string): [number, number] => {
    const h = hash('sha256', Buffer.concat([saltCopy, Buffer.from(key, 'utf8')]), 'buffer')
    return [h.readUInt32BE(0), (h.readUInt32BE(4) | 1) >>> 0]
  }
  return {
    salt: saltCopy,
    k,
    bits,
    add(key) {
      const [h1, h2] = base(key)
      // h1 + i·h2 < 2^32 + 16·2^32: exact in a double.
      for (let i = 0; i < k; i++) {
        const p = (h1 + i * h2) % m
        bits[p >> 3] = (bits[p >> 3] as number) | (1 << (p & 7))
      }
    },
    has(key) {
      const [h1, h2] = base(key)
      for (let i = 0; i < k; i++) {
        const p = (h1 + i * h2) % m
        if (((bits[p >> 3] as number) & (1 << (p & 7))) === 0) return false
      }
      return true
    },
  }
}
