import { createSocket, type RemoteInfo } from 'node:dgram'
import { createServer, type Server, type Socket } from 'node:net'
import { createNullLogger, type Logger } from '@dolly/base'
import type { CircuitPool } from '../circuit-pool.ts'
import { tunnelCodeOf } from '../errors.ts'
import { parseIp } from '../ip.ts'
import {
  encodeReply,
  encodeUdpDatagram,
  parseGreeting,
  parseRequest,
  parseUdpDatagram,
  SOCKS_REPLY,
  socksReplyFor,
} from '../socks5.ts'
import type { TunnelCircuit, TunnelStream } from '../types.ts'

/** Options of the SOCKS5 entry. */
export interface Socks5ServerOptions {
  /** One listening port per hop count, as Tribler does (`{ hops: 1, port: 0 }` picks a free port). */
  readonly listen: readonly { readonly hops: number; readonly port: number }[]
  /** Loopback only by default: there is no authentication. */
  readonly host?: string
  /** Bytes a client may send before its request is complete. */
  readonly maxHandshakeBytes?: number
  /** Time a client has to complete greeting and request, ms. */
  readonly handshakeTimeoutMs?: number
}

/** A running SOCKS5 entry. */
export interface Socks5Server {
  /** Listens on every port; resolves with the bound port per hop count. */
  start(): Promise<ReadonlyMap<number, number>>
  /** Closes the listeners and every client connection. */
  stop(): Promise<void>
}

const DEFAULT_MAX_HANDSHAKE_BYTES = 600
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000

/**
 * `plebnet proxy`'s entry (issue 16 item 3): a SOCKS5 server (RFC 1928, CONNECT and UDP ASSOCIATE,
 * no authentication) that sends every connection through a circuit of the pool with the port's hop
 * count. The name in a CONNECT goes to the exit unresolved, so DNS happens at the exit.
 */
export function createSocks5Server(
  deps: { readonly pool: CircuitPool; readonly logger?: Logger },
  options: Socks5ServerOptions,
): Socks5Server {
  const logger = (deps.logger ?? createNullLogger()).child({ component: 'tunnels.socks' })
  const host = options.host ?? '127.0.0.1'
  const maxHandshake = options.maxHandshakeBytes ?? DEFAULT_MAX_HANDSHAKE_BYTES
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS
  const servers: Server[] = []
  const clients = new Set<Socket>()
  const cleanups = new Set<() => void>()
  let associations = 0
  const ports = new Map<number, number>()

  const refuse = (socket: Socket, reply: number): void => {
    socket.end(encodeReply(reply))
  }

  const onConnect = async (
    socket: Socket,
    hops: number,
    target: string,
    port: number,
    rest: Buffer,
  ): Promise<void> => {
    let stream: TunnelStream | undefined
    socket.pause()
    try {
      stream = await deps.pool.openStream(hops, target, port, {
        onData(data) {
          if (!socket.write(data)) stream?.setReadPaused(true)
        },
        onEnd(code) {
          if (code === undefined) socket.end()
          else socket.destroy()
        },
        onDrain: () => socket.resume(),
      })
    } catch (err) {
      const code = tunnelCodeOf(err)
      logger.debug('tunnels.socks.connect-refused', { code, hops })
      return refuse(socket, socksReplyFor(code))
    }
    if (socket.destroyed) return stream.destroy()
    const s = stream
    socket.write(encodeReply(SOCKS_REPLY.SUCCEEDED))
    socket.on('drain', () => s.setReadPaused(false))
    socket.on('data', (data: Buffer) => {
      if (!s.write(data)) socket.pause()
    })
    socket.on('end', () => s.end())
    socket.on('close', () => s.destroy())
    if (rest.length > 0 && !s.write(rest)) socket.pause()
    socket.resume()
  }

  const onUdpAssociate = async (
    socket: Socket,
    hops: number,
    clientHost: string,
    clientPort: number,
  ): Promise<void> => {
    const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject)
      udp.bind(0, host, () => {
        udp.off('error', reject)
        resolve()
      })
    })
    udp.on('error', (err) => logger.debug('tunnels.socks.udp-error', { err }))
    // RFC 1928 §7: datagrams come from the address the client named (0.0.0.0:0 = not known yet); the
    // first sender is remembered and every other source is dropped.
    let client: RemoteInfo | undefined
    let circuit: TunnelCircuit | undefined
    let getting: Promise<TunnelCircuit> | undefined
    const association = `udp#${++associations}`
    const bindCircuit = (c: TunnelCircuit): void => {
      circuit = c
      c.onDatagram((srcHost, srcPort, data) => {
        if (client === undefined) return
        udp.send(
          encodeUdpDatagram({ host: srcHost, port: srcPort, data }, parseIp(srcHost)),
          client.port,
          client.address,
        )
      })
    }
    const send = (dstHost: string, dstPort: number, data: Uint8Array): void => {
      if (circuit?.isOpen() === true) return circuit.sendDatagram(dstHost, dstPort, data)
      getting ??= deps.pool.circuitFor(hops, association)
      void getting.then(
        (c) => {
          getting = undefined
          bindCircuit(c)
          c.sendDatagram(dstHost, dstPort, data)
        },
        (err: unknown) => {
          getting = undefined
          logger.debug('tunnels.socks.udp-no-circuit', { code: tunnelCodeOf(err) })
        },
      )
    }
    udp.on('message', (msg, rinfo) => {
      const named = clientPort !== 0 && clientHost !== '0.0.0.0' && clientHost !== '::'
      if (client === undefined) {
        if (
          named
            ? rinfo.port !== clientPort || rinfo.address !== clientHost
            : rinfo.address !== socket.remoteAddress
        )
          return
        client = rinfo
      } else if (rinfo.address !== client.address || rinfo.port !== client.port) return
      try {
        const d = parseUdpDatagram(msg)
        send(d.host, d.port, d.data)
      } catch (err) {
        logger.debug('tunnels.socks.udp-dropped', { code: tunnelCodeOf(err) })
      }
    })
    const address = udp.address()
    const bound = parseIp(address.address)
    const close = (): void => {
      cleanups.delete(close)
      try {
        udp.close()
      } catch {
        // already closed
      }
    }
    cleanups.add(close)
    socket.on('close', close)
    socket.on('data', () => undefined)
    socket.write(encodeReply(SOCKS_REPLY.SUCCEEDED, bound, address.port))
  }

  const onClient = (socket: Socket, hops: number): void => {
    clients.add(socket)
    socket.setNoDelay(true)
    socket.setTimeout(handshakeTimeoutMs, () => socket.destroy())
    socket.on('close', () => clients.delete(socket))
    socket.on('error', () => socket.destroy())
    let buf = Buffer.alloc(0)
    let phase: 'greeting' | 'request' | 'done' = 'greeting'
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk])
      if (buf.length > maxHandshake) return void socket.destroy()
      try {
        if (phase === 'greeting') {
          const g = parseGreeting(buf)
          if (!g.done) return
          buf = buf.subarray(g.consumed)
          if (!g.value.noAuthOffered) return void socket.end(Uint8Array.of(5, 0xff))
          socket.write(Uint8Array.of(5, 0))
          phase = 'request'
        }
        if (phase === 'request') {
          const r = parseRequest(buf)
          if (!r.done) return
          phase = 'done'
          socket.setTimeout(0)
          socket.off('data', onData)
          const rest = buf.subarray(r.consumed)
          const req = r.value
          if (req.command === 'connect') void onConnect(socket, hops, req.host, req.port, rest)
          else if (req.command === 'udp-associate') {
            void onUdpAssociate(socket, hops, req.host, req.port).catch(() =>
              refuse(socket, SOCKS_REPLY.GENERAL_FAILURE),
            )
          } else refuse(socket, SOCKS_REPLY.COMMAND_NOT_SUPPORTED)
        }
      } catch (err) {
        const code = tunnelCodeOf(err)
        logger.debug('tunnels.socks.bad-request', { code, phase })
        // A client that does not even greet in SOCKS5 gets no SOCKS5 reply, just a close.
        if (phase === 'greeting') return void socket.destroy()
        refuse(
          socket,
          code === 'TUNNEL_SOCKS_UNSUPPORTED'
            ? SOCKS_REPLY.ADDRESS_TYPE_NOT_SUPPORTED
            : SOCKS_REPLY.GENERAL_FAILURE,
        )
      }
    }
    socket.on('data', onData)
  }

  return {
    async start() {
      if (servers.length > 0) return ports
      ports.clear()
      for (const { hops, port } of options.listen) {
        const server = createServer((socket) => onClient(socket, hops))
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(port, host, () => resolve())
        })
        servers.push(server)
        const address = server.address()
        if (address !== null && typeof address === 'object') ports.set(hops, address.port)
      }
      return ports
    },
    async stop() {
      for (const c of clients) c.destroy()
      for (const cleanup of [...cleanups]) cleanup()
      await Promise.all(
        servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      )
    },
  }
}
