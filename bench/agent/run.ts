// Agent start-up and memory benchmark (issue 15): in one run, side by side, Node's bare start
// (`node -e 0`), `plebnet --help`, `plebnet status` against a running daemon, an idle daemon's RSS
// after it settles (overlay, ledger, status API, tick), and a bare started libp2p node's RSS with the
// same transports (bench/agent/bare-libp2p.ts). Prints each median with the ratio against its target
// and PASS/MISS; `--json` prints the same as JSON. Every process it starts is stopped before it exits.
// Run: npm run bench:agent [-- --runs 7 --daemon-runs 3 --settle 20 --json]
//
// Targets: `plebnet --help` ≤ 1.5 × `node -e 0` + 100 ms; `plebnet status` ≤ 300 ms; the idle
// daemon ≤ 128 MB RSS and ≤ 1.25 × the bare libp2p node. Start-up commands alternate (A B C A B C …)
// after one warm-up each (which also fills Node's compile cache), so drift hits all alike; the
// daemon and the bare node are started together, settle `--settle` seconds and are sampled together.
// When the daemon misses its memory target, one more daemon runs with bench/agent/mem-probe.ts
// preloaded and the bench prints where its memory goes (V8 heap spaces, heap-snapshot summary by
// constructor, modules loaded per package).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { DAEMON_NODE_OPTIONS } from '@dolly/plebnet'

const ROOT = resolve(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'packages', 'plebnet', 'bin', 'plebnet.js')
const BARE = join(import.meta.dirname, 'bare-libp2p.ts')
const PROBE = join(import.meta.dirname, 'mem-probe.ts')
const NODE = process.execPath

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name)
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const RUNS = arg('--runs', 7)
const DAEMON_RUNS = arg('--daemon-runs', 3)
const SETTLE_MS = arg('--settle', 20) * 1000
const JSON_OUT = process.argv.includes('--json')
/** The daemon's NODE_OPTIONS, as its service unit sets them; `--daemon-node-options ''` for Node's defaults. */
const DAEMON_OPTIONS = ((): string => {
  const at = process.argv.indexOf('--daemon-node-options')
  return at > 0 ? (process.argv[at + 1] ?? '') : DAEMON_NODE_OPTIONS
})()
const DAEMON_ENV = { NODE_OPTIONS: DAEMON_OPTIONS }
/**
 * The bare node's .ts goes through Node's compile cache, as plebnet's launcher makes every module of
 * the daemon do: neither process then loads Node's TypeScript stripper (about 18 MB) once cached.
 */
const BARE_ENV = { NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') }
/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100
const MB = 1024 * 1024

const children = new Set<ChildProcess>()
const dirs: string[] = []

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const log = (text: string): void => void (JSON_OUT ? process.stderr : process.stdout).write(`${text}\n`)

/** Runs a command to its end; wall time from spawn to exit, ms. Fails on a non-zero exit. */
async function timed(args: readonly string[]): Promise<number> {
  const started = performance.now()
  const child = spawn(NODE, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  children.add(child)
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
  const ms = performance.now() - started
  children.delete(child)
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}: ${err}`)
  return ms
}

/** Starts a long-running process and resolves once `ready` matches its output (stdout or stderr). */
async function startProcess(
  args: readonly string[],
  ready: RegExp,
  env: Readonly<Record<string, string>> = {},
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(NODE, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  children.add(child)
  let out = ''
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${ready} from ${args.join(' ')}: ${out}`)), 60_000)
    const onData = (d: Buffer): void => {
      out += d.toString()
      const match = ready.exec(out)
      if (match !== null) {
        clearTimeout(timer)
        resolvePromise({ child, match })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${args.join(' ')} exited ${code}: ${out}`))
    })
  })
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

/** Resident set size of a running process, bytes (Linux /proc). */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
  if (kb === undefined) throw new Error(`no VmRSS for ${pid}`)
  return Number(kb) * 1024
}

/** CPU seconds (user + system) a running process has used so far (Linux /proc). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ
}

/** The median of five RSS samples taken a second apart (after the settle time). */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < 5; i++) {
    samples.push(await rssOf(pid))
    await sleep(1000)
  }
  return median(samples)
}

function daemonArgs(home: string, preload: readonly string[] = []): string[] {
  return [
    ...preload,
    BIN,
    '--home',
    home,
    'daemon',
    '--status-listen',
    '127.0.0.1:0',
    '--gossip-listen',
    '127.0.0.1:0',
  ]
}
const SERVING = /serving (http:\/\/[^\s]+)\/status/

interface Result {
  readonly name: string
  readonly value: number
  readonly unit: 'ms' | 'MB'
  readonly target: number
  readonly targetText: string
  readonly ratio: number
  readonly pass: boolean
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'dolly-bench-agent-'))
  dirs.push(root)
  const home = join(root, 'home')
  await timed([BIN, '--home', home, 'setup', '--testnet', '--tree', 'plebbot1', '--no-service'])

  // Start-up: node -e 0, plebnet --help, plebnet status against a running daemon, alternating.
  const first = await startProcess(daemonArgs(home), SERVING, DAEMON_ENV)
  const url = first.match[1] ?? ''
  const host = new URL(url).host
  const commands: Record<'node' | 'help' | 'status', string[]> = {
    node: ['-e', '0'],
    help: [BIN, '--help'],
    status: [BIN, '--home', home, 'status', '--host', host],
  }
  const times: Record<keyof typeof commands, number[]> = { node: [], help: [], status: [] }
  for (const args of Object.values(commands)) await timed(args)
  log(`start-up: ${RUNS} runs each (after one warm-up), alternating`)
  for (let i = 0; i < RUNS; i++)
    for (const [name, args] of Object.entries(commands) as [keyof typeof commands, string[]][])
      times[name].push(await timed(args))
  await stopProcess(first.child)

  // Memory: an idle daemon and a bare libp2p node, started together, settled, sampled together.
  const daemonRss: number[] = []
  const bareRss: number[] = []
  const daemonCpu: number[] = []
  for (let r = 0; r < DAEMON_RUNS; r++) {
    log(`memory: run ${r + 1}/${DAEMON_RUNS}, settling ${SETTLE_MS / 1000} s`)
    const [daemon, bare] = await Promise.all([
      startProcess(daemonArgs(home), SERVING, DAEMON_ENV),
      startProcess([BARE], /\/p2p\//, BARE_ENV),
    ])
    await sleep(SETTLE_MS)
    const pids = [daemon.child.pid ?? 0, bare.child.pid ?? 0] as const
    const cpuBefore = await cpuSecondsOf(pids[0])
    const windowStart = performance.now()
    const [d, b] = await Promise.all(pids.map(settledRss))
    daemonCpu.push(((await cpuSecondsOf(pids[0])) - cpuBefore) / ((performance.now() - windowStart) / 1000))
    daemonRss.push(d ?? NaN)
    bareRss.push(b ?? NaN)
    await Promise.all([stopProcess(daemon.child), stopProcess(bare.child)])
  }

  const node = median(times.node)
  const help = median(times.help)
  const status = median(times.status)
  const daemon = median(daemonRss) / MB
  const bare = median(bareRss) / MB
  const helpTarget = 1.5 * node + 100
  const results: Result[] = [
    result(
      'plebnet --help',
      help,
      'ms',
      helpTarget,
      `1.5 × node -e 0 + 100 ms = ${helpTarget.toFixed(0)} ms`,
    ),
    result('plebnet status', status, 'ms', 300, '300 ms'),
    result('idle daemon RSS', daemon, 'MB', 128, '128 MB'),
    result('idle daemon / bare libp2p', daemon / bare, 'MB', 1.25, '1.25 × bare libp2p node'),
  ]
  const report = {
    runs: RUNS,
    daemonRuns: DAEMON_RUNS,
    settleS: SETTLE_MS / 1000,
    node: process.version,
    daemonNodeOptions: DAEMON_OPTIONS,
    medians: {
      nodeStartMs: node,
      helpMs: help,
      statusMs: status,
      daemonRssMb: daemon,
      bareLibp2pRssMb: bare,
      idleDaemonCpuShare: median(daemonCpu),
    },
    samples: {
      ...times,
      daemonRssMb: daemonRss.map((x) => x / MB),
      bareLibp2pRssMb: bareRss.map((x) => x / MB),
    },
    ratios: {
      helpOverNode: help / node,
      helpOverTarget: help / helpTarget,
      statusOverTarget: status / 300,
      daemonOverBare: daemon / bare,
      daemonOverTarget: daemon / 128,
    },
    results,
    pass: results.every((r) => r.pass),
    ...(results.some((r) => r.unit === 'MB' && !r.pass) ? { where: await whereMemoryGoes(home) } : {}),
  }
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    return
  }
  log('')
  log(
    `node -e 0 ${node.toFixed(0)} ms (median of ${RUNS}); bare libp2p node ${bare.toFixed(1)} MB RSS (median of ${DAEMON_RUNS})`,
  )
  log('measure | median | target | ratio to target | verdict')
  for (const r of results)
    log(
      [
        r.name,
        r.unit === 'ms'
          ? `${r.value.toFixed(0)} ms`
          : r.name.includes('/')
            ? `${r.value.toFixed(2)}×`
            : `${r.value.toFixed(1)} MB`,
        r.targetText,
        r.ratio.toFixed(2),
        r.pass ? 'PASS' : 'MISS',
      ].join(' | '),
    )
  log(
    `ratios: --help / node -e 0 = ${(help / node).toFixed(2)}; daemon / bare libp2p = ${(daemon / bare).toFixed(2)}`,
  )
  log(
    `status / node -e 0 = ${(status / node).toFixed(2)}; the idle daemon (NODE_OPTIONS='${DAEMON_OPTIONS}') used ${(median(daemonCpu) * 100).toFixed(1)} % of a CPU while sampled`,
  )
  if (report.where !== undefined) {
    log('')
    log('where the idle daemon’s memory goes (one extra run with bench/agent/mem-probe.ts preloaded):')
    log(report.where.text)
  }
}

function result(
  name: string,
  value: number,
  unit: Result['unit'],
  target: number,
  targetText: string,
): Result {
  return { name, value, unit, target, targetText, ratio: value / target, pass: value <= target }
}

interface ProbeReport {
  readonly memoryUsage: NodeJS.MemoryUsage
  readonly heapSpaces: readonly { name: string; sizeBytes: number; usedBytes: number }[]
  readonly modules: number
  readonly modulesPerPackage: readonly [string, number][]
  readonly snapshot: string
}

/** One more daemon with the memory probe preloaded; where its memory goes after it settles. */
async function whereMemoryGoes(home: string): Promise<{ text: string; probe: ProbeReport | null }> {
  const out = join(dirs[0] ?? tmpdir(), 'mem-probe.json')
  const daemon = await startProcess(daemonArgs(home, ['--import', PROBE]), SERVING, {
    DOLLY_MEM_PROBE_OUT: out,
  })
  let text: string | undefined
  try {
    await sleep(SETTLE_MS)
    const rss = await rssOf(daemon.child.pid ?? 0)
    process.kill(daemon.child.pid ?? 0, 'SIGUSR2')
    for (let i = 0; i < 60 && text === undefined; i++) {
      await sleep(1000)
      text = await readFile(out, 'utf8').catch(() => undefined)
    }
    if (text === undefined) return { text: '(the probe wrote nothing)', probe: null }
    const probe = JSON.parse(text) as ProbeReport
    const m = probe.memoryUsage
    const lines = [
      `RSS ${(rss / MB).toFixed(1)} MB (the probe's module hook included) = V8 heap ${(m.heapTotal / MB).toFixed(1)} MB reserved (${(m.heapUsed / MB).toFixed(1)} MB used) + external ${(m.external / MB).toFixed(1)} MB (array buffers ${(m.arrayBuffers / MB).toFixed(1)} MB) + the rest (code, native, Node itself)`,
      `heap spaces (used / size, MB): ${probe.heapSpaces
        .filter((s) => s.sizeBytes > 0)
        .map((s) => `${s.name} ${(s.usedBytes / MB).toFixed(1)}/${(s.sizeBytes / MB).toFixed(1)}`)
        .join(', ')}`,
      `${probe.modules} modules loaded; most per package: ${probe.modulesPerPackage
        .slice(0, 20)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      'heap snapshot, self size by constructor (top 15):',
      ...(await summariseSnapshot(probe.snapshot)),
    ]
    await rm(probe.snapshot, { force: true })
    return { text: lines.join('\n'), probe }
  } finally {
    await stopProcess(daemon.child)
  }
}

/** The largest groups of a V8 heap snapshot by node type and constructor name, self sizes summed. */
async function summariseSnapshot(path: string): Promise<string[]> {
  const snap = JSON.parse(await readFile(path, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
    nodes: number[]
    strings: string[]
  }
  const fields = snap.snapshot.meta.node_fields
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const types = snap.snapshot.meta.node_types[0]
  const groups = new Map<string, { bytes: number; count: number }>()
  let total = 0
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] ?? 0] ?? '?'
    const name =
      type === 'object' || type === 'native' ? (snap.strings[snap.nodes[i + nameAt] ?? 0] ?? '?') : ''
    const key = name === '' ? `(${type})` : `${name} (${type})`
    const size = snap.nodes[i + sizeAt] ?? 0
    total += size
    const g = groups.get(key) ?? { bytes: 0, count: 0 }
    g.bytes += size
    g.count += 1
    groups.set(key, g)
  }
  return [
    `  total ${(total / MB).toFixed(1)} MB in ${snap.nodes.length / width} objects`,
    ...[...groups]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, 15)
      .map(([k, g]) => `  ${(g.bytes / MB).toFixed(2).padStart(6)} MB ${String(g.count).padStart(7)} × ${k}`),
  ]
}

try {
  await main()
} finally {
  for (const child of children) await stopProcess(child)
  for (const d of dirs) await rm(d, { recursive: true, force: true })
}
