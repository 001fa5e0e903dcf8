/**
 * Exact arithmetic on prices `sats / bytes` held as two safe integers (no floats, no reduction).
 * Products of two safe integers are compared in doubles when both stay below 2^53 (then they are
 * exact) or when the doubles are far enough apart that rounding cannot flip the order; otherwise
 * in bigint. The engine's hot path therefore never allocates for the amounts this market sees.
 */

const SAFE = Number.MAX_SAFE_INTEGER
/** Relative gap above which two rounded products are certainly ordered (each is off by ≤ 2^-53). */
const GAP = 1 - 2 ** -50

/** Sign of `a·b − c·d` for non-negative safe integers: −1, 0 or 1, exactly. */
export function compareProducts(a: number, b: number, c: number, d: number): number {
  const x = a * b
  const y = c * d
  if (x <= SAFE && y <= SAFE) return x < y ? -1 : x > y ? 1 : 0
  if (x < y * GAP) return -1
  if (y < x * GAP) return 1
  const bx = BigInt(a) * BigInt(b)
  const by = BigInt(c) * BigInt(d)
  return bx < by ? -1 : bx > by ? 1 : 0
}

/** Sign of `s1/b1 − s2/b2` (b1, b2 > 0): compares two prices by cross-multiplication. */
export function comparePrices(s1: number, b1: number, s2: number, b2: number): number {
  return compareProducts(s1, b2, s2, b1)
}

/**
 * `q · s / b` rounded up (`up`) or down, exactly, for safe integers with `b > 0` and a result that
 * is a safe integer (q ≤ b, so the result ≤ s).
 */
export function mulDiv(q: number, s: number, b: number, up: boolean): number {
  const n = q * s
  if (n <= SAFE) {
    const r = n % b
    const f = (n - r) / b
    return up && r > 0 ? f + 1 : f
  }
  const bn = BigInt(q) * BigInt(s)
  const bb = BigInt(b)
  const f = bn / bb
  return Number(up && f * bb !== bn ? f + 1n : f)
}
