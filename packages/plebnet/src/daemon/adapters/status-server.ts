import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { StatusListener } from '../daemon.ts'
import type { StatusRequest, StatusResponse } from '../status.ts'

/** Serves the pure status handler over node:http on `listen` (all addresses when host is undefined). */
export async function serveStatusHttp(
  listen: { host: string | undefined; port: number },
  handler: (request: StatusRequest) => StatusResponse,
): Promise<StatusListener> {
  const server = createServer((req, res) => {
    const response = handler({ method: req.method ?? 'GET', path: req.url ?? '/' })
    const body = `${JSON.stringify(response.body)}\n`
    res.writeHead(response.status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...(response.status === 405 ? { allow: 'GET, HEAD' } : {}),
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = listen.host ?? '0.0.0.0'
  let stopping: Promise<void> | undefined
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return stopping
    },
  }
}
