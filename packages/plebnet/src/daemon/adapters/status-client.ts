import type { request as Request } from 'node:http'
import type { AnyStatus } from '../status.ts'

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
    const body = await getJson(
      request,
      `${url}/status`,
      AbortSignal.any(signals),
      options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    )
    return body === undefined ? undefined : parseAnyStatus(body)
  } catch {
    return undefined
  }
}

/**
 * `GET url` over node:http (the status API is plain HTTP): the JSON body of a 2xx answer, undefined
 * for any other status; rejects when nothing answers, on `signal`, or when the body is not JSON.
 * node:http rather than fetch: fetch loads and compiles Node's bundled undici on first use, which
 * was most of `plebnet status`'s start-up.
 */
function getJson(
  request: typeof Request,
  url: string,
  signal: AbortSignal,
  headers: Record<string, string>,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, signal }, (res) => {
      const code = res.statusCode ?? 0
      if (code < 200 || code > 299) {
        res.resume()
        resolve(undefined)
        return
      }
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        } catch (err) {
          reject(err)
        }
      })
    })
    req.on('error', reject)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
    req.end()
  })
}
