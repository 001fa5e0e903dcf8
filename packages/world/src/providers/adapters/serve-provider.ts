/** The default way a provider opens its sockets: one node HTTP server per service. */
import type { Logger } from '@dolly/base'
import type { HttpHandler } from '../http.ts'
import { listenHttp, type HttpService } from './http-server.ts'

/** Opens one listening service per handler, in order; closes what it opened if one fails. */
export type HttpServiceFactory = (
  services: readonly { handler: HttpHandler; port: number }[],
  options: { host: string; log: Logger },
) => Promise<readonly HttpService[]>

/** Opens node HTTP servers. */
export const createHttpServices: HttpServiceFactory = async (services, options) => {
  const opened: HttpService[] = []
  try {
    for (const s of services)
      opened.push(await listenHttp(s.handler, { host: options.host, port: s.port, log: options.log }))
  } catch (err) {
    await Promise.allSettled(opened.map((o) => o.close()))
    throw err
  }
  return opened
}

export type { HttpService }
