import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { z } from 'zod'
import type { AbortOptions } from '@dolly/base'
import { WalletError } from '../errors.ts'
import type { RpcReply } from './json-rpc.ts'

/** Anything that carries Electrum JSON-RPC calls: a socket client, or a recorded session in tests. */
export interface ElectrumTransport {
  call(method: string, params: readonly unknown[], options?: AbortOptions): Promise<RpcReply>
  close(): void
}

/** Where an Electrum server listens. */
export interface ElectrumClientOptions {
  readonly host: string
  readonly port: number
  /** TLS ("s" servers) or plain TCP ("t" servers). */
  readonly tls: boolean
  /** Accept self-signed certificates (most public Electrum servers use them); opt-in. */
  readonly allowSelfSignedCertificate?: boolean
  readonly timeoutMs: number
}

/** Protocol version we speak (electrumx "Protocol Versions": 1.4 is the widely deployed one). */
const PROTOCOL_VERSION = '1.4'

// Electrum frames are JSON-RPC 2.0 objects, one per line. Notifications carry `method` and no `id`.
const Frame = z.object({
  id: z.union([z.number(), z.string(), z.null()]).optional(),
  result: z.unknown().optional(),
  error: z.object({ code: z.number().optional(), message: z.string() }).nullish(),
  method: z.string().optional(),
})

/**
 * An Electrum protocol client over TCP or TLS: newline-delimited JSON-RPC 2.0, one connection opened on
 * first use and negotiated with `server.version`. A socket error fails every call in flight with
 * WALLET_BACKEND_DOWN; the next call reconnects.
 */
export function createElectrumClient(options: ElectrumClientOptions): ElectrumTransport {
  let socket: Socket | undefined
  let ready: Promise<void> | undefined
  let buffer = ''
  let nextId = 1
  const pending = new Map<number, { resolve: (r: RpcReply) => void; reject: (e: unknown) => void }>()

  const failAll = (err: unknown): void => {
    for (const p of pending.values()) p.reject(err)
    pending.clear()
    socket?.destroy()
    socket = undefined
    ready = undefined
  }

  const onData = (chunk: Buffer): void => {
    buffer += chunk.toString('utf8')
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl).trim()
      buffer = buffer.slice(nl + 1)
      if (line === '') continue
      let json: unknown
      try {
        json = JSON.parse(line)
      } catch (err) {
        failAll(
          new WalletError(
            'WALLET_BACKEND_PROTOCOL',
            'electrum server sent a line that is not JSON',
            {},
            { cause: err },
          ),
        )
        return
      }
      const frame = Frame.safeParse(json)
      if (!frame.success || typeof frame.data.id !== 'number') continue // notifications and foreign ids
      const waiter = pending.get(frame.data.id)
      if (waiter === undefined) continue
      pending.delete(frame.data.id)
      const error = frame.data.error
      waiter.resolve(
        error === null || error === undefined
          ? { ok: true, result: frame.data.result }
          : { ok: false, code: error.code ?? 0, message: error.message },
      )
    }
  }

  const send = (method: string, params: readonly unknown[], opts: AbortOptions): Promise<RpcReply> => {
    const current = socket
    if (current === undefined) return Promise.reject(down(options, 'not connected'))
    const id = nextId++
    return new Promise<RpcReply>((resolve, reject) => {
      const signal = AbortSignal.any([
        AbortSignal.timeout(options.timeoutMs),
        ...(opts.signal === undefined ? [] : [opts.signal]),
      ])
      const onAbort = (): void => {
        pending.delete(id)
        reject(
          opts.signal?.aborted === true
            ? opts.signal.reason
            : down(options, `no reply to ${method} within ${options.timeoutMs} ms`),
        )
      }
      signal.addEventListener('abort', onAbort, { once: true })
      pending.set(id, {
        resolve: (r) => {
          signal.removeEventListener('abort', onAbort)
          resolve(r)
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort)
          reject(e)
        },
      })
      current.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`)
    })
  }

  const open = (opts: AbortOptions): Promise<void> => {
    ready ??= new Promise<void>((resolve, reject) => {
      const s = options.tls
        ? tlsConnect({
            host: options.host,
            port: options.port,
            servername: options.host,
            rejectUnauthorized: options.allowSelfSignedCertificate !== true,
          })
        : netConnect({ host: options.host, port: options.port })
      socket = s
      buffer = ''
      s.setNoDelay(true)
      const timer = AbortSignal.timeout(options.timeoutMs)
      const onTimeout = (): void => {
        failAll(down(options, `connect timed out after ${options.timeoutMs} ms`))
        reject(down(options, 'connect timed out'))
      }
      timer.addEventListener('abort', onTimeout, { once: true })
      s.once(options.tls ? 'secureConnect' : 'connect', () => {
        timer.removeEventListener('abort', onTimeout)
        resolve()
      })
      s.on('data', onData)
      s.once('error', (err) => {
        const e = down(options, err.message, err)
        failAll(e)
        reject(e)
      })
      s.once('close', () => failAll(down(options, 'connection closed')))
    }).then(async () => {
      const reply = await send('server.version', ['dolly-wallet', PROTOCOL_VERSION], opts)
      if (!reply.ok)
        throw new WalletError(
          'WALLET_BACKEND_PROTOCOL',
          `electrum server refused protocol ${PROTOCOL_VERSION}: ${reply.message}`,
          {},
        )
    })
    // A failed connect or handshake must not poison later calls: the next one reconnects.
    ready.catch(() => {
      socket?.destroy()
      socket = undefined
      ready = undefined
    })
    return ready
  }

  return {
    async call(method, params, opts = {}) {
      await open(opts)
      return send(method, params, opts)
    },
    close() {
      failAll(down(options, 'client closed'))
    },
  }
}

function down(options: ElectrumClientOptions, reason: string, cause?: unknown): WalletError {
  return new WalletError(
    'WALLET_BACKEND_DOWN',
    `electrum server ${options.host}:${options.port} is unreachable (${reason}); check the server or try another`,
    { host: options.host, port: options.port },
    cause === undefined ? undefined : { cause },
  )
}
