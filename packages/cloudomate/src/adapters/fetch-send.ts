/** The HTTP adapter: Node's fetch (undici) without redirect following; the session follows them. */
import type { HttpSend } from '../http/session.ts'

/** Default per-request timeout: a shop page that takes longer than this is treated as down. */
export const FETCH_TIMEOUT_MS = 30_000

/** Creates the real `HttpSend`. TLS verification stays on (CLOUDOMATE.md §3.2 fix). */
export function createFetchSend(options: { timeoutMs?: number } = {}): HttpSend {
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS
  return (request, opts = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = opts.signal === undefined ? timeout : AbortSignal.any([opts.signal, timeout])
    return fetch(request, { redirect: 'manual', signal })
  }
}
