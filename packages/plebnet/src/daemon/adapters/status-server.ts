import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { StatusListener } from '../daemon.ts'
import { isAuthorizedCaller, type StatusRequest, type StatusResponse } from '../status.ts'

/**
 * Serves the pure status handler over node:http on `listen` (all addresses when host is undefined).
 * A caller over loopback, or one presenting `token` as a bearer header, is authorized to read the
 * full status; everyone else gets the public part (`isAuthorizedCaller`).
 */
export async function serveStatusHttp(
  listen: { host: string | undefined; port: number },
  handler: (request: StatusRequest) => StatusResponse,
  access: { readonly token?: string } = {},
): Promise<StatusListener> {
  const server = createServer((req, res) => {
    const authorized = isAuthorizedCaller(
      { remoteAddress: req.socket.remoteAddress, authorization: req.headers.authorization },
      access.token,
    )
    const response = handler({ method: req.method ?? 'GET', path: req.url ?? '/', authorized })
    const body = `${JSON.stringify(response.body)}\n`
    res.writeHead(response.status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      // The body depends on who asks: a cache must not hand the full document to someone else.
      vary: 'authorization',
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
