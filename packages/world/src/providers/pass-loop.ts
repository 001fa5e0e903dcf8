import { errorCode, type Clock, type Logger } from '@dolly/base'

/** A running pass loop. */
export interface PassLoop {
  /** Stops the loop; resolves once the pass in progress (if any) is done. Idempotent. */
  stop(): Promise<void>
}

/**
 * Runs `pass` every `intervalMs` of world time until stopped: the invoice, billing and lease loop
 * every provider has. A failed pass is logged as `<event>` and the next one runs on schedule.
 */
export function startPassLoop(
  deps: { clock: Clock; log: Logger; pass: () => Promise<void> },
  options: { intervalMs: number; failedEvent: string },
): PassLoop {
  const controller = new AbortController()
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        await deps.pass()
      } catch (err) {
        deps.log.warn(options.failedEvent, {
          code: errorCode(err) ?? 'unknown',
          message: err instanceof Error ? err.message : String(err),
        })
      }
      try {
        await deps.clock.sleep(options.intervalMs, { signal: controller.signal })
      } catch {
        // Aborted by stop().
        return
      }
    }
  })()
  return {
    async stop() {
      controller.abort()
      await loop
    },
  }
}
