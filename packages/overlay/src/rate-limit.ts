import { RATE_LIMIT_SENDERS } from './constants.ts'

/** Token-bucket parameters: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  readonly burst: number
  readonly perSecond: number
}

/** Requests a known agent (one whose contact we hold) may send: CYCLON and anti-entropy use a few per minute. */
export const KNOWN_SENDER_LIMIT: RateLimit = { burst: 60, perSecond: 1 }
/** Requests an unknown sender may send (ALGORITHMS.md §11.4 "at a bounded rate"). */
export const UNKNOWN_SENDER_LIMIT: RateLimit = { burst: 10, perSecond: 0.1 }
/**
 * Requests all strangers together may send (network/standing.ts), on top of their own buckets: a
 * flood of fresh keys, each with a full bucket, shares this one budget (the Model 0 idea of
 * ALGORITHMS.md §7: all unknown counterparties are treated as one). An honest node hears a
 * stranger a few times per 10 s round; 20/s leaves room for ~100 new neighbours at once.
 */
export const STRANGERS_GLOBAL_LIMIT: RateLimit = { burst: 200, perSecond: 20 }

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
export function createSenderLimiter(maxSenders: number = RATE_LIMIT_SENDERS): SenderLimiter {
  const buckets = new Map<string, { tokens: number; atMs: number }>()
  return {
    admit(sender, limit, nowMs) {
      const held = buckets.get(sender)
      const elapsedS = held === undefined ? 0 : Math.max(0, nowMs - held.atMs) / 1000
      const tokens =
        held === undefined ? limit.burst : Math.min(limit.burst, held.tokens + elapsedS * limit.perSecond)
      buckets.delete(sender)
      if (buckets.size >= maxSenders) {
        const oldest = buckets.keys().next()
        if (oldest.done !== true) buckets.delete(oldest.value)
      }
      const admitted = tokens >= 1
      buckets.set(sender, { tokens: admitted ? tokens - 1 : tokens, atMs: nowMs })
      return admitted
    },
  }
}
