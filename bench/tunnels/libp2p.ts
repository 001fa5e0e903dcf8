// libp2p pieces of the tunnel bench (issue 16): loopback hosts exactly as the agent runs them
// (`startLibp2pHost`: TCP, Noise, yamux, identify, ping, gossipsub), a plain stream pipe through relay
// hosts (each relay forwards one libp2p stream onto the next, the last onto TCP), and the tunnel
// core's `Transport` over the agent's libp2p tunnel transport.
import { createHash, type Hash } from 'node:crypto'
import { connect } from 'node:net'
import { performance } from 'node:perf_hooks'
import { createCryptoRng, createNullLogger, generateIdentity, type Identity } from '@dolly/base'
import {
  createLibp2pTunnelTransport,
  startLibp2pHost,
  type Libp2pHost,
  type Libp2pTunnelTransport,
} from '@dolly/overlay'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

const PIPE = '/dolly/bench/pipe/1.0.0'
const WARM = '/dolly/bench/warm/1.0.0'
const GO = new Uint8Array([1])
const DIAL_MS = 10_000

/** One loopback libp2p host of the bench. */
export interface BenchHost {
  readonly identity: Identity
  readonly host: Libp2pHost
  readonly peerId: string
}

/** Starts a loopback host (the agent's stack) that knows the addresses of every host in `known`. */
export async function startHost(known: readonly BenchHost[] = []): Promise<BenchHost> {
  const identity = generateIdentity(createCryptoRng())
  const host = await startLibp2pHost(identity, {
    listen: ['/ip4/127.0.0.1/tcp/0'],
    protocols: [],
    log: createNullLogger(),
  })
  const self = { identity, host, peerId: host.peerId.toString() }
  for (const other of known) {
    host.learn(other.identity.publicKey, other.host.addresses())
    other.host.learn(identity.publicKey, host.addresses())
  }
  return self
}

/** Feeds one stream message (a buffer or a list of them) to a hash. */
export function hashMessage(hash: Hash, data: Uint8Array | Uint8ArrayList): number {
  if (data instanceof Uint8Array) hash.update(data)
  else for (const chunk of data) hash.update(chunk)
  return data.byteLength
}

/**
 * `to.send(data)`: false when `to` is full. When `to` closed meanwhile (the bench tears a pipe down
 * while its last messages still arrive) it calls `end` and returns true, instead of throwing out of
 * an event listener.
 */
function sendUnlessClosed(to: Stream, data: Uint8Array | Uint8ArrayList, end: (err: Error) => void): boolean {
  try {
    return to.send(data)
  } catch (err) {
    end(err instanceof Error ? err : new Error(String(err)))
    return true
  }
}

/**
 * Read buffer of a stream a relay pauses: more than yamux's largest receive window (16 MiB), which
 * the sender may still fill after the pause (libp2p aborts a stream whose read buffer passes its
 * limit, 4 MiB by default; that broke a pipe now and then).
 */
const PAUSED_READ_BUFFER_BYTES = 17 * 1024 * 1024

/**
 * Forwards `from`'s messages onto `to`, pausing `from` while `to` is full; a pipe that breaks on
 * either side is aborted on the other, so the client sees the failure instead of waiting.
 */
function forward(from: Stream, to: Stream): void {
  from.maxReadBufferLength = Math.max(from.maxReadBufferLength, PAUSED_READ_BUFFER_BYTES)
  from.addEventListener('close', (evt) => {
    if (evt.error !== undefined) to.abort(evt.error)
  })
  from.addEventListener('message', (evt) => {
    if (sendUnlessClosed(to, evt.data, (err) => from.abort(err))) return
    from.pause()
    to.onDrain({ signal: AbortSignal.timeout(DIAL_MS) }).then(
      // The pipe may be torn down while `to` drains: nothing is left to resume then.
      () => void (from.readStatus === 'paused' && from.resume()),
      (err: unknown) => from.abort(err instanceof Error ? err : new Error(String(err))),
    )
  })
}

/**
 * Downloads `bytes` from the TCP source at `sourcePort` through `relays` libp2p relay hosts: the
 * client opens a stream to relay 1, each relay opens one to the next, the last connects to the
 * source; every relay forwards with backpressure. Connections are dialled before the clock starts (as
 * a built circuit's are). Returns MiB per wall second and the SHA-256 of what arrived.
 */
export async function plainLibp2pPipe(
  sourcePort: number,
  relays: number,
  bytes: number,
): Promise<{ mibPerS: number; sha256: string }> {
  const hosts: BenchHost[] = []
  for (let i = 0; i <= relays; i++) hosts.push(await startHost(hosts))
  const streams: Stream[] = []
  const sockets: ReturnType<typeof connect>[] = []
  try {
    for (let i = 1; i <= relays; i++) {
      const self = hosts[i] as BenchHost
      const next = hosts[i + 1]
      await self.host.handleStreams(WARM, (_remote, stream) => void stream.close().catch(() => undefined))
      await self.host.handleStreams(PIPE, (_remote, upstream) => {
        streams.push(upstream)
        if (next === undefined) {
          const socket = connect({ host: '127.0.0.1', port: sourcePort, noDelay: true })
          sockets.push(socket)
          socket.on('data', (d: Buffer) => {
            if (sendUnlessClosed(upstream, d, () => socket.destroy())) return
            socket.pause()
            upstream.onDrain({ signal: AbortSignal.timeout(DIAL_MS) }).then(
              () => socket.resume(),
              () => socket.destroy(),
            )
          })
          socket.on('error', (err) => upstream.abort(err))
          return
        }
        void self.host
          .openStream(PIPE, next.peerId, { signal: AbortSignal.timeout(DIAL_MS) })
          .then((downstream) => {
            streams.push(downstream)
            forward(downstream, upstream)
            downstream.send(GO)
          })
          .catch((err: unknown) => upstream.abort(err instanceof Error ? err : new Error(String(err))))
      })
    }
    // Dial every link first: a circuit's links are up once it is built.
    for (let i = 0; i < relays; i++) {
      const s = await (hosts[i] as BenchHost).host.openStream(WARM, (hosts[i + 1] as BenchHost).peerId, {
        signal: AbortSignal.timeout(DIAL_MS),
      })
      await s.close().catch(() => undefined)
    }
    const t0 = performance.now()
    const hash = createHash('sha256')
    const client = await (hosts[0] as BenchHost).host.openStream(PIPE, (hosts[1] as BenchHost).peerId, {
      signal: AbortSignal.timeout(DIAL_MS),
    })
    streams.push(client)
    await new Promise<void>((resolve, reject) => {
      let got = 0
      const timer = setTimeout(
        () => reject(new Error(`plain pipe: ${got} of ${bytes} bytes in 120 s`)),
        120_000,
      )
      client.addEventListener('message', (evt) => {
        got += hashMessage(hash, evt.data)
        if (got >= bytes) {
          clearTimeout(timer)
          resolve()
        }
      })
      client.addEventListener('close', () => {
        clearTimeout(timer)
        if (got < bytes) reject(new Error(`plain pipe closed after ${got} of ${bytes} bytes`))
      })
      client.send(GO)
    })
    const seconds = (performance.now() - t0) / 1000
    return { mibPerS: bytes / 1048576 / seconds, sha256: hash.digest('hex') }
  } finally {
    for (const s of sockets) s.destroy()
    for (const s of streams) s.abort(new Error('bench done'))
    await Promise.all(hosts.map((h) => h.host.stop()))
  }
}

/** Tunnel transports over loopback libp2p hosts that all know each other (the agent's adapter). */
export interface Libp2pNet {
  /** A new host with a started tunnel transport. */
  transport(): Promise<Libp2pTunnelTransport>
  readonly hosts: readonly BenchHost[]
  stop(): Promise<void>
}

/** A fresh set of hosts, each with `createLibp2pTunnelTransport`. */
export function libp2pNet(): Libp2pNet {
  const hosts: BenchHost[] = []
  const transports: Libp2pTunnelTransport[] = []
  return {
    hosts,
    async transport() {
      const h = await startHost(hosts)
      hosts.push(h)
      const t = createLibp2pTunnelTransport({ host: h.host, log: createNullLogger() })
      await t.start()
      transports.push(t)
      return t
    },
    async stop() {
      await Promise.all(transports.map((t) => t.stop()))
      await Promise.all(hosts.map((h) => h.host.stop()))
    },
  }
}
