import {
  PEER_REQUEST_BURST,
  PEER_REQUESTS_PER_S,
  RATE_LIMITER_MAX_PEERS,
  STRANGER_REQUEST_BURST,
  STRANGER_REQUESTS_PER_S,
} from '../constants.ts'
import { LedgerError } from '../errors.ts'

/**
 * Token buckets for the ledger's incoming requests (issue 14): one per peer, plus one shared by all
 * strangers (peers the agent expects nothing of), so fresh identities cannot buy capacity by
 * numbers. Counterparties (`known`) are held to their own bucket only: the agent records their
 * expectations itself, so their number is bounded by the expectation table, and a stranger flood
 * cannot crowd them out. Buckets hold milli-tokens as integers; time comes in as `nowMs`.
 *
 * Memory is bounded: at most `maxPeers` buckets, the least recently seen forgotten first (a
 * forgotten peer restarts with a full bucket, while strangers still share one).
 */

/** Rates of the limiter. */
export interface RateLimitOptions {
  /** Requests per second one peer may sustain; default PEER_REQUESTS_PER_S. */
  readonly peerRequestsPerS?: number
  /** Requests one peer may send at once; default PEER_REQUEST_BURST. */
  readonly peerBurst?: number
  /** Requests per second all strangers together may sustain; default STRANGER_REQUESTS_PER_S. */
  readonly strangerRequestsPerS?: number
  /** Requests all strangers together may send at once; default STRANGER_REQUEST_BURST. */
  readonly strangerBurst?: number
  /** Peers whose bucket is remembered; default RATE_LIMITER_MAX_PEERS. */
  readonly maxPeers?: number
}

/** Whether a request may be served now. */
export type Admission =
  | { readonly ok: true }
  | { readonly ok: false; readonly scope: 'peer' | 'strangers'; readonly retryAfterMs: number }

/** The limiter of one agent's ledger protocol. */
export interface RateLimiter {
  /** Takes one token from `peer`'s bucket (and the strangers' unless `known`), or says when to retry. */
  admit(peer: string, known: boolean, nowMs: number): Admission
  /** Charges `tokens` more after the fact (a large crawl reply); buckets may go into debt down to −burst. */
  charge(peer: string, known: boolean, tokens: number, nowMs: number): void
  /** Buckets held now (≤ maxPeers). */
  trackedPeers(): number
}

interface Bucket {
  milli: number
  atMs: number
}

const MILLI = 1000

/** Builds a limiter; throws LEDGER_OPTION_INVALID for a rate, burst or size that is not a positive integer. */
export function createRateLimiter(options: RateLimitOptions = {}): RateLimiter {
  const peerRate = positiveInt(options.peerRequestsPerS ?? PEER_REQUESTS_PER_S, 'peerRequestsPerS')
  const peerBurst = positiveInt(options.peerBurst ?? PEER_REQUEST_BURST, 'peerBurst')
  const strangerRate = positiveInt(
    options.strangerRequestsPerS ?? STRANGER_REQUESTS_PER_S,
    'strangerRequestsPerS',
  )
  const strangerBurst = positiveInt(options.strangerBurst ?? STRANGER_REQUEST_BURST, 'strangerBurst')
  const maxPeers = positiveInt(options.maxPeers ?? RATE_LIMITER_MAX_PEERS, 'maxPeers')
  const peers = new Map<string, Bucket>()
  const strangers: Bucket = { milli: strangerBurst * MILLI, atMs: -Infinity }

  // A token per second is one milli-token per ms: refill = elapsed ms × rate, exact in integers.
  const refill = (bucket: Bucket, ratePerS: number, burst: number, nowMs: number): void => {
    const elapsedMs = Math.max(0, Math.floor(nowMs) - bucket.atMs)
    bucket.milli = Math.min(burst * MILLI, bucket.milli + elapsedMs * ratePerS)
    bucket.atMs = Math.max(bucket.atMs, Math.floor(nowMs))
  }
  const bucketOf = (peer: string, nowMs: number): Bucket => {
    let bucket = peers.get(peer)
    if (bucket === undefined) {
      if (peers.size >= maxPeers) {
        const oldest = peers.keys().next()
        if (oldest.done !== true) peers.delete(oldest.value)
      }
      bucket = { milli: peerBurst * MILLI, atMs: Math.floor(nowMs) }
    } else {
      peers.delete(peer)
    }
    // Re-inserted last: Map order is then least recently seen first.
    peers.set(peer, bucket)
    refill(bucket, peerRate, peerBurst, nowMs)
    return bucket
  }
  // Round up: a retry at this time finds a whole token.
  const waitMs = (bucket: Bucket, ratePerS: number): number => Math.ceil((MILLI - bucket.milli) / ratePerS)

  return {
    admit(peer, known, nowMs) {
      const own = bucketOf(peer, nowMs)
      if (own.milli < MILLI) return { ok: false, scope: 'peer', retryAfterMs: waitMs(own, peerRate) }
      if (!known) {
        refill(strangers, strangerRate, strangerBurst, nowMs)
        if (strangers.milli < MILLI)
          return { ok: false, scope: 'strangers', retryAfterMs: waitMs(strangers, strangerRate) }
        strangers.milli -= MILLI
      }
      own.milli -= MILLI
      return { ok: true }
    },
    charge(peer, known, tokens, nowMs) {
      if (!Number.isSafeInteger(tokens) || tokens <= 0) return
      const own = bucketOf(peer, nowMs)
      own.milli = Math.max(-peerBurst * MILLI, own.milli - tokens * MILLI)
      if (!known) {
        refill(strangers, strangerRate, strangerBurst, nowMs)
        strangers.milli = Math.max(-strangerBurst * MILLI, strangers.milli - tokens * MILLI)
      }
    },
    trackedPeers: () => peers.size,
  }
}

function positiveInt(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new LedgerError('LEDGER_OPTION_INVALID', `${name} must be a positive integer, got ${n}`, {
      [name]: n,
    })
  return n
}
