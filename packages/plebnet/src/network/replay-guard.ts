import { REPLAY_CACHE_NONCES, TIME_WINDOW_MS } from './constants.ts'

/** Why an envelope's freshness was refused, or `ok`. */
export type Freshness = 'ok' | 'NETWORK_REPLAYED' | 'NETWORK_TIME_OUT_OF_RANGE'

/** Remembers recent (sender, nonce) pairs: a message is fresh once, and only inside the time window. */
export interface ReplayGuard {
  /** Admits the message when its `tsMs` lies within the window around `nowMs` and its nonce is new; records it. */
  admit(from: string, nonce: string, tsMs: number, nowMs: number): Freshness
  /** Number of nonces remembered. */
  readonly size: number
}

/** Options of a replay guard. */
export interface ReplayGuardOptions {
  /** Accepted |ts − now|, ms (default 300 s, ALGORITHMS.md §11.4). */
  readonly windowMs?: number
  /** Nonces kept at most (default 100,000); the oldest are forgotten first. */
  readonly maxNonces?: number
}

/**
 * The replay window of ALGORITHMS.md §11.4: reject `|ts − now| > window` and any nonce seen within
 * it. A nonce older than the window may be forgotten because its envelope fails the time check.
 * When a flood fills the cache before the window passes, the oldest nonces go first: an attacker
 * who can replay after 100,000 fresh messages from others gains one duplicate, which every handler
 * tolerates (gossip is idempotent by version).
 */
export function createReplayGuard(options: ReplayGuardOptions = {}): ReplayGuard {
  const windowMs = options.windowMs ?? TIME_WINDOW_MS
  const maxNonces = options.maxNonces ?? REPLAY_CACHE_NONCES
  // Insertion order is arrival order, so the first keys are the oldest.
  const seen = new Map<string, number>()
  const prune = (nowMs: number): void => {
    for (const [key, arrivedMs] of seen) {
      if (seen.size <= maxNonces && arrivedMs >= nowMs - 2 * windowMs) break
      seen.delete(key)
    }
  }
  return {
    admit(from, nonce, tsMs, nowMs) {
      if (!Number.isFinite(tsMs) || Math.abs(tsMs - nowMs) > windowMs) return 'NETWORK_TIME_OUT_OF_RANGE'
      const key = `${from}:${nonce}`
      if (seen.has(key)) return 'NETWORK_REPLAYED'
      seen.set(key, nowMs)
      prune(nowMs)
      return 'ok'
    },
    get size() {
      return seen.size
    },
  }
}
