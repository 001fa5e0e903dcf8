// Tunnel benchmark (issue 16), loopback, everything measured side by side in one run:
// 1. Throughput of a download through a 1-hop and a 3-hop circuit over the agent's libp2p tunnel
//    transport, next to a plain libp2p (tcp+noise+yamux) stream pipe through as many relay hosts
//    (each relay forwards one stream onto the next, the last onto TCP, as a circuit's exit does).
//    Goal: circuit ≥ 0.7 × the plain pipe. Client, hops, relays and the source share this process
//    (one core does every hop's work), alike for both rows; every download's SHA-256 is checked.
// 2. Aggregate throughput of 20 concurrent 3-hop circuits through one exit.
// 3. Circuit build time over libp2p (3 hops, sequential builds): median and p99.
// 4. Relay memory per open circuit: a relay in a process of its own (relay-child.ts) joins
//    `--mem-circuits` idle circuits; heap and RSS after GC, before and after, divided by the count.
// 5. A real `plebnet daemon` (setup + daemon, as bench/agent starts it) relaying: circuits from this
//    process go through it to an exit here; its RSS is sampled while it relays. Goal ≤ 128 MB.
// With `--transports` it also prints the earlier rows: plain TCP forwarders and circuits over the
// package's TCP frame and in-memory transports, and the raw transports (TCP frames vs UDP).
// Run: npm run bench:tunnels [-- --mb 64 --rounds 3 --json]   (`--help` lists every option)
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { createCryptoRng, createSystemClock, hexToBytes } from '@dolly/base'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  createMemoryNetwork,
  createNetExitConnector,
  createTcpTransport,
  createTunnelNode,
  createWorldExitPolicy,
  type HopDescriptor,
  type TunnelCircuit,
  type TunnelNode,
  type Transport,
} from '@dolly/tunnels'
import { DAEMON_ENV } from '@dolly/plebnet'
import { libp2pNet, plainLibp2pPipe, type Libp2pNet } from './libp2p.ts'

const HELP = `tunnel bench (issue 16): circuits over libp2p next to a plain libp2p pipe, loopback
usage: npm run bench:tunnels [-- options]
  --mb N              MiB per single download (default 64)
  --rounds N          rounds of the throughput rows, median reported (default 3)
  --agg-circuits N    concurrent 3-hop circuits through one exit (default 20)
  --agg-mb N          MiB downloaded per concurrent circuit (default 4)
  --builds N          sequential 3-hop circuit builds timed (default 50)
  --mem-circuits N    idle circuits joined by the relay of the memory row (default 200)
  --daemon-mb N       MiB relayed through the plebnet daemon (default 96: 24 per circuit,
                      below the agents' 32 MiB unpaid cap, as this client does not pay)
  --daemon-circuits N circuits through the daemon at once (default 4)
  --only LIST         sections to run, of throughput,aggregate,memory,daemon (default all)
  --transports        also the plain TCP / TCP-frame / in-memory rows and the raw transports
  --json              print the report as JSON on stdout (progress on stderr)
  --help              this text`
if (process.argv.includes('--help')) {
  process.stdout.write(`${HELP}\n`)
  process.exit(0)
}
const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name)
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`)
  return value
}
const MIB = 1024 * 1024
const MB_ = arg('--mb', 64)
const ROUNDS = arg('--rounds', 3)
const AGG_CIRCUITS = arg('--agg-circuits', 20)
const AGG_MB = arg('--agg-mb', 4)
const BUILDS = arg('--builds', 50)
const MEM_CIRCUITS = arg('--mem-circuits', 200)
// The bench's client runs no ledger and pays nothing: each circuit stays below the agent's unpaid
// cap (AGENT_UNPAID_CAP_BYTES, 32 MiB), or the daemon cuts it TUNNEL_UNPAID.
const DAEMON_MB = arg('--daemon-mb', 96)
const DAEMON_CIRCUITS = arg('--daemon-circuits', 4)
const TRANSPORTS = process.argv.includes('--transports')
const SECTIONS = ['throughput', 'aggregate', 'memory', 'daemon'] as const
/** The sections to run (`--only throughput,daemon`); all by default. */
const ONLY = ((): ReadonlySet<string> => {
  const at = process.argv.indexOf('--only')
  const picked = at > 0 ? (process.argv[at + 1] ?? '').split(',') : [...SECTIONS]
  for (const p of picked)
    if (!(SECTIONS as readonly string[]).includes(p)) throw new Error(`--only takes ${SECTIONS.join(',')}`)
  return new Set(picked)
})()
const JSON_OUT = process.argv.includes('--json')
const BYTES = MB_ * MIB
const RATIO_GOAL = 0.7
const DAEMON_RSS_GOAL_MB = 128
const ROOT = resolve(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'packages', 'plebnet', 'bin', 'plebnet.js')
const RELAY_CHILD = join(import.meta.dirname, 'relay-child.ts')
const NODE = process.execPath
const CHUNK = Buffer.alloc(64 * 1024, 0x5a)
const DOWNLOAD_TIMEOUT_MS = 180_000
/** How long the daemon runs before its idle RSS is sampled, ms. */
const DAEMON_SETTLE_MS = 10_000

const log = (text: string): void => void (JSON_OUT ? process.stderr : process.stdout).write(`${text}\n`)
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2
}
/** The nearest-rank percentile. */
const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN
}
const hex = (text: string): Uint8Array => {
  const bytes = hexToBytes(text)
  if (bytes === undefined) throw new Error(`not hex: ${text}`)
  return bytes
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const children = new Set<ChildProcess>()
const dirs: string[] = []

/** The SHA-256 of `bytes` bytes of the source's content. */
function expectedSha256(bytes: number): string {
  const hash = createHash('sha256')
  for (let left = bytes; left > 0; left -= CHUNK.length)
    hash.update(CHUNK.subarray(0, Math.min(left, CHUNK.length)))
  return hash.digest('hex')
}

/** A server that writes `bytes` to every connection and closes it. */
async function startSource(bytes: number): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => {
    let left = bytes
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length)
        left -= n
        if (!socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n)))
          return void socket.once('drain', pump)
      }
      socket.end()
    }
    socket.on('error', () => socket.destroy())
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

async function plainTcpPipe(sourcePort: number, forwarders: number): Promise<Download> {
  const servers: Server[] = []
  let port = sourcePort
  for (let i = 0; i < forwarders; i++) {
    const f = await startForwarder(port)
    servers.push(f.server)
    port = f.port
  }
  const t0 = performance.now()
  const hash = createHash('sha256')
  await new Promise<void>((resolvePromise, reject) => {
    const s: Socket = connect({ host: '127.0.0.1', port })
    let got = 0
    s.on('data', (d: Buffer) => {
      got += d.length
      hash.update(d)
    })
    s.on('end', () => (got === BYTES ? resolvePromise() : reject(new Error(`got ${got} of ${BYTES}`))))
    s.on('error', reject)
  })
  const seconds = (performance.now() - t0) / 1000
  for (const s of servers) s.close()
  return { mibPerS: MB_ / seconds, sha256: hash.digest('hex') }
}

interface Download {
  readonly mibPerS: number
  readonly sha256: string
}

/** Makes tunnel transports; the peer id label matters only to the TCP and memory adapters. */
type TransportFactory = { transportFor(label: string): Promise<Transport>; stop(): Promise<void> }

function memoryNet(): TransportFactory {
  const net = createMemoryNetwork()
  return { transportFor: (p) => Promise.resolve(net.transport(p)), stop: () => Promise.resolve() }
}

function tcpNet(): TransportFactory {
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

function overLibp2p(net: Libp2pNet = libp2pNet()): TransportFactory {
  return { transportFor: () => net.transport(), stop: () => net.stop() }
}

/** A client, `relays` relays and one exit (that may connect to 127.0.0.1 only), started. */
async function tunnelNodes(
  factory: TransportFactory,
  relays: number,
  limits: { maxOwnCircuits?: number; maxJoinedCircuits?: number } = {},
): Promise<{ client: TunnelNode; exit: TunnelNode; directory: HopDescriptor[]; stop(): Promise<void> }> {
  const clock = createSystemClock()
  const rng = createCryptoRng()
  const directory: HopDescriptor[] = []
  const nodes: TunnelNode[] = []
  const make = async (label: string, relay: boolean, exit: boolean): Promise<TunnelNode> => {
    const node = createTunnelNode(
      { transport: await factory.transportFor(label), clock, rng, connector: createNetExitConnector() },
      {
        identitySecret: rng.bytes(32),
        relay,
        exit,
        ...(exit ? { exitPolicy: createWorldExitPolicy(['127.0.0.1/32']) } : {}),
        directory: () => directory,
        ...(limits.maxOwnCircuits === undefined ? {} : { maxOwnCircuits: limits.maxOwnCircuits }),
        ...(limits.maxJoinedCircuits === undefined ? {} : { maxJoinedCircuits: limits.maxJoinedCircuits }),
      },
    )
    node.start()
    nodes.push(node)
    return node
  }
  for (let i = 0; i < relays; i++) directory.push((await make(`r${i}`, true, false)).descriptor())
  const exit = await make('x', false, true)
  directory.push(exit.descriptor())
  const client = await make('c', false, false)
  return {
    client,
    exit,
    directory,
    async stop() {
      for (const n of nodes) n.stop()
      await factory.stop()
    },
  }
}

/** Downloads `bytes` from the source through `c`; resolves with the SHA-256 of what arrived. */
function download(c: TunnelCircuit, sourcePort: number, bytes: number): Promise<string> {
  const hash = createHash('sha256')
  return new Promise<string>((resolvePromise, reject) => {
    let got = 0
    const timer = setTimeout(
      () => reject(new Error(`download: ${got} of ${bytes} in time`)),
      DOWNLOAD_TIMEOUT_MS,
    )
    c.openStream('127.0.0.1', sourcePort, {
      onData: (d) => {
        got += d.length
        hash.update(d)
      },
      onEnd: (code) => {
        clearTimeout(timer)
        if (code === undefined && got === bytes) resolvePromise(hash.digest('hex'))
        else reject(new Error(`stream ended ${code ?? 'cleanly'} after ${got} of ${bytes} bytes`))
      },
      onDrain: () => undefined,
    }).catch((err: unknown) => {
      clearTimeout(timer)
      reject(err instanceof Error ? err : new Error(String(err)))
    })
  })
}

async function circuitDownload(
  sourcePort: number,
  hops: number,
  factory: TransportFactory,
): Promise<Download> {
  const nodes = await tunnelNodes(factory, hops - 1)
  try {
    const c = await nodes.client.buildCircuit(hops)
    const t0 = performance.now()
    const sha256 = await download(c, sourcePort, BYTES)
    const seconds = (performance.now() - t0) / 1000
    c.close()
    return { mibPerS: MB_ / seconds, sha256 }
  } finally {
    await nodes.stop()
  }
}

/** The transports alone, no circuit: 16 KiB frames unthrottled over TCP frames, or UDP datagrams. */
async function rawTransport(kind: 'tcp' | 'udp'): Promise<{ mibPerS: number; lost: number }> {
  const frame = Buffer.alloc(16 * 1024, 0x33)
  const frames = Math.floor(BYTES / frame.length)
  if (kind === 'tcp') {
    const net = tcpNet()
    const a = await net.transportFor('a')
    const b = await net.transportFor('b')
    let got = 0
    const t0 = performance.now()
    await new Promise<void>((r) => {
      b.onFrame(() => {
        if (++got === frames) r()
      })
      let sent = 0
      const pump = (): void => {
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
    return { mibPerS: MB_ / seconds, lost: 0 }
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
  await sleep(200)
  const seconds = (performance.now() - t0) / 1000 - 0.2
  rx.close()
  tx.close()
  return { mibPerS: (got * frame.length) / MIB / seconds, lost: 1 - got / frames }
}

/** Runs one download; MiB per wall second and per CPU second of this process; checks the digest. */
async function measured(
  run: () => Promise<Download>,
  sha256: string,
): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage()
  const d = await run()
  const cpu = process.cpuUsage(cpu0)
  if (d.sha256 !== sha256) throw new Error(`download corrupted: ${d.sha256} ≠ ${sha256}`)
  return { wall: d.mibPerS, cpu: MB_ / ((cpu.user + cpu.system) / 1e6) }
}

interface Row {
  readonly name: string
  readonly hops: 1 | 3
  readonly plain: boolean
  readonly run: () => Promise<Download>
}

interface RowResult {
  readonly name: string
  readonly mibPerSWall: number
  readonly mibPerCpuS: number
  /** Against the plain row of as many relays (libp2p rows) or forwarders (TCP rows). */
  readonly ratio: number
  readonly cpuRatio: number
  readonly goal?: number
  readonly pass?: boolean
  readonly samples: readonly number[]
}

async function throughput(sourcePort: number): Promise<RowResult[]> {
  const rows: Row[] = [
    { name: 'plain libp2p, 1 relay', hops: 1, plain: true, run: () => plainLibp2pPipe(sourcePort, 1, BYTES) },
    {
      name: 'circuit 1 hop, libp2p',
      hops: 1,
      plain: false,
      run: () => circuitDownload(sourcePort, 1, overLibp2p()),
    },
    {
      name: 'plain libp2p, 3 relays',
      hops: 3,
      plain: true,
      run: () => plainLibp2pPipe(sourcePort, 3, BYTES),
    },
    {
      name: 'circuit 3 hops, libp2p',
      hops: 3,
      plain: false,
      run: () => circuitDownload(sourcePort, 3, overLibp2p()),
    },
  ]
  if (TRANSPORTS)
    rows.push(
      { name: 'plain TCP, 1 forwarder', hops: 1, plain: true, run: () => plainTcpPipe(sourcePort, 1) },
      {
        name: 'circuit 1 hop, TCP frames',
        hops: 1,
        plain: false,
        run: () => circuitDownload(sourcePort, 1, tcpNet()),
      },
      {
        name: 'circuit 1 hop, memory',
        hops: 1,
        plain: false,
        run: () => circuitDownload(sourcePort, 1, memoryNet()),
      },
      { name: 'plain TCP, 3 forwarders', hops: 3, plain: true, run: () => plainTcpPipe(sourcePort, 3) },
      {
        name: 'circuit 3 hops, TCP frames',
        hops: 3,
        plain: false,
        run: () => circuitDownload(sourcePort, 3, tcpNet()),
      },
      {
        name: 'circuit 3 hops, memory',
        hops: 3,
        plain: false,
        run: () => circuitDownload(sourcePort, 3, memoryNet()),
      },
    )
  const sha256 = expectedSha256(BYTES)
  const samples = rows.map(() => ({ wall: [] as number[], cpu: [] as number[] }))
  for (let r = 0; r < ROUNDS; r++) {
    log(`throughput: round ${r + 1}/${ROUNDS}`)
    for (const [i, row] of rows.entries()) {
      const m = await measured(row.run, sha256)
      samples[i]?.wall.push(m.wall)
      samples[i]?.cpu.push(m.cpu)
    }
  }
  // Each circuit row is compared with the plain row of its transport family and hop count above it.
  return rows.map((row, i) => {
    const isLibp2p = row.name.includes('libp2p')
    const ref = rows.findIndex(
      (p) => p.plain && p.hops === row.hops && p.name.includes('libp2p') === isLibp2p,
    )
    const wall = median(samples[i]?.wall ?? [])
    const cpu = median(samples[i]?.cpu ?? [])
    const ratio = wall / median(samples[ref]?.wall ?? [])
    const gated = isLibp2p && !row.plain
    return {
      name: row.name,
      mibPerSWall: wall,
      mibPerCpuS: cpu,
      ratio,
      cpuRatio: cpu / median(samples[ref]?.cpu ?? []),
      ...(gated ? { goal: RATIO_GOAL, pass: ratio >= RATIO_GOAL } : {}),
      samples: samples[i]?.wall ?? [],
    }
  })
}

/** Concurrent circuits through one exit, then sequential build times, on one libp2p network. */
async function aggregateAndBuilds(): Promise<{
  aggregate: { circuits: number; mibPerCircuit: number; mibPerS: number }
  builds: { count: number; medianMs: number; p99Ms: number; maxMs: number }
}> {
  const per = AGG_MB * MIB
  const source = await startSource(per)
  const nodes = await tunnelNodes(overLibp2p(), 2, { maxOwnCircuits: AGG_CIRCUITS + 4 })
  try {
    const times: number[] = []
    for (let i = 0; i < BUILDS; i++) {
      const t0 = performance.now()
      const c = await nodes.client.buildCircuit(3)
      times.push(performance.now() - t0)
      c.close()
    }
    const builds = {
      count: BUILDS,
      medianMs: median(times),
      p99Ms: percentile(times, 99),
      maxMs: Math.max(...times),
    }
    log(`builds: ${BUILDS} done; aggregate: ${AGG_CIRCUITS} circuits`)
    const circuits = await Promise.all(
      Array.from({ length: AGG_CIRCUITS }, () => nodes.client.buildCircuit(3)),
    )
    const want = expectedSha256(per)
    const t0 = performance.now()
    const digests = await Promise.all(circuits.map((c) => download(c, source.port, per)))
    const seconds = (performance.now() - t0) / 1000
    if (digests.some((d) => d !== want)) throw new Error('a concurrent download was corrupted')
    for (const c of circuits) c.close()
    return {
      aggregate: {
        circuits: AGG_CIRCUITS,
        mibPerCircuit: AGG_MB,
        mibPerS: (AGG_CIRCUITS * AGG_MB) / seconds,
      },
      builds,
    }
  } finally {
    await nodes.stop()
    source.server.close()
  }
}

/** Starts a long-running process; resolves with its output lines parsed so far once `ready` says so. */
async function startProcess(
  args: readonly string[],
  ready: (line: string) => boolean,
  env: Readonly<Record<string, string>> = {},
  stdin: 'pipe' | 'ignore' = 'ignore',
): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(NODE, args, { stdio: [stdin, 'pipe', 'pipe'], env: { ...process.env, ...env } })
  children.add(child)
  const lines: string[] = []
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready: ${args.join(' ')}: ${lines.join('\n')}`)),
      60_000,
    )
    for (const s of [child.stdout, child.stderr])
      if (s !== null)
        createInterface({ input: s }).on('line', (line) => {
          lines.push(line)
          if (ready(line)) {
            clearTimeout(timer)
            resolvePromise({ child, lines })
          }
        })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${args.join(' ')} exited ${code}: ${lines.join('\n')}`))
    })
  })
}

/** Runs a command to its end; fails on a non-zero exit. */
async function runToEnd(args: readonly string[]): Promise<void> {
  const child = spawn(NODE, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  children.add(child)
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
  children.delete(child)
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}: ${err}`)
}

/** Stops a process started here: SIGTERM, SIGKILL after 10 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  children.delete(child)
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
  if (kb === undefined) throw new Error(`no VmRSS for ${pid}`)
  return Number(kb) * 1024
}

/** A hop outside this process: its libp2p address, Ed25519 key, and tunnel descriptor. */
interface RemoteHop {
  readonly peerId: string
  readonly identityKey: Uint8Array
  readonly addrs: readonly string[]
  readonly descriptor: HopDescriptor
}

/**
 * A client and an exit here, circuits client → `hop` → exit. The remote hop learns no addresses (it
 * is not on our overlay), so the exit first sends it one frame that names no circuit (ignored and
 * counted as rejected there): the connection it opens is the one the hop extends over.
 */
async function throughRemote(
  hop: RemoteHop,
  limits: { maxOwnCircuits: number; maxJoinedCircuits: number },
): Promise<{ client: TunnelNode; stop(): Promise<void> }> {
  const net = libp2pNet()
  const factory = overLibp2p(net)
  const directory: HopDescriptor[] = [hop.descriptor]
  const clock = createSystemClock()
  const rng = createCryptoRng()
  const exitTransport = await factory.transportFor('x')
  const exit = createTunnelNode(
    { transport: exitTransport, clock, rng, connector: createNetExitConnector() },
    {
      identitySecret: rng.bytes(32),
      exit: true,
      exitPolicy: createWorldExitPolicy(['127.0.0.1/32']),
      maxJoinedCircuits: limits.maxJoinedCircuits,
    },
  )
  directory.push(exit.descriptor())
  const client = createTunnelNode(
    { transport: await factory.transportFor('c'), clock, rng },
    { identitySecret: rng.bytes(32), directory: () => directory, maxOwnCircuits: limits.maxOwnCircuits },
  )
  exit.start()
  client.start()
  for (const h of net.hosts) h.host.learn(hop.identityKey, hop.addrs)
  exitTransport.send(hop.peerId, new Uint8Array(5))
  return {
    client,
    async stop() {
      client.stop()
      exit.stop()
      await net.stop()
    },
  }
}

/** Relay memory per open circuit, with the relay alone in a child process. */
async function relayMemory(): Promise<{
  circuits: number
  heapPerCircuitKiB: number
  externalPerCircuitKiB: number
  rssPerCircuitKiB: number
  before: { heapUsedMB: number; rssMB: number }
  after: { heapUsedMB: number; rssMB: number }
  relaying: {
    circuits: number
    mib: number
    peakRssMB: number
    peakArrayBuffersMB: number
    peakHeapUsedMB: number
    afterGcRssMB: number
    afterGcArrayBuffersMB: number
  }
}> {
  const started = await startProcess(
    ['--expose-gc', RELAY_CHILD, '--max-circuits', String(MEM_CIRCUITS + 10)],
    (line) => line.startsWith('{"peerId"'),
    DAEMON_ENV,
    'pipe',
  )
  const child = started.child
  const info = JSON.parse(started.lines.find((l) => l.startsWith('{"peerId"')) ?? '{}') as {
    peerId: string
    identityKey: string
    tunnelKey: string
    addrs: string[]
  }
  const replies: ((line: string) => void)[] = []
  if (child.stdout !== null)
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"rss"')) replies.shift()?.(line)
    })
  const mem = async (command = 'mem'): Promise<NodeJS.MemoryUsage & { joined: number; gc: boolean }> => {
    const line = new Promise<string>((r) => replies.push(r))
    child.stdin?.write(`${command}\n`)
    return JSON.parse(await line) as NodeJS.MemoryUsage & { joined: number; gc: boolean }
  }
  const remote = await throughRemote(
    {
      peerId: info.peerId,
      identityKey: hex(info.identityKey),
      addrs: info.addrs,
      descriptor: { peerId: info.peerId, publicKey: hex(info.tunnelKey), relay: true, exit: false },
    },
    { maxOwnCircuits: MEM_CIRCUITS + 10, maxJoinedCircuits: MEM_CIRCUITS + 10 },
  )
  try {
    // One circuit first, so the links and the relay's code paths are warm before the baseline.
    const warm = await remote.client.buildCircuit(2)
    warm.close()
    await sleep(200)
    const before = await mem()
    if (!before.gc) throw new Error('the relay child runs without --expose-gc')
    const open: TunnelCircuit[] = []
    while (open.length < MEM_CIRCUITS) {
      const batch = Math.min(20, MEM_CIRCUITS - open.length)
      open.push(...(await Promise.all(Array.from({ length: batch }, () => remote.client.buildCircuit(2)))))
    }
    await sleep(200)
    const after = await mem()
    if (after.joined !== MEM_CIRCUITS)
      throw new Error(`the relay joined ${after.joined} of ${MEM_CIRCUITS} circuits`)
    for (const c of open) c.close()
    const relaying = await relayTraffic(remote.client, mem)
    const per = (a: number, b: number): number => (b - a) / MEM_CIRCUITS / 1024
    return {
      relaying,
      circuits: MEM_CIRCUITS,
      heapPerCircuitKiB: per(before.heapUsed, after.heapUsed),
      externalPerCircuitKiB: per(before.external, after.external),
      rssPerCircuitKiB: per(before.rss, after.rss),
      before: { heapUsedMB: before.heapUsed / MIB, rssMB: before.rss / MIB },
      after: { heapUsedMB: after.heapUsed / MIB, rssMB: after.rss / MIB },
    }
  } finally {
    await remote.stop()
    child.stdin?.end()
    await stopProcess(child)
  }
}

/**
 * The relay child's memory while it relays `--daemon-mb` MiB on `--daemon-circuits` circuits (sampled
 * every 100 ms without GC), then after two GCs: how much of the peak was garbage awaiting collection.
 */
async function relayTraffic(
  client: TunnelNode,
  mem: (command?: string) => Promise<NodeJS.MemoryUsage>,
): Promise<{
  circuits: number
  mib: number
  peakRssMB: number
  peakArrayBuffersMB: number
  peakHeapUsedMB: number
  afterGcRssMB: number
  afterGcArrayBuffersMB: number
}> {
  const per = Math.floor((DAEMON_MB * MIB) / DAEMON_CIRCUITS)
  const source = await startSource(per)
  try {
    const circuits = await Promise.all(Array.from({ length: DAEMON_CIRCUITS }, () => client.buildCircuit(2)))
    const peak = { rss: 0, arrayBuffers: 0, heapUsed: 0 }
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const m = await mem('peek')
        peak.rss = Math.max(peak.rss, m.rss)
        peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers)
        peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed)
        await sleep(100)
      }
    })()
    const want = expectedSha256(per)
    const digests = await Promise.all(circuits.map((c) => download(c, source.port, per)))
    sampling = false
    await sampler
    if (digests.some((d) => d !== want)) throw new Error('a download through the relay was corrupted')
    const after = await mem()
    for (const c of circuits) c.close()
    return {
      circuits: DAEMON_CIRCUITS,
      mib: (per * DAEMON_CIRCUITS) / MIB,
      peakRssMB: peak.rss / MIB,
      peakArrayBuffersMB: peak.arrayBuffers / MIB,
      peakHeapUsedMB: peak.heapUsed / MIB,
      afterGcRssMB: after.rss / MIB,
      afterGcArrayBuffersMB: after.arrayBuffers / MIB,
    }
  } finally {
    source.server.close()
  }
}

/** A real `plebnet daemon` relaying circuits from here; its RSS sampled every 100 ms meanwhile. */
async function daemonRelaying(): Promise<{
  idleRssMB: number
  peakRssMB: number
  afterRssMB: number
  relayedMiB: number
  circuits: number
  mibPerS: number
  daemonEnv: Readonly<Record<string, string>>
  goalMB: number
  pass: boolean
}> {
  const root = await mkdtemp(join(tmpdir(), 'dolly-bench-tunnels-'))
  dirs.push(root)
  const home = join(root, 'home')
  await runToEnd([BIN, '--home', home, 'setup', '--testnet', '--tree', 'plebbot1', '--no-service'])
  const daemon = await startProcess(
    [BIN, '--home', home, 'daemon', '--status-listen', '127.0.0.1:0', '--gossip-listen', '127.0.0.1:0'],
    (line) => line.includes('"tunnels.started"'),
    DAEMON_ENV,
  )
  const pid = daemon.child.pid ?? 0
  const field = (event: string): Record<string, unknown> =>
    JSON.parse(daemon.lines.find((l) => l.includes(`"${event}"`)) ?? '{}') as Record<string, unknown>
  const tunnels = field('tunnels.started')
  const libp2p = field('libp2p.started')
  const peerId = String(tunnels['peerId'])
  const rawKey = peerIdFromString(peerId).publicKey?.raw
  if (rawKey === undefined || tunnels['relay'] !== true) throw new Error('the daemon does not relay')
  const remote = await throughRemote(
    {
      peerId,
      identityKey: rawKey,
      addrs: (libp2p['addrs'] as string[] | undefined) ?? [],
      descriptor: { peerId, publicKey: hex(String(tunnels['publicKey'])), relay: true, exit: false },
    },
    { maxOwnCircuits: DAEMON_CIRCUITS + 2, maxJoinedCircuits: DAEMON_CIRCUITS + 2 },
  )
  const per = Math.floor((DAEMON_MB * MIB) / DAEMON_CIRCUITS)
  const source = await startSource(per)
  try {
    // Settled idle: the median of five samples a second apart, after start-up's garbage is collected.
    await sleep(DAEMON_SETTLE_MS)
    const samples: number[] = []
    for (let i = 0; i < 5; i++) {
      samples.push(await rssOf(pid))
      await sleep(1000)
    }
    const idle = median(samples)
    const circuits = await Promise.all(
      Array.from({ length: DAEMON_CIRCUITS }, () => remote.client.buildCircuit(2)),
    )
    let peak = idle
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rssOf(pid))
        await sleep(100)
      }
    })()
    const want = expectedSha256(per)
    const t0 = performance.now()
    const digests = await Promise.all(circuits.map((c) => download(c, source.port, per)))
    const seconds = (performance.now() - t0) / 1000
    sampling = false
    await sampler
    if (digests.some((d) => d !== want)) throw new Error('a download through the daemon was corrupted')
    for (const c of circuits) c.close()
    await sleep(1000)
    const after = await rssOf(pid)
    const peakMB = peak / MIB
    return {
      idleRssMB: idle / MIB,
      peakRssMB: peakMB,
      afterRssMB: after / MIB,
      relayedMiB: (per * DAEMON_CIRCUITS) / MIB,
      circuits: DAEMON_CIRCUITS,
      mibPerS: (per * DAEMON_CIRCUITS) / MIB / seconds,
      daemonEnv: DAEMON_ENV,
      goalMB: DAEMON_RSS_GOAL_MB,
      pass: peakMB <= DAEMON_RSS_GOAL_MB,
    }
  } finally {
    source.server.close()
    await remote.stop()
    await stopProcess(daemon.child)
  }
}

async function main(): Promise<void> {
  const started = performance.now()
  let rows: RowResult[] = []
  if (ONLY.has('throughput')) {
    const source = await startSource(BYTES)
    try {
      rows = await throughput(source.port)
    } finally {
      source.server.close()
    }
  }
  const raw = TRANSPORTS ? await rawTransports() : undefined
  const built = ONLY.has('aggregate') ? await aggregateAndBuilds() : undefined
  if (ONLY.has('memory')) log(`relay memory: ${MEM_CIRCUITS} circuits`)
  const memory = ONLY.has('memory') ? await relayMemory() : undefined
  if (ONLY.has('daemon')) log('daemon: relaying')
  const daemon = ONLY.has('daemon') ? await daemonRelaying() : undefined
  const single3 = rows.find((r) => r.name === 'circuit 3 hops, libp2p')?.mibPerSWall ?? NaN
  const aggregate =
    built === undefined
      ? undefined
      : { ...built.aggregate, overOneCircuit: built.aggregate.mibPerS / single3 }
  const report = {
    mibPerDownload: MB_,
    rounds: ROUNDS,
    node: process.version,
    throughput: rows,
    rawTransports: raw,
    aggregate,
    builds: built?.builds,
    relayMemory: memory,
    daemon,
    pass: rows.every((r) => r.pass !== false) && daemon?.pass !== false,
    seconds: (performance.now() - started) / 1000,
  }
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    return
  }
  log('')
  if (rows.length > 0) {
    log(
      `tunnels bench: ${MB_} MiB per download, median of ${ROUNDS} rounds; client, hops and source in one process`,
    )
    log('| configuration | MiB/s (wall) | ratio to plain | MiB per CPU-s | ratio | goal | verdict |')
    log('| --- | --- | --- | --- | --- | --- | --- |')
    for (const r of rows)
      log(
        `| ${r.name} | ${r.mibPerSWall.toFixed(1)} | ${r.ratio.toFixed(2)} | ${r.mibPerCpuS.toFixed(1)} | ${r.cpuRatio.toFixed(2)} | ${r.goal === undefined ? '—' : `≥ ${r.goal}`} | ${r.pass === undefined ? '—' : r.pass ? 'PASS' : 'MISS'} |`,
      )
    log('ratio = this row / the plain pipe through as many relays (libp2p rows) or forwarders (TCP rows)')
  }
  if (raw !== undefined)
    log(
      `transports alone, 16 KiB frames: TCP frames ${raw.tcp.toFixed(1)} MiB/s, 0 lost; UDP datagrams ${raw.udp.toFixed(1)} MiB/s, ${(100 * raw.udpLost).toFixed(1)} % lost`,
    )
  log('')
  log('| measure | value | goal | verdict |')
  log('| --- | --- | --- | --- |')
  if (aggregate !== undefined && report.builds !== undefined) {
    const b = report.builds
    log(
      `| ${aggregate.circuits} concurrent 3-hop circuits, one exit, ${aggregate.mibPerCircuit} MiB each | ${aggregate.mibPerS.toFixed(1)} MiB/s aggregate (${aggregate.overOneCircuit.toFixed(2)} × one circuit) | — | — |`,
    )
    log(
      `| circuit build, 3 hops over libp2p, ${b.count} builds | median ${b.medianMs.toFixed(1)} ms, p99 ${b.p99Ms.toFixed(1)} ms | — | — |`,
    )
  }
  if (memory !== undefined)
    log(
      `| relay memory per open circuit (${memory.circuits} idle circuits, relay process alone, after GC) | heap ${memory.heapPerCircuitKiB.toFixed(1)} KiB, external ${memory.externalPerCircuitKiB.toFixed(1)} KiB, RSS ${memory.rssPerCircuitKiB.toFixed(1)} KiB | — | — |`,
    )
  if (memory !== undefined) {
    const r = memory.relaying
    log(
      `| the same relay process relaying ${r.mib.toFixed(0)} MiB on ${r.circuits} circuits (daemon env) | RSS ${memory.after.rssMB.toFixed(1)} → peak ${r.peakRssMB.toFixed(1)} MB (array buffers peak ${r.peakArrayBuffersMB.toFixed(1)} MB, heap peak ${r.peakHeapUsedMB.toFixed(1)} MB); after GC RSS ${r.afterGcRssMB.toFixed(1)} MB, array buffers ${r.afterGcArrayBuffersMB.toFixed(1)} MB | — | — |`,
    )
  }
  if (daemon !== undefined)
    log(
      `| plebnet daemon RSS relaying ${daemon.relayedMiB.toFixed(0)} MiB on ${daemon.circuits} circuits (${daemon.mibPerS.toFixed(1)} MiB/s) | peak ${daemon.peakRssMB.toFixed(1)} MB (settled idle ${daemon.idleRssMB.toFixed(1)}, 1 s after ${daemon.afterRssMB.toFixed(1)}) | ≤ ${daemon.goalMB} MB | ${daemon.pass ? 'PASS' : 'MISS'} |`,
    )
  log(
    `(${report.seconds.toFixed(0)} s; daemon env ${Object.entries(DAEMON_ENV)
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ')})`,
  )
}

async function rawTransports(): Promise<{ tcp: number; udp: number; udpLost: number }> {
  const tcp: number[] = []
  const udp: number[] = []
  const lost: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    tcp.push((await rawTransport('tcp')).mibPerS)
    const u = await rawTransport('udp')
    udp.push(u.mibPerS)
    lost.push(u.lost)
  }
  return { tcp: median(tcp), udp: median(udp), udpLost: median(lost) }
}

try {
  await main()
} finally {
  for (const child of children) await stopProcess(child)
  for (const d of dirs) await rm(d, { recursive: true, force: true })
}
