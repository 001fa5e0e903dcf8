import { createSocket, type Socket } from 'node:dgram'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CONTENT_FILES, contentChunks, contentFile, type ContentFile } from '../files.ts'

/** Options of {@link startContentServer}. */
export interface ContentServerOptions {
  /** Address to bind both services to: the content network's server address in the world, 127.0.0.1 in tests. */
  readonly host: string
  /** TCP port of the HTTP file server; 0 picks a free one. */
  readonly httpPort: number
  /** UDP port of the echo service; 0 picks a free one. */
  readonly udpPort: number
}

/** A running content server. */
export interface ContentServer {
  /** Base URL of the file server, e.g. `http://10.79.3.1:80/`. */
  readonly url: string
  /** The echo service's UDP port. */
  readonly udpPort: number
  /** Closes both services and every open connection; idempotent. */
  stop(): Promise<void>
}

/** Largest datagram the echo service answers (bytes): bigger ones are dropped, as RFC 862 allows. */
const MAX_ECHO_BYTES = 65_507

/** Writes `file` to `res`, honouring back-pressure; stops when the client goes away. */
async function streamFile(file: ContentFile, res: ServerResponse): Promise<void> {
  for (const chunk of contentChunks(file)) {
    if (res.destroyed) return
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done)
          res.off('close', done)
          resolve()
        }
        res.on('drain', done)
        res.on('close', done)
      })
    }
  }
  res.end()
}

/**
 * Starts the world's content services: an HTTP file server (`GET /` lists the catalogue as JSON,
 * `GET /files/<name>` streams a file with its length, generated on the fly) and a UDP echo service
 * (RFC 862: every datagram goes back to its sender).
 */
export async function startContentServer(options: ContentServerOptions): Promise<ContentServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n')
      return
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(`${JSON.stringify({ files: CONTENT_FILES })}\n`)
      return
    }
    const file = path.startsWith('/files/') ? contentFile(path.slice('/files/'.length)) : undefined
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(file.bytes),
      'cache-control': 'no-store',
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    void streamFile(file, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.httpPort, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  let udp: Socket
  try {
    udp = createSocket(options.host.includes(':') ? 'udp6' : 'udp4')
    udp.on('message', (msg, rinfo) => {
      if (msg.length <= MAX_ECHO_BYTES) udp.send(msg, rinfo.port, rinfo.address)
    })
    udp.on('error', () => {
      // A send to a vanished peer (ICMP unreachable) must not end the service.
    })
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject)
      udp.bind(options.udpPort, options.host, () => {
        udp.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    server.close()
    throw err
  }
  const { port } = server.address() as AddressInfo
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host
  let stopping: Promise<void> | undefined
  return {
    url: `http://${hostPart}:${port}/`,
    udpPort: udp.address().port,
    stop() {
      stopping ??= Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }),
        new Promise<void>((resolve) => udp.close(() => resolve())),
      ]).then(() => undefined)
      return stopping
    },
  }
}
