import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net'
import { MAX_FRAME_BYTES } from '../constants.ts'
import type { Transport } from '../ports.ts'

/** Options of the TCP frame transport. */
export interface TcpTransportOptions {
  readonly peerId: string
  /** Where a peer listens; undefined for a peer we cannot reach. */
  readonly addressOf: (peerId: string) => { readonly host: string; readonly port: number } | undefined
  readonly host?: string
  /** 0 picks a free port. */
  readonly port?: number
  /** Frames queued per peer while its connection is being set up. */
  readonly maxQueuedFrames?: number
  /**
   * Bytes a connection may hold unsent before frames to that peer are dropped. Dropping is safe: the
   * next hop sees the gap in its layer counter and fails the circuit closed; buffering without bound
   * is not (there is no circuit-level flow window yet).
   */
  readonly maxBufferedBytes?: number
}

/** A TCP transport with its listener's lifecycle. */
export interface TcpTransport extends Transport {
  /** Listens; resolves with the bound port. */
  start(): Promise<number>
  stop(): Promise<void>
}

interface Link {
  readonly socket: Socket
  ready: boolean
  corked: boolean
  readonly queue: Uint8Array[]
}

const HELLO_MAX_BYTES = 255
const DEFAULT_MAX_QUEUED = 4096
const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024

/**
 * Frames over plain TCP: `u32 BE length | frame`, one connection per direction and peer, opened by the
 * sender, whose first frame is its peer id. For loopback tests and the benchmark: peer ids are NOT
 * authenticated here. The agent carries the same frames over libp2p streams, whose peer ids Noise
 * authenticates (README "Transport"). A length above `MAX_FRAME_BYTES` closes the connection, so a
 * peer cannot make us buffer more than one frame.
 */
export function createTcpTransport(options: TcpTransportOptions): TcpTransport {
  const host = options.host ?? '127.0.0.1'
  const maxQueued = options.maxQueuedFrames ?? DEFAULT_MAX_QUEUED
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES
  let handler: (from: string, frame: Uint8Array) => void = () => undefined
  let linkDown: (peerId: string) => void = () => undefined
  let stopping = false
  const outgoing = new Map<string, Link>()
  const incoming = new Set<Socket>()
  let server: Server | undefined

  const lengthPrefixed = (frame: Uint8Array): Buffer => {
    const out = Buffer.allocUnsafe(4 + frame.length)
    out.writeUInt32BE(frame.length, 0)
    out.set(frame, 4)
    return out
  }

  const readFrames = (socket: Socket, onFrame: (frame: Buffer) => void): void => {
    let buf: Buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
      while (buf.length >= 4) {
        const n = buf.readUInt32BE(0)
        if (n > MAX_FRAME_BYTES + HELLO_MAX_BYTES) return void socket.destroy()
        if (buf.length < 4 + n) return
        const frame = buf.subarray(4, 4 + n)
        buf = buf.subarray(4 + n)
        onFrame(frame)
        if (socket.destroyed) return
      }
    })
  }

  const onIncoming = (socket: Socket): void => {
    incoming.add(socket)
    socket.setNoDelay(true)
    let from: string | undefined
    socket.on('close', () => {
      incoming.delete(socket)
      if (from !== undefined && !stopping) linkDown(from)
    })
    socket.on('error', () => socket.destroy())
    readFrames(socket, (frame) => {
      if (from === undefined) {
        from = frame.toString('latin1')
        if (frame.length === 0 || frame.length > HELLO_MAX_BYTES) socket.destroy()
        return
      }
      handler(from, frame)
    })
  }

  const dial = (peerId: string): Link | undefined => {
    const addr = options.addressOf(peerId)
    if (addr === undefined) return undefined
    const socket = tcpConnect({ host: addr.host, port: addr.port, noDelay: true })
    const link: Link = {
      socket,
      ready: false,
      corked: false,
      queue: [lengthPrefixed(Buffer.from(options.peerId, 'latin1'))],
    }
    socket.on('connect', () => {
      link.ready = true
      for (const f of link.queue.splice(0)) socket.write(f)
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      if (outgoing.get(peerId) === link) outgoing.delete(peerId)
      if (!stopping) linkDown(peerId)
    })
    socket.on('data', () => undefined)
    outgoing.set(peerId, link)
    return link
  }

  return {
    peerId: options.peerId,
    send(peerId, frame) {
      const link = outgoing.get(peerId) ?? dial(peerId)
      if (link === undefined) return false
      const bytes = lengthPrefixed(frame)
      if (link.ready) {
        if (link.socket.writableLength > maxBuffered) return false
        // Frames sent in one turn of the event loop go out in one writev, not one syscall each.
        if (!link.corked) {
          link.corked = true
          link.socket.cork()
          process.nextTick(() => {
            link.corked = false
            link.socket.uncork()
          })
        }
        link.socket.write(bytes)
      } else if (link.queue.length < maxQueued) link.queue.push(bytes)
      else return false
      return true
    },
    onFrame(h) {
      handler = h
    },
    onLinkDown(h) {
      linkDown = h
    },
    async start() {
      stopping = false
      if (server !== undefined) {
        const a = server.address()
        return a !== null && typeof a === 'object' ? a.port : 0
      }
      const s = createServer(onIncoming)
      server = s
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject)
        s.listen(options.port ?? 0, host, () => resolve())
      })
      const a = s.address()
      return a !== null && typeof a === 'object' ? a.port : 0
    },
    async stop() {
      stopping = true
      for (const link of outgoing.values()) link.socket.destroy()
      outgoing.clear()
      for (const s of incoming) s.destroy()
      const s = server
      server = undefined
      if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()))
    },
  }
}
