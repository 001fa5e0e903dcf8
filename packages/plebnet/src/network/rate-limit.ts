/** Token-bucket parameters: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  readonly burst: number
  readonly perSecond: number
}

/** Requests a known agent (one whose contact we hold) may send: CYCLON and anti-entropy use a few per minute. */
export const KNOWN_SENDER_LIMIT: RateLimit = { burst: 60, perSecond: 1 }
/** Requests an unknown sender may send (ALGORITHMS.md §11.4 "at a bounded rate"). */
export const UNKNOWN_SENDER_LIMIT: RateLimit = { burst: 10, perSecond: 0.1 }
/** Senders tracked at most; beyond it the least recently seen are forgotten (they start full again). */
const MAX_SENDERS = 10_000

/** Per-sender token buckets on the injected clock's time. */
export interface SenderLimiter {
  /** Takes one token from `sender`'s bucket under `limit`; false when it is empty. */
  admit(sender: string, limit: RateLimit, nowMs: number): boolean
}

/**
 * Per-sender rate limits (ALGORITHMS.md §11.1: CYCLON is not Byzantine-safe, so combine it with
 * per-sender rate limits). A forgotten sender starts with a full bucket, which is the price of the
 * bounded memory: at most one extra burst per eviction cycle.
 */
export function createSenderLimiter(): SenderLimiter {
  const buckets = new Map<string, { tokens: number; atMs: number }>()
  return {
    admit(sender, limit, nowMs) {
      const held = buckets.get(sender)
      const elapsedS = held === undefined ? 0 : Math.max(0, nowMs - held.atMs) / 1000
      const tokens =
        held === undefined ? limit.burst : Math.min(limit.burst, held.tokens + elapsedS * limit.perSecond)
      buckets.delete(sender)
      if (buckets.size >= MAX_SENDERS) {
        const oldest = buckets.keys().next()
        if (oldest.done !== true) buckets.delete(oldest.value)
      }
      const admitted = tokens >= 1
      buckets.set(sender, { tokens: admitted ? tokens - 1 : tokens, atMs: nowMs })
      return admitted
    },
  }
}
