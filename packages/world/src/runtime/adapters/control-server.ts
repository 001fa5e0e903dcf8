import { createServer, type Server } from 'node:http'
import { toJsonSafe } from '@dolly/base'

/** The world process's local control endpoint: read-only JSON for `dolly world status` in another process. */
export interface ControlServer {
  readonly url: string
  stop(): Promise<void>
}

/**
 * Serves `GET /status` on 127.0.0.1 at a free port with whatever `status()` returns (bigints as
 * strings). Read-only: no request changes the world.
 */
export async function startControlServer(status: () => Promise<unknown>): Promise<ControlServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/status') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}')
      return
    }
    status().then(
      (body) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(toJsonSafe(body))),
      (err: unknown) =>
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) })),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  let stopped: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })),
  }
}
