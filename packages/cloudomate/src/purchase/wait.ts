/**
 * Waiting until a bought service is active (CLOUDOMATE.md §15.8): the first poll after a delay, then
 * exponential backoff ×2 with ±20 % jitter up to a cap, and a hard timeout.
 */
import type { AbortOptions, Clock, Rng } from '@dolly/base'
import { CloudomateError } from '../errors.ts'

/** Poll schedule. */
export interface WaitSchedule {
  /** Delay before the first poll (spec: 60 s). */
  readonly firstDelayMs: number
  /** Cap between polls (spec: 15 min). */
  readonly maxDelayMs: number
  /** Give up after this long (spec `wait_timeout`: 72 h). */
  readonly timeoutMs: number
}

/** The spec's schedule (§15.8). */
export const DEFAULT_WAIT: WaitSchedule = Object.freeze({
  firstDelayMs: 60_000,
  maxDelayMs: 15 * 60_000,
  timeoutMs: 72 * 3_600_000,
})

/** The delay after `previousMs`: doubled, jittered by ±20 %, capped. Pure given `unit` in [0, 1). */
export function nextDelayMs(previousMs: number, schedule: WaitSchedule, unit: number): number {
  const doubled = Math.min(previousMs * 2, schedule.maxDelayMs)
  const jittered = doubled * (0.8 + 0.4 * unit)
  return Math.max(1, Math.min(Math.round(jittered), schedule.maxDelayMs))
}

/**
 * Polls `probe` until it returns a value; `onPoll` sees every attempt (progress output).
 *
 * @throws CloudomateError CLOUDOMATE_WAIT_TIMEOUT
 */
export async function waitFor<T>(
  deps: { clock: Clock; rng: Rng },
  what: string,
  probe: () => Promise<T | undefined>,
  schedule: WaitSchedule,
  options: AbortOptions & { onPoll?: (attempt: number, elapsedMs: number) => void } = {},
): Promise<T> {
  const start = deps.clock.nowMs()
  const sleepOpts = options.signal === undefined ? {} : { signal: options.signal }
  let delay = schedule.firstDelayMs
  for (let attempt = 1; ; attempt++) {
    const elapsed = deps.clock.nowMs() - start
    const remaining = schedule.timeoutMs - elapsed
    if (remaining <= 0) {
      throw new CloudomateError(
        'CLOUDOMATE_WAIT_TIMEOUT',
        `gave up waiting for ${what} after ${elapsed} ms`,
        {
          what,
          elapsedMs: elapsed,
        },
      )
    }
    await deps.clock.sleep(Math.min(delay, remaining), sleepOpts)
    options.onPoll?.(attempt, deps.clock.nowMs() - start)
    const value = await probe()
    if (value !== undefined) return value
    delay = nextDelayMs(delay, schedule, deps.rng.float())
  }
}
