import type { Clock } from '../clock.ts'
import { BaseError } from '../errors.ts'
import { realSleep } from './system-clock.ts'

/**
 * The parameters that define world time; every world component (chain producer, shops, hosts,
 * agents) builds its clock from the same values, so they all agree on "now".
 */
export interface TimeScale {
  /** World seconds per real second (60 means one real second is one world minute). */
  readonly scale: number
  /** Real Unix time (ms) at which world time was `epochWorldMs`. */
  readonly epochRealMs: number
  /** World time (ms) at the real instant `epochRealMs`. */
  readonly epochWorldMs: number
}

/** A clock scaled from the real one, as described by a shared `TimeScale`. */
export interface ScaledClock extends Clock {
  readonly timeScale: TimeScale
  /** Converts a span of world ms into the real ms it takes, rounding up so a sleep never wakes early. */
  worldToRealMs(worldMs: number): number
}

/**
 * Creates the world's scaled clock: `now = epochWorldMs + (realNow − epochRealMs) · scale`.
 * `realNowMs` is injectable for tests; it defaults to the system clock.
 *
 * @throws BaseError BASE_INVALID_OPTION for a non-finite or non-positive scale.
 */
export function createScaledClock(
  timeScale: TimeScale,
  realNowMs: () => number = () => Date.now(),
): ScaledClock {
  if (!Number.isFinite(timeScale.scale) || timeScale.scale <= 0) {
    throw new BaseError(
      'BASE_INVALID_OPTION',
      `time scale must be a positive number, got ${timeScale.scale}`,
      {
        scale: timeScale.scale,
      },
    )
  }
  const frozen = Object.freeze({ ...timeScale })
  const worldToRealMs = (worldMs: number): number => Math.ceil(Math.max(0, worldMs) / frozen.scale)
  return {
    timeScale: frozen,
    nowMs: () => Math.floor(frozen.epochWorldMs + (realNowMs() - frozen.epochRealMs) * frozen.scale),
    sleep: (ms, options) => realSleep(worldToRealMs(ms), options),
    worldToRealMs,
  }
}
