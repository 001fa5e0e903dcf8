import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { normalizeSourceAddress, whoamiReply } from '../source-address.ts'

/** Options of {@link startWhoami}. */
export interface WhoamiOptions {
  /** Address to bind: the bridge gateway in the world, 127.0.0.1 in tests. */
  readonly host: string
  /** TCP port; 0 picks a free one. */
  readonly port: number
}

/** A running whoami service. */
export interface WhoamiServer {
  /** Base URL, e.g. `http://10.77.3.1:8081/`. */
  readonly url: string
  /** Closes the listener and every open connection; idempotent. */
  stop(): Promise<void>
}

/**
 * Starts the world's "what is my IP" service: `GET /` answers the caller's source address as text,
 * `GET /json` as `{ ip, port }`. Agents use it to check that their traffic leaves through a VPN.
 */
export async function startWhoami(options: WhoamiOptions): Promise<WhoamiServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n')
      return
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      res.end(`${normalizeSourceAddress(req.socket.remoteAddress)}\n`)
    } else if (path === '/json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(`${JSON.stringify(whoamiReply(req.socket.remoteAddress, req.socket.remotePort))}\n`)
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host
  let stopping: Promise<void> | undefined
  return {
    url: `http://${hostPart}:${port}/`,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return stopping
    },
  }
}
