// Tunnel benchmark (issue 16): throughput of a download through a 1-hop and a 3-hop circuit on
// loopback, next to a plain TCP pipe through the same number of in-process forwarders, in one run.
// Circuits run over both transports of the package (loopback TCP frames, and the in-memory network),
// so the transport's share of the cost shows. Everything runs in this one process (one core does the
// crypto of every hop), exactly like the forwarders of the plain pipe.
// Run: node_modules/.bin/node bench/tunnels/run.ts [--mb 64] [--rounds 3]
import { createHash } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { createCryptoRng, createSystemClock } from '@dolly/base'
import {
  createMemoryNetwork,
  createNetExitConnector,
  createTcpTransport,
  createTunnelNode,
  createWorldExitPolicy,
  type HopDescriptor,
  type TunnelNode,
  type Transport,
} from '@dolly/tunnels'

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name)
  return at > 0 ? Number(process.argv[at + 1]) : fallback
}
const MB = arg('--mb', 64)
const ROUNDS = arg('--rounds', 3)
const BYTES = MB * 1024 * 1024
const CHUNK = Buffer.alloc(64 * 1024, 0x5a)

/** A server that writes BYTES to every connection and closes it. */
async function startSource(): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => {
    let left = BYTES
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length)
        left -= n
        if (!socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n)))
          return void socket.once('drain', pump)
      }
      socket.end()
    }
    pump()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const a = server.address()
  return { port: a !== null && typeof a === 'object' ? a.port : 0, server }
}

/** A plain TCP forwarder to `port`. */
async function startForwarder(port: number): Promise<{ port: number; server: Server }> {
  const server = createServer((inSock) => {
    const out = connect({ host: '127.0.0.1', port, noDelay: true })
    inSock.pipe(out)
    out.pipe(inSock)
    inSock.on('error', () => out.destroy())
    out.on('error', () => inSock.destroy())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const a = server.address()
  return { port: a !== null && typeof a === 'object' ? a.port : 0, server }
}

async function plainPipe(sourcePort: number, forwarders: number): Promise<number> {
  const servers: Server[] = []
  let port = sourcePort
  for (let i = 0; i < forwarders; i++) {
    const f = await startForwarder(port)
    servers.push(f.server)
    port = f.port
  }
  const t0 = performance.now()
  await new Promise<void>((resolve, reject) => {
    const s: Socket = connect({ host: '127.0.0.1', port })
    let got = 0
    s.on('data', (d: Buffer) => (got += d.length))
    s.on('end', () => (got === BYTES ? resolve() : reject(new Error(`got ${got} of ${BYTES}`))))
    s.on('error', reject)
  })
  const seconds = (performance.now() - t0) / 1000
  for (const s of servers) s.close()
  return MB / seconds
}

type Net = { transportFor(peerId: string): Promise<Transport>; stop(): Promise<void> }

function memoryNet(): Net {
  const net = createMemoryNetwork()
  return { transportFor: (p) => Promise.resolve(net.transport(p)), stop: () => Promise.resolve() }
}

function tcpNet(): Net {
  const ports = new Map<string, number>()
  const all: ReturnType<typeof createTcpTransport>[] = []
  return {
    async transportFor(peerId) {
      const t = createTcpTransport({
        peerId,
        addressOf: (p) => {
          const port = ports.get(p)
          return port === undefined ? undefined : { host: '127.0.0.1', port }
        },
      })
      ports.set(peerId, await t.start())
      all.push(t)
      return t
    },
    async stop() {
      await Promise.all(all.map((t) => t.stop()))
    },
  }
}

async function circuit(sourcePort: number, hops: number, net: Net): Promise<number> {
  const clock = createSystemClock()
  const rng = createCryptoRng()
  const directory: HopDescriptor[] = []
  const nodes: TunnelNode[] = []
  const make = async (peerId: string, relay: boolean, exit: boolean): Promise<TunnelNode> => {
    const node = createTunnelNode(
      { transport: await net.transportFor(peerId), clock, rng, connector: createNetExitConnector() },
      {
        identitySecret: rng.bytes(32),
        relay,
        exit,
        ...(exit ? { exitPolicy: createWorldExitPolicy(['127.0.0.1/32']) } : {}),
        directory: () => directory,
      },
    )
    node.start()
    nodes.push(node)
    return node
  }
  for (let i = 0; i < hops - 1; i++) directory.push((await make(`r${i}`, true, false)).descriptor())
  directory.push((await make('x', false, true)).descriptor())
  const client = await make('c', false, false)
  const c = await client.buildCircuit(hops)
  const t0 = performance.now()
  const hash = createHash('sha256')
  await new Promise<void>((resolve, reject) => {
    let got = 0
    c.openStream('127.0.0.1', sourcePort, {
      onData: (d) => {
        got += d.length
        hash.update(d)
      },
      onEnd: (code) =>
        code === undefined && got === BYTES ? resolve() : reject(new Error(`${code} after ${got}`)),
      onDrain: () => undefined,
    }).catch(reject)
  })
  const seconds = (performance.now() - t0) / 1000
  for (const n of nodes) n.stop()
  await net.stop()
  return MB / seconds
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

/** Runs one measurement; returns MiB per wall second and MiB per CPU second of this process. */
async function measured(run: () => Promise<number>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage()
  const wall = await run()
  const cpu = process.cpuUsage(cpu0)
  return { wall, cpu: MB / ((cpu.user + cpu.system) / 1e6) }
}

/**
 * The transports alone, no circuit: 16 KiB frames as fast as the sender can go, over the TCP frame
 * transport and over plain UDP datagrams (what a Tribler-style data plane sends). Returns MiB/s
 * received and the share of frames lost; UDP has no flow control, so what the receiver cannot take
 * is dropped.
 */
async function rawTransport(kind: 'tcp' | 'udp'): Promise<{ mibPerS: number; lost: number }> {
  const frame = Buffer.alloc(16 * 1024, 0x33)
  const frames = Math.floor(BYTES / frame.length)
  if (kind === 'tcp') {
    const net = tcpNet()
    const a = await net.transportFor('a')
    const b = await net.transportFor('b')
    let got = 0
    const t0 = performance.now()
    await new Promise<void>((resolve) => {
      b.onFrame(() => {
        if (++got === frames) resolve()
      })
      let sent = 0
      const pump = (): void => {
        // Yield every 256 frames so the socket drains; a refused send (link buffer full) is retried.
        for (let i = 0; i < 256 && sent < frames; i++) {
          if (!a.send('b', frame)) break
          sent++
        }
        if (sent < frames) setImmediate(pump)
      }
      pump()
    })
    const seconds = (performance.now() - t0) / 1000
    await net.stop()
    return { mibPerS: MB / seconds, lost: 0 }
  }
  const rx = createSocket('udp4')
  const tx = createSocket('udp4')
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()))
  const port = rx.address().port
  let got = 0
  rx.on('message', () => got++)
  const t0 = performance.now()
  for (let sent = 0; sent < frames;) {
    const batch = Math.min(256, frames - sent)
    await Promise.all(
      Array.from(
        { length: batch },
        () => new Promise<void>((r) => tx.send(frame, port, '127.0.0.1', () => r())),
      ),
    )
    sent += batch
    await new Promise((r) => setImmediate(r))
  }
  // Let stragglers arrive.
  await new Promise((r) => setTimeout(r, 200))
  const seconds = (performance.now() - t0) / 1000 - 0.2
  rx.close()
  tx.close()
  return { mibPerS: (got * frame.length) / 1048576 / seconds, lost: 1 - got / frames }
}

const source = await startSource()
const configs: { name: string; hops: 1 | 3; run: () => Promise<number> }[] = [
  { name: 'plain TCP, 1 forwarder', hops: 1, run: () => plainPipe(source.port, 1) },
  { name: 'plain TCP, 3 forwarders', hops: 3, run: () => plainPipe(source.port, 3) },
  { name: 'circuit 1 hop, TCP frames', hops: 1, run: () => circuit(source.port, 1, tcpNet()) },
  { name: 'circuit 3 hops, TCP frames', hops: 3, run: () => circuit(source.port, 3, tcpNet()) },
  { name: 'circuit 1 hop, memory', hops: 1, run: () => circuit(source.port, 1, memoryNet()) },
  { name: 'circuit 3 hops, memory', hops: 3, run: () => circuit(source.port, 3, memoryNet()) },
]
const results = configs.map(() => ({ wall: [] as number[], cpu: [] as number[] }))
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, c] of configs.entries()) {
    const m = await measured(c.run)
    results[i]?.wall.push(m.wall)
    results[i]?.cpu.push(m.cpu)
  }
}
source.server.close()
const ref = (hops: number, kind: 'wall' | 'cpu'): number => median(results[hops === 1 ? 0 : 1]?.[kind] ?? [])
console.log(
  `tunnels bench: ${MB} MiB download per run, median of ${ROUNDS} rounds, everything in one process`,
)
console.log(
  `${'configuration'.padEnd(28)} ${'MiB/s wall'.padStart(11)} ${'ratio'.padStart(6)} ${'MiB/cpu-s'.padStart(10)} ${'ratio'.padStart(6)}`,
)
for (const [i, c] of configs.entries()) {
  const wall = median(results[i]?.wall ?? [])
  const cpu = median(results[i]?.cpu ?? [])
  console.log(
    `${c.name.padEnd(28)} ${wall.toFixed(1).padStart(11)} ${(wall / ref(c.hops, 'wall')).toFixed(2).padStart(6)} ${cpu.toFixed(1).padStart(10)} ${(cpu / ref(c.hops, 'cpu')).toFixed(2).padStart(6)}`,
  )
}
console.log('ratio = this row / plain TCP through as many in-process forwarders, same run')
const raw: { tcp: number[]; udp: number[]; udpLost: number[] } = { tcp: [], udp: [], udpLost: [] }
for (let r = 0; r < ROUNDS; r++) {
  raw.tcp.push((await rawTransport('tcp')).mibPerS)
  const u = await rawTransport('udp')
  raw.udp.push(u.mibPerS)
  raw.udpLost.push(u.lost)
}
console.log(`\ntransports alone, 16 KiB frames, sender unthrottled:`)
console.log(
  `TCP frames (ordered, flow-controlled)  ${median(raw.tcp).toFixed(1).padStart(8)} MiB/s received, 0 lost`,
)
console.log(
  `UDP datagrams (no flow control)        ${median(raw.udp).toFixed(1).padStart(8)} MiB/s received, ${(100 * median(raw.udpLost)).toFixed(1)} % lost`,
)
