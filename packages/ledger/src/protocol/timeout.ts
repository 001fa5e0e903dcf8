import type { Clock } from '@dolly/base'
import { LedgerError } from '../errors.ts'

/**
 * Runs `run` with a signal that aborts after `timeoutMs` of clock time (LEDGER_TIMEOUT) or when
 * `outer` aborts (its reason). Waiting goes through the Clock port so virtual time drives it.
 */
export async function withTimeout<T>(
  clock: Clock,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  what: string,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController()
  const timer = new AbortController()
  const onOuter = (): void => controller.abort(outer?.reason)
  if (outer?.aborted === true) controller.abort(outer.reason)
  outer?.addEventListener('abort', onOuter, { once: true })
  clock.sleep(timeoutMs, { signal: timer.signal }).then(
    () =>
      controller.abort(
        new LedgerError('LEDGER_TIMEOUT', `${what} got no answer within ${timeoutMs} ms`, { timeoutMs }),
      ),
    () => undefined,
  )
  const aborted = new Promise<never>((_, reject) => {
    if (controller.signal.aborted) reject(controller.signal.reason)
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true })
  })
  try {
    return await Promise.race([run(controller.signal), aborted])
  } finally {
    timer.abort()
    outer?.removeEventListener('abort', onOuter)
  }
}
