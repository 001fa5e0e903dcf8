/** Serves a world `HttpHandler` on a TCP socket (the only place the providers open sockets). */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { errorCode, type Logger } from '@dolly/base'
import { ProviderError } from '../errors.ts'
import type { HttpHandler } from '../http.ts'

/** A listening HTTP service. */
export interface HttpService {
  /** `http://host:port` without a trailing slash. */
  readonly url: string
  readonly port: number
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

/**
 * Listens on `host:port` (port 0 picks a free one).
 *
 * @throws ProviderError WORLD_PROVIDER_START_FAILED when the address cannot be bound.
 */
export async function listenHttp(
  handler: HttpHandler,
  options: { host: string; port: number; log: Logger },
): Promise<HttpService> {
  const { promise, resolve, reject } = Promise.withResolvers<AddressInfo>()
  const server = serve(
    {
      hostname: options.host,
      port: options.port,
      fetch: async (request, env) => {
        const remoteAddress = 'incoming' in env ? (env.incoming.socket.remoteAddress ?? '') : ''
        try {
          return await handler(request, { remoteAddress: remoteAddress.replace(/^::ffff:/, '') })
        } catch (err) {
          options.log.error('http.handler_failed', {
            path: new URL(request.url).pathname,
            code: errorCode(err) ?? 'unknown',
            message: err instanceof Error ? err.message : String(err),
          })
          return new Response('<h1>Internal Server Error</h1>', {
            status: 500,
            headers: { 'content-type': 'text/html' },
          })
        }
      },
    },
    (info) => resolve(info),
  ) as Server
  server.once('error', (err) =>
    reject(
      new ProviderError(
        'WORLD_PROVIDER_START_FAILED',
        `cannot listen on ${options.host}:${options.port}: ${err.message}`,
        { host: options.host, port: options.port },
        { cause: err },
      ),
    ),
  )
  const info = await promise
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${hostPart}:${info.port}`,
    port: info.port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
}
