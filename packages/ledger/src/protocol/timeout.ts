import { clockDeadline, type Clock } from '@dolly/base'
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
  const deadline = clockDeadline(
    clock,
    timeoutMs,
    () => new LedgerError('LEDGER_TIMEOUT', `${what} got no answer within ${timeoutMs} ms`, { timeoutMs }),
  )
  const signal = outer === undefined ? deadline.signal : AbortSignal.any([deadline.signal, outer])
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
  try {
    return await Promise.race([run(signal), aborted])
  } finally {
    deadline.cancel()
  }
}
