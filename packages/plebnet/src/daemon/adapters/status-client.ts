import type { request as Request } from 'node:http'
import type { AnyStatus } from '../status.ts'

/** How long a status read waits for an agent's API by default (ms). */
export const STATUS_TIMEOUT_MS = 5_000

/** The largest answer read from a status API. */
const MAX_BODY_BYTES = 16 * 1024 * 1024

/**
 * Reads `GET <url>/status`: the full document when `token` is the agent's status token (or the
 * agent is on loopback), else the public part; undefined when nothing answers or the answer is not
 * a status document.
 */
export async function fetchStatus(
  url: string,
  options: { signal?: AbortSignal; timeoutMs?: number; token?: string } = {},
): Promise<AnyStatus | undefined> {
  // The schemas (zod) load on the first call, not when a command tree that holds `status` is built.
  const { parseAnyStatus } = await import('../status.ts')
  // The CommonJS module, not `import('node:http')`: building its ESM namespace reads every lazy
  // export, which loads http2, zlib and Node's bundled undici (about 60 ms of `plebnet status`).
  const { request } = process.getBuiltinModule('node:http')
  const signals = [
    AbortSignal.timeout(options.timeoutMs ?? STATUS_TIMEOUT_MS),
    ...(options.signal === undefined ? [] : [options.signal]),
  ]
  try {
    const answer = await getJson(
      request,
      `${url}/status`,
      AbortSignal.any(signals),
      options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    )
    return answer.status < 200 || answer.status > 299 ? undefined : parseAnyStatus(answer.body)
  } catch {
    return undefined
  }
}

/**
 * Reads `GET <url><path>` of an agent's status API (the `/market/*` queries): its HTTP status and
 * JSON body (undefined when the body is not JSON); undefined when nothing answers in time.
 */
export async function fetchDaemonJson(
  url: string,
  path: string,
  options: { timeoutMs?: number; token?: string } = {},
): Promise<{ readonly status: number; readonly body: unknown } | undefined> {
  const { request } = process.getBuiltinModule('node:http')
  try {
    return await getJson(
      request,
      `${url}${path}`,
      AbortSignal.timeout(options.timeoutMs ?? STATUS_TIMEOUT_MS),
      options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    )
  } catch {
    return undefined
  }
}

/**
 * `GET url` over node:http (the status API is plain HTTP): the answer's status and JSON body
 * (undefined when it is not JSON); rejects when nothing answers or on `signal`.
 * node:http rather than fetch: fetch loads and compiles Node's bundled undici on first use, which
 * was most of `plebnet status`'s start-up.
 */
function getJson(
  request: typeof Request,
  url: string,
  signal: AbortSignal,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, signal }, (res) => {
      const status = res.statusCode ?? 0
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        // Bounded: a status document or market answer is a few hundred KiB at most.
        size += chunk.length
        if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer of ${url} exceeds ${MAX_BODY_BYTES} bytes`))
        else chunks.push(chunk)
      })
      res.on('error', reject)
      res.on('end', () => {
        let body: unknown
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          body = undefined
        }
        resolve({ status, body })
      })
    })
    req.on('error', reject)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
    req.end()
  })
}
