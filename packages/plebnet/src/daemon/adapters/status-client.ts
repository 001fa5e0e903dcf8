import { parseAnyStatus, type AnyStatus } from '../status.ts'

/** How long a status read waits for an agent's API by default (ms). */
export const STATUS_TIMEOUT_MS = 5_000

/**
 * Reads `GET <url>/status`: the full document when `token` is the agent's status token (or the
 * agent is on loopback), else the public part; undefined when nothing answers or the answer is not
 * a status document.
 */
export async function fetchStatus(
  url: string,
  options: { signal?: AbortSignal; timeoutMs?: number; token?: string } = {},
): Promise<AnyStatus | undefined> {
  const signals = [
    AbortSignal.timeout(options.timeoutMs ?? STATUS_TIMEOUT_MS),
    ...(options.signal === undefined ? [] : [options.signal]),
  ]
  try {
    const response = await fetch(`${url}/status`, {
      signal: AbortSignal.any(signals),
      ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
    })
    if (!response.ok) return undefined
    return parseAnyStatus(await response.json())
  } catch {
    return undefined
  }
}
