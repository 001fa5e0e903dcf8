import { abortReason, type AbortOptions, type Clock } from './clock.ts'
import { BaseError } from './errors.ts'

/** A clock whose time moves only when the driver advances it: the simulator's and unit tests' clock. */
export interface VirtualClock extends Clock {
  /** Moves time forward by `ms`, firing every sleeper due on the way in time order; returns how many fired. */
  advance(ms: number): Promise<number>
  /** Jumps to the earliest pending wake-up and fires it (and any due at the same instant); false if none. */
  runNext(): Promise<boolean>
  /** Number of sleepers still waiting. */
  pending(): number
}

interface Sleeper {
  readonly dueMs: number
  readonly seq: number
  readonly resolve: () => void
}

/**
 * Creates a virtual clock starting at `startMs` (default 0). Sleepers wake in due order, ties in
 * the order they went to sleep, so a run is deterministic.
 */
export function createVirtualClock(startMs = 0): VirtualClock {
  let nowMs = startMs
  let seq = 0
  let sleepers: Sleeper[] = []

  // Lets continuations of just-woken sleepers run (and perhaps sleep again) before time moves on.
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve()
  }

  const fireDue = async (): Promise<number> => {
    let fired = 0
    for (;;) {
      const due = sleepers.filter((s) => s.dueMs <= nowMs)
      if (due.length === 0) return fired
      sleepers = sleepers.filter((s) => s.dueMs > nowMs)
      due.sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq)
      for (const s of due) s.resolve()
      fired += due.length
      await settle()
    }
  }

  return {
    nowMs: () => nowMs,
    sleep(ms: number, options: AbortOptions = {}): Promise<void> {
      const { signal } = options
      if (signal?.aborted === true) return Promise.reject(abortReason(signal))
      return new Promise<void>((resolve, reject) => {
        const sleeper: Sleeper = {
          dueMs: nowMs + Math.max(0, ms),
          seq: seq++,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        const onAbort = (): void => {
          sleepers = sleepers.filter((s) => s !== sleeper)
          reject(abortReason(signal as AbortSignal))
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        sleepers.push(sleeper)
      })
    },
    async advance(ms: number): Promise<number> {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new BaseError('BASE_INVALID_OPTION', `advance expects a finite non-negative ms, got ${ms}`, {
          ms,
        })
      }
      const target = nowMs + ms
      let fired = 0
      for (;;) {
        const next = sleepers.reduce<number | undefined>(
          (m, s) => (m === undefined || s.dueMs < m ? s.dueMs : m),
          undefined,
        )
        if (next === undefined || next > target) break
        nowMs = Math.max(nowMs, next)
        fired += await fireDue()
      }
      nowMs = target
      return fired
    },
    async runNext(): Promise<boolean> {
      const next = sleepers.reduce<number | undefined>(
        (m, s) => (m === undefined || s.dueMs < m ? s.dueMs : m),
        undefined,
      )
      if (next === undefined) return false
      nowMs = Math.max(nowMs, next)
      await fireDue()
      return true
    },
    pending: () => sleepers.length,
  }
}
