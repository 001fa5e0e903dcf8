import { REPLAY_NONCES_PER_SENDER, REPLAY_SENDERS, TIME_WINDOW_MS } from './constants.ts'

/** Why an envelope's freshness was refused, or `ok`. */
export type Freshness = 'ok' | 'NETWORK_REPLAYED' | 'NETWORK_TIME_OUT_OF_RANGE'

/** Remembers recent (sender, nonce) pairs: a message is fresh once, and only inside the time window. */
export interface ReplayGuard {
  /** Admits the message when its `tsMs` lies within the window around `nowMs` and it is provably new; records it. */
  admit(from: string, nonce: string, tsMs: number, nowMs: number): Freshness
  /** Number of nonces remembered (at most maxSenders × noncesPerSender). */
  readonly size: number
  /** Number of senders tracked (at most maxSenders). */
  readonly senders: number
}

/** Options of a replay guard. */
export interface ReplayGuardOptions {
  /** Accepted |ts − now|, ms (default 300 s, ALGORITHMS.md §11.4). */
  readonly windowMs?: number
  /** Senders tracked at once (default REPLAY_SENDERS). */
  readonly maxSenders?: number
  /** Nonces remembered per sender (default REPLAY_NONCES_PER_SENDER). */
  readonly noncesPerSender?: number
}

interface SenderWindow {
  /** Messages with `ts ≤ floorMs` are refused: some nonce at or below it was forgotten. */
  floorMs: number
  /** Newest `ts` admitted. */
  maxTsMs: number
  /** nonce → ts of what was admitted above the floor. */
  readonly nonces: Map<string, number>
}

/**
 * The replay window of ALGORITHMS.md §11.4: reject `|ts − now| > window` and every replay within
 * it, in bounded memory. The rule is "reject what cannot be proven fresh": each sender has a
 * bounded set of nonces and a floor timestamp; when its set overflows, the oldest nonce goes and
 * the floor rises to its `ts`, so that message (and anything older) is refused from then on. When
 * too many senders are tracked, the least recently heard one is forgotten and a global floor rises
 * to its newest `ts`: an untracked sender is admitted only above the global floor. A flood of fresh
 * nonces therefore never re-opens a replay (the old 100,000-nonce cache forgot the oldest nonce
 * and accepted its replay). The price: a sender with a clock behind the global floor waits, and a
 * burst of one sender beyond `noncesPerSender` messages out of order loses the stragglers.
 */
export function createReplayGuard(options: ReplayGuardOptions = {}): ReplayGuard {
  const windowMs = options.windowMs ?? TIME_WINDOW_MS
  const maxSenders = Math.max(1, options.maxSenders ?? REPLAY_SENDERS)
  const perSender = Math.max(1, options.noncesPerSender ?? REPLAY_NONCES_PER_SENDER)
  // Insertion order is recency: a sender is re-inserted whenever it is heard.
  const senders = new Map<string, SenderWindow>()
  let globalFloorMs = Number.NEGATIVE_INFINITY
  let size = 0

  const evictSender = (): void => {
    const oldest = senders.entries().next()
    if (oldest.done === true) return
    const [id, window] = oldest.value
    senders.delete(id)
    size -= window.nonces.size
    globalFloorMs = Math.max(globalFloorMs, window.maxTsMs, window.floorMs)
  }

  const dropOldestNonce = (window: SenderWindow): void => {
    let oldestNonce: string | undefined
    let oldestTs = Number.POSITIVE_INFINITY
    for (const [nonce, ts] of window.nonces)
      if (ts < oldestTs) {
        oldestTs = ts
        oldestNonce = nonce
      }
    if (oldestNonce === undefined) return
    window.nonces.delete(oldestNonce)
    size -= 1
    window.floorMs = Math.max(window.floorMs, oldestTs)
  }

  return {
    admit(from, nonce, tsMs, nowMs) {
      if (!Number.isFinite(tsMs) || Math.abs(tsMs - nowMs) > windowMs) return 'NETWORK_TIME_OUT_OF_RANGE'
      let window = senders.get(from)
      if (window === undefined) {
        // Untracked: it may have been forgotten, so only what lies above every forgotten ts is provably new.
        if (tsMs <= globalFloorMs) return 'NETWORK_REPLAYED'
        window = { floorMs: globalFloorMs, maxTsMs: tsMs, nonces: new Map() }
        while (senders.size >= maxSenders) evictSender()
      } else {
        if (tsMs <= window.floorMs || window.nonces.has(nonce)) return 'NETWORK_REPLAYED'
        senders.delete(from)
      }
      senders.set(from, window)
      // Nonces that fell out of the window are refused by the time check; keep them out of the budget.
      for (const [n, ts] of window.nonces)
        if (ts < nowMs - windowMs) {
          window.nonces.delete(n)
          size -= 1
          window.floorMs = Math.max(window.floorMs, ts)
        }
      while (window.nonces.size >= perSender) dropOldestNonce(window)
      window.nonces.set(nonce, tsMs)
      window.maxTsMs = Math.max(window.maxTsMs, tsMs)
      size += 1
      return 'ok'
    },
    get size() {
      return size
    },
    get senders() {
      return senders.size
    },
  }
}
