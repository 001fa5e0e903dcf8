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

/** The abort reason to reject with when a signal fired without one. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError')
}
