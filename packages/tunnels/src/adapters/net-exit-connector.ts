import { lookup } from 'node:dns/promises'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect as tcpConnect } from 'node:net'
import { MAX_STREAM_CHUNK_BYTES } from '../constants.ts'
import type { ConnectFailure, ExitConnector, ExitUdp } from '../ports.ts'

/** Options of the exit connector. */
export interface NetExitConnectorOptions {
  /** Time a TCP connect may take before it counts as `timeout`, ms. */
  readonly connectTimeoutMs?: number
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** Bytes of the shared read buffer: one DATA cell's worth (`MAX_STREAM_CHUNK_BYTES`), what libuv reads at once. */
const READ_BUFFER_BYTES = MAX_STREAM_CHUNK_BYTES

/**
 * The exit's connector over the host's network stack: DNS through the system resolver (at the exit,
 * never at the client), TCP with node:net, UDP with node:dgram. It connects only to the IP literal
 * the exit policy approved.
 */
export function createNetExitConnector(options: NetExitConnectorOptions = {}): ExitConnector {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  // Every socket reads into this one buffer (node's `onread`): the exit seals each read into a new
  // cell before the next read can happen (`ExitStreamHandlers.onData`), so no buffer per read.
  const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES)
  return {
    async resolve(host) {
      try {
        const all = await lookup(host, { all: true, order: 'ipv4first' })
        return all.map((a) => a.address)
      } catch {
        return []
      }
    },
    connect(ip, port, handlers, opts = {}) {
      return new Promise((resolve) => {
        let deliver: (data: Uint8Array) => void = () => undefined
        const socket = tcpConnect({
          host: ip,
          port,
          noDelay: true,
          onread: {
            buffer: readBuffer,
            callback: (bytes, buffer) => {
              deliver(buffer.subarray(0, bytes))
              return true
            },
          },
        })
        let settled = false
        const fail = (reason: ConnectFailure): void => {
          if (settled) return
          settled = true
          socket.destroy()
          resolve({ ok: false, reason })
        }
        const onAbort = (): void => fail('timeout')
        opts.signal?.addEventListener('abort', onAbort, { once: true })
        socket.setTimeout(connectTimeoutMs, () => fail('timeout'))
        socket.once('error', (err: NodeJS.ErrnoException) =>
          fail(err.code === 'ECONNREFUSED' ? 'refused' : 'unreachable'),
        )
        socket.once('connect', () => {
          if (settled) return
          settled = true
          opts.signal?.removeEventListener('abort', onAbort)
          socket.setTimeout(0)
          let closed = false
          const close = (hadError: boolean): void => {
            if (closed) return
            closed = true
            handlers.onClose(hadError)
          }
          deliver = (data) => handlers.onData(data)
          socket.on('drain', () => handlers.onDrain())
          socket.on('error', () => close(true))
          socket.on('close', (hadError) => close(hadError))
          resolve({
            ok: true,
            stream: {
              write: (data) => socket.write(data),
              end: () => socket.end(),
              destroy: () => socket.destroy(),
              pause: () => socket.pause(),
              resume: () => socket.resume(),
            },
          })
        })
      })
    },
    openUdp(onDatagram) {
      const sockets = new Map<4 | 6, UdpSocket>()
      const socketFor = (family: 4 | 6): UdpSocket => {
        let s = sockets.get(family)
        if (s === undefined) {
          s = createSocket(family === 4 ? 'udp4' : 'udp6')
          s.on('message', (msg, rinfo) => onDatagram(rinfo.address, rinfo.port, msg))
          // A send error (ICMP unreachable, EPERM) loses one datagram, as UDP would anyway.
          s.on('error', () => undefined)
          sockets.set(family, s)
        }
        return s
      }
      const udp: ExitUdp = {
        send(ip, port, data) {
          socketFor(ip.includes(':') ? 6 : 4).send(data, port, ip)
        },
        close() {
          for (const s of sockets.values()) s.close()
          sockets.clear()
        },
      }
      return Promise.resolve(udp)
    },
  }
}
