import { abortReason, BaseError, type Clock, type Logger, type Rng } from '@dolly/base'
import type { Matchmaker } from './matchmaker.ts'

/**
 * The book-sync loop (Tribler PR #3512): every `intervalMs` of world time the matchmaker syncs with
 * one random peer (`Matchmaker.syncWith`: our Bloom filter out, the orders and cancels it lacks
 * back). One round at a time; a failed round is logged and the next one goes to another random peer.
 */

/** Ports of the loop. */
export interface BookSyncDeps {
  /** World time: the interval is slept on it. */
  readonly clock: Clock
  /**
   * Real time, when the world clock runs faster (a world's 1440×: 30 s world is 21 ms): each round
   * also waits `minGapMs` of it, so the loop never syncs faster than the network should carry.
   */
  readonly realClock?: Clock
  readonly rng: Rng
  readonly log: Logger
  readonly matchmaker: Pick<Matchmaker, 'syncWith'>
  /** Channel addresses of the matchmakers we could sync with (our contacts); ours is never one. */
  readonly peers: () => readonly string[]
}

/** Options of the loop. */
export interface BookSyncOptions {
  /** World ms between rounds (default `DEFAULT_SYNC_INTERVAL_MS`). */
  readonly intervalMs?: number
  /** Real ms between rounds at least, on `realClock` (default `DEFAULT_SYNC_MIN_GAP_MS`). */
  readonly minGapMs?: number
}

/** A running loop. */
export interface BookSync {
  /** Stops the loop and waits for the round in flight. */
  stop(): Promise<void>
  /** Rounds done (answered or failed). */
  rounds(): number
}

/** Default world ms between sync rounds (ALGORITHMS.md §11.2's anti-entropy period). */
export const DEFAULT_SYNC_INTERVAL_MS = 30_000

/** Default real ms between sync rounds at least (with a `realClock`). */
export const DEFAULT_SYNC_MIN_GAP_MS = 1000

/** Starts the loop; the first round is one interval from now. */
export function startBookSync(deps: BookSyncDeps, options: BookSyncOptions = {}): BookSync {
  const intervalMs = options.intervalMs ?? DEFAULT_SYNC_INTERVAL_MS
  const minGapMs = options.minGapMs ?? DEFAULT_SYNC_MIN_GAP_MS
  if (!Number.isFinite(intervalMs) || intervalMs <= 0 || !Number.isFinite(minGapMs) || minGapMs < 0)
    throw new BaseError('BASE_INVALID_OPTION', `sync interval ${intervalMs} ms / gap ${minGapMs} ms`, {})
  const log = deps.log.child({ component: 'book-sync' })
  const abort = new AbortController()
  let rounds = 0

  const round = async (): Promise<void> => {
    const peers = deps.peers()
    if (peers.length === 0) return
    const peer = peers[deps.rng.int(peers.length)] as string
    try {
      const r = await deps.matchmaker.syncWith(peer)
      if (r.orders + r.cancels > 0)
        log.info('market.sync', {
          peer,
          orders: r.orders,
          cancels: r.cancels,
          accepted: r.accepted,
          refused: r.refused,
        })
    } catch (err) {
      log.debug('market.sync_failed', { peer, error: err instanceof Error ? err.message : String(err) })
    }
  }

  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        await Promise.all([
          deps.clock.sleep(intervalMs, { signal: abort.signal }),
          deps.realClock?.sleep(minGapMs, { signal: abort.signal }),
        ])
      } catch (err) {
        if (abort.signal.aborted) return
        throw err
      }
      await round()
      rounds += 1
    }
  })().catch((err: unknown) => {
    if (err !== abortReason(abort.signal))
      log.warn('market.sync_stopped', { error: err instanceof Error ? err.message : String(err) })
  })

  return {
    async stop() {
      abort.abort()
      await loop
    },
    rounds: () => rounds,
  }
}
