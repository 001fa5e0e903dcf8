/** Random identifiers and passwords drawn from the injected Rng (never Math.random). */
import type { Rng } from '@dolly/base'

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** `n` characters drawn uniformly from `alphabet`. */
export function randomFrom(rng: Rng, alphabet: string, n: number): string {
  let out = ''
  for (let i = 0; i < n; i++) out += alphabet[rng.int(alphabet.length)] ?? ''
  return out
}

/** A base58 id like BitPay's invoice ids. */
export function randomBase58(rng: Rng, n: number): string {
  return randomFrom(rng, BASE58, n)
}

/** An alphanumeric string (passwords: no `%`, CLOUDOMATE.md §11). */
export function randomAlnum(rng: Rng, n: number): string {
  return randomFrom(rng, ALNUM, n)
}

/** `n` lower-case hex characters. */
export function randomHex(rng: Rng, n: number): string {
  return randomFrom(rng, '0123456789abcdef', n)
}
