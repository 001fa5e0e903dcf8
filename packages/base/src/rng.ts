import { BaseError } from './errors.ts'

/**
 * The randomness port (STYLE.md §1.2). Key material comes only from an Rng whose `seeded` is false
 * (the OS CSPRNG); a seeded one is for simulations and tests.
 */
export interface Rng {
  /** True for a deterministic, seeded generator: never use it for keys on a real network. */
  readonly seeded: boolean
  /** `n` random bytes. */
  bytes(n: number): Uint8Array
  /** A uniform float in [0, 1) with 53 bits of randomness. */
  float(): number
  /** A uniform integer in [0, maxExclusive), without modulo bias. */
  int(maxExclusive: number): number
}

/** Checks an `int()` bound: a positive safe integer up to 2^48. */
export function checkIntBound(maxExclusive: number): void {
  if (!Number.isSafeInteger(maxExclusive) || maxExclusive <= 0 || maxExclusive > 2 ** 48) {
    throw new BaseError(
      'BASE_INVALID_OPTION',
      `int() bound must be an integer in 1..2^48, got ${maxExclusive}`,
      {
        maxExclusive,
      },
    )
  }
}

/** splitmix32: spreads a 32-bit seed into well-mixed state words. */
function splitmix32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x9e3779b9) >>> 0
    let z = a
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0
    return (z ^ (z >>> 15)) >>> 0
  }
}

/** FNV-1a over the UTF-16 code units of a string seed, so text seeds ("agent-7") work too. */
function hashSeed(seed: number | string): number {
  if (typeof seed === 'number') return seed >>> 0
  let h = 0x811c9dc5
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/**
 * A deterministic generator (xoshiro128**, seeded through splitmix32): the same seed gives the same
 * sequence on every machine. For simulations and tests only.
 */
export function createSeededRng(seed: number | string): Rng {
  const mix = splitmix32(hashSeed(seed))
  let s0 = mix()
  let s1 = mix()
  let s2 = mix()
  let s3 = mix()
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1
  const next32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0
    const t = (s1 << 9) >>> 0
    s2 = (s2 ^ s0) >>> 0
    s3 = (s3 ^ s1) >>> 0
    s1 = (s1 ^ s2) >>> 0
    s0 = (s0 ^ s3) >>> 0
    s2 = (s2 ^ t) >>> 0
    s3 = rotl(s3, 11)
    return result
  }
  const float = (): number => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992
  return {
    seeded: true,
    bytes(n) {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i += 4) {
        let w = next32()
        for (let j = i; j < Math.min(n, i + 4); j++) {
          out[j] = w & 0xff
          w >>>= 8
        }
      }
      return out
    },
    float,
    int(maxExclusive) {
      checkIntBound(maxExclusive)
      // Rejection sampling over 2^53 keeps the result unbiased for any bound.
      const limit = Math.floor(9007199254740992 / maxExclusive) * maxExclusive
      for (;;) {
        const x = float() * 9007199254740992
        if (x < limit) return x % maxExclusive
      }
    },
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}
