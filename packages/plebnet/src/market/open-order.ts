/**
 * An own order is open (in the matchmakers' books) until it is cancelled, expires or is fully
 * matched. Its own module: `plebnet status` reads it without loading the market's code.
 */
export function isOpenOrder(
  o: {
    readonly cancelled: boolean
    readonly expiresAtMs: number
    readonly matchedBytes: bigint
    readonly mbBytes: bigint
  },
  nowMs: number,
): boolean {
  return !o.cancelled && nowMs < o.expiresAtMs && o.matchedBytes < o.mbBytes
}
