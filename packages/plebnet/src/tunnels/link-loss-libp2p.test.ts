import { createHash } from 'node:crypto'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createCryptoRng,
  createNullLogger,
  createSystemClock,
  generateIdentity,
  type Identity,
} from '@dolly/base'
import { createLibp2pTunnelTransport, startLibp2pHost, type Libp2pHost } from '@dolly/overlay'
import {
  createCircuitPool,
  createNetExitConnector,
  createSocks5Server,
  createTunnelNode,
  createWorldExitPolicy,
  type CircuitPool,
  type HopDescriptor,
  type Transport,
  type TunnelNode,
  type TunnelNodeOptions,
} from '@dolly/tunnels'

/**
 * Issue 16, link loss over real libp2p on loopback: a 3-hop circuit whose middle relay dies (its
 * libp2p host stops: connections close) or goes silent (its tunnel frames vanish both ways while
 * the connection stays up, as a host whose namespace was deleted without a FIN). The initiator must
 * see the loss within a bounded time, the in-flight stream must fail at once, the relays must free
 * the circuit, and the next SOCKS CONNECT must succeed on a new circuit.
 */

const BLOB = Buffer.from(Array.from({ length: 4 * 1024 * 1024 }, (_, i) => (i * 31 + (i >> 11)) & 0xff))
const BLOB_SHA = createHash('sha256').update(BLOB).digest('hex')

interface Peer {
  readonly name: string
  readonly host: Libp2pHost
  readonly node: TunnelNode
  /** While true, every tunnel frame to or from this peer is dropped (the link is silently dead). */
  blackhole: boolean
}

interface Net {
  readonly peers: readonly Peer[]
  readonly client: Peer
  readonly pool: CircuitPool
  readonly socksPort: number
  /** A server that sends BLOB and closes; a server that trickles bytes forever. */
  readonly blobPort: number
  readonly tricklePort: number
  stop(): Promise<void>
}

let running: Net | undefined
afterEach(async () => {
  await running?.stop()
  running = undefined
})

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const a = server.address()
  return a !== null && typeof a === 'object' ? a.port : 0
}

async function startNet(nodeOptions: Partial<TunnelNodeOptions>): Promise<Net> {
  const rng = createCryptoRng()
  const clock = createSystemClock()
  const log = createNullLogger()
  const names = ['client', 'r1', 'r2', 'r3', 'exit']
  const ids: Identity[] = names.map(() => generateIdentity(rng))
  const hosts = await Promise.all(
    ids.map((identity) =>
      startLibp2pHost(identity, { listen: ['/ip4/127.0.0.1/tcp/0'], protocols: [], log }),
    ),
  )
  hosts.forEach((h, i) =>
    hosts.forEach((other, j) => {
      if (i !== j) h.learn((ids[j] as Identity).publicKey, other.addresses())
    }),
  )
  const directory: HopDescriptor[] = []
  const sockets = new Set<Socket>()
  const blob = createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.end(BLOB)
  })
  const trickle = createServer((s) => {
    sockets.add(s)
    const timer = setInterval(() => s.write(Buffer.alloc(1024, 7)), 20)
    s.on('close', () => {
      clearInterval(timer)
      sockets.delete(s)
    })
    s.on('error', () => undefined)
  })
  const blobPort = await listen(blob)
  const tricklePort = await listen(trickle)
  const peers: Peer[] = []
  const stops: (() => Promise<void>)[] = []
  for (const [i, name] of names.entries()) {
    const host = hosts[i] as Libp2pHost
    const inner = createLibp2pTunnelTransport({ host, log })
    await inner.start()
    stops.push(() => inner.stop())
    const peer: Partial<Peer> & { blackhole: boolean } = { name, host, blackhole: false }
    const transport: Transport = {
      peerId: inner.peerId,
      send: (to, frame) => (peer.blackhole ? true : inner.send(to, frame)),
      onFrame: (handler) =>
        inner.onFrame((from, frame) => (peer.blackhole ? undefined : handler(from, frame))),
      onFrameParts: (handler) =>
        inner.onFrameParts((from, parts) => (peer.blackhole ? undefined : handler(from, parts))),
      onLinkDown: (handler) => inner.onLinkDown(handler),
    }
    const exit = name === 'exit'
    const node = createTunnelNode(
      { transport, clock, rng, ...(exit ? { connector: createNetExitConnector() } : {}) },
      {
        ...nodeOptions,
        identitySecret: rng.bytes(32),
        relay: name.startsWith('r'),
        exit,
        ...(exit ? { exitPolicy: createWorldExitPolicy(['127.0.0.1/32']) } : {}),
        directory: () => directory,
      },
    )
    node.start()
    peers.push(Object.assign(peer, { node }) as Peer)
  }
  directory.push(...peers.filter((p) => p.name !== 'client').map((p) => p.node.descriptor()))
  const client = peers[0] as Peer
  const pool = createCircuitPool({ node: client.node, clock }, { warm: { 3: 1 } })
  pool.start()
  const socks = createSocks5Server({ pool }, { listen: [{ hops: 3, port: 0 }] })
  const socksPort = (await socks.start()).get(3) ?? 0
  return {
    peers,
    client,
    pool,
    socksPort,
    blobPort,
    tricklePort,
    async stop() {
      await socks.stop()
      pool.stop()
      for (const p of peers) p.node.stop()
      for (const s of stops) await s()
      await Promise.all(hosts.map((h) => h.stop().catch(() => undefined)))
      for (const s of sockets) s.destroy()
      await Promise.all([blob, trickle].map((s) => new Promise((r) => s.close(r))))
    },
  }
}

/** SOCKS5 CONNECT to 127.0.0.1:`port` through `socksPort`; resolves with the socket once the reply said success. */
async function socksConnect(socksPort: number, port: number): Promise<Socket> {
  const socket = connect(socksPort, '127.0.0.1')
  let buf = Buffer.alloc(0)
  const need = (n: number): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (buf.length < n) return
        const out = buf.subarray(0, n)
        buf = buf.subarray(n)
        socket.off('data', onData)
        socket.off('close', onClose)
        resolve(out)
      }
      const onData = (d: Buffer): void => {
        buf = Buffer.concat([buf, d])
        check()
      }
      const onClose = (): void => reject(new Error('socks connection closed during the handshake'))
      socket.on('data', onData)
      socket.on('close', onClose)
      check()
    })
  socket.on('error', () => undefined)
  socket.write(Buffer.of(5, 1, 0))
  expect([...(await need(2))]).toEqual([5, 0])
  const req = Buffer.alloc(10)
  req.set([5, 1, 0, 1, 127, 0, 0, 1])
  req.writeUInt16BE(port, 8)
  socket.write(req)
  const reply = await need(10)
  if (reply[1] !== 0) throw new Error(`socks reply ${reply[1]}`)
  if (buf.length > 0) socket.unshift(buf)
  return socket
}

/** Downloads BLOB through the proxy and checks its SHA-256. */
async function download(net: Net): Promise<void> {
  const socket = await socksConnect(net.socksPort, net.blobPort)
  const chunks: Buffer[] = []
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (d: Buffer) => chunks.push(d))
    socket.on('end', resolve)
    socket.on('close', resolve)
    socket.on('error', reject)
  })
  const got = Buffer.concat(chunks)
  expect(got.length).toBe(BLOB.length)
  expect(createHash('sha256').update(got).digest('hex')).toBe(BLOB_SHA)
}

async function until(done: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
  return done()
}

/** Runs the scenario: a trickling stream on a 3-hop circuit, `kill` its middle relay, measure, CONNECT again. */
async function scenario(
  net: Net,
  kill: (middle: Peer) => Promise<void>,
  code: string,
  boundMs: number,
): Promise<void> {
  await download(net)
  const circuit = await net.pool.circuitFor(3, `127.0.0.1:${net.tricklePort}`)
  const inFlight = await socksConnect(net.socksPort, net.tricklePort)
  let received = 0
  let closedAt: number | undefined
  inFlight.on('data', (d: Buffer) => (received += d.length))
  inFlight.on('close', () => (closedAt = Date.now()))
  expect(await until(() => received > 10_000, 10_000)).toBe(true)
  let reason: string | undefined
  circuit.onClose((r) => (reason = r))
  const middle = net.peers.find((p) => p.node.peerId === circuit.path[1]) as Peer
  const [entry, , exit] = circuit.path.map((id) => net.peers.find((p) => p.node.peerId === id) as Peer)
  const killedAt = Date.now()
  await kill(middle)
  // The initiator sees the loss within the bound, and the in-flight stream fails with it, not later.
  expect(await until(() => reason !== undefined && closedAt !== undefined, boundMs)).toBe(true)
  expect(reason).toBe(code)
  expect((closedAt as number) - killedAt).toBeLessThan(boundMs)
  // Both surviving hops freed the circuit: none of their circuits names the dead relay any more.
  const usesMiddle = (p: Peer | undefined): boolean =>
    (p?.node.circuits() ?? []).some(
      (c) => c.previousPeer === middle.node.peerId || c.nextPeer === middle.node.peerId,
    )
  expect(await until(() => !usesMiddle(entry) && !usesMiddle(exit), 2_000)).toBe(true)
  expect(entry?.node.stats().rejected[code as 'TUNNEL_LINK_LOST']).toBeGreaterThanOrEqual(1)
  expect(exit?.node.stats().rejected[code as 'TUNNEL_LINK_LOST']).toBeGreaterThanOrEqual(1)
  // The next CONNECT through the proxy succeeds, over a circuit that avoids the dead relay.
  await download(net)
  const replacement = await net.pool.circuitFor(3, `127.0.0.1:${net.blobPort}`)
  expect(replacement.path).not.toContain(middle.node.peerId)
  expect(replacement.isOpen()).toBe(true)
}

describe('link loss over libp2p (loopback)', () => {
  it('a middle relay whose host stops: TUNNEL_LINK_LOST within 3 s, the stream fails at once, the next CONNECT succeeds', async () => {
    running = await startNet({})
    await scenario(running, (middle) => middle.host.stop(), 'TUNNEL_LINK_LOST', 3_000)
  }, 60_000)

  it('a middle relay that goes silent: TUNNEL_LINK_TIMEOUT within probe idle + timeout, the next CONNECT succeeds', async () => {
    running = await startNet({ linkProbeIdleMs: 1_000, linkProbeTimeoutMs: 2_000 })
    await scenario(
      running,
      (middle) => {
        middle.blackhole = true
        return Promise.resolve()
      },
      'TUNNEL_LINK_TIMEOUT',
      // idle 1 s + timeout 2 s + a sweep interval of each, plus slack for a loaded machine.
      6_000,
    )
  }, 60_000)
})
