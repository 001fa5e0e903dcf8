/** Options every waiting operation accepts (STYLE.md §1.3). */
export interface AbortOptions {
  readonly signal?: AbortSignal
}

/**
 * The time port (STYLE.md §1.2). All reading of time and all waiting goes through it, so the world
 * can scale time and the simulator can jump it forward.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, in this clock's time (world time for a scaled clock). */
  nowMs(): number
  /**
   * Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted.
   * A non-positive `ms` resolves on the next turn.
   */
  sleep(ms: number, options?: AbortOptions): Promise<void>
}

/** A signal that aborts after some of a clock's time, and the way to stop waiting for it. */
export interface ClockDeadline {
  /** Aborts with `reason()` once the time passed (never, once `cancel` was called). */
  readonly signal: AbortSignal
  /** Ends the wait: call it when the work the deadline bounds is over, so nothing is left waiting. */
  cancel(): void
}

/**
 * A deadline `ms` of `clock`'s time away. It waits through the Clock port, so virtual time drives it
 * and a cancelled one leaves no sleeper and no timer behind (unlike `AbortSignal.timeout`).
 */
export function clockDeadline(clock: Clock, ms: number, reason: () => unknown): ClockDeadline {
  const deadline = new AbortController()
  const cancelled = new AbortController()
  clock.sleep(ms, { signal: cancelled.signal }).then(
    () => deadline.abort(reason()),
    () => undefined,
  )
  return { signal: deadline.signal, cancel: () => cancelled.abort() }
}

/** The abort reason to reject with when a signal fired without one. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError')
}
