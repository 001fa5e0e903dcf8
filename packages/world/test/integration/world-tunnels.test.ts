/**
 * Issue 16's world tests, with real agents on world hosts: four `plebnet daemon`s, each in the network
 * namespace of a world host linked into the content network (two of them exit nodes whose
 * `[tunnels] exit_networks` is the content subnet, as genesis writes it), and a user host without a
 * content link running `plebnet proxy` the way the world's users do. Real curl downloads the
 * content server's 100 MiB file through 3 hops and through 1 hop (SHA-256 checked), and a SOCKS5 UDP
 * client sends datagrams through 3 hops to the content network's UDP echo and checks every reply byte
 * for byte. The exits' full status then accounts for the traffic. Needs root: run under the world lock.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createMemoryLogger } from '@dolly/base'
import { STATUS_TOKEN_FILE, parseStatus, type AgentStatus } from '@dolly/plebnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReadyProcess, type ReadyProcess } from '../../src/content/adapters/ready-process.ts'
import {
  cleanupContentLeftovers,
  startContentNetwork,
  type ContentNetwork,
} from '../../src/content/adapters/content-network.ts'
import { contentFile, contentSha256 } from '../../src/content/files.ts'
import {
  cleanupLeftovers,
  createHostNetwork,
  createHostProvisioner,
  type HostProvisioner,
  type PlannedHostNetwork,
  type WorldHost,
} from '../../src/hosts/index.ts'
import { agentMultiaddr } from '../../src/users/bootstrap.ts'
import { createFamilyCensus } from '../../src/genesis/adapters/census.ts'
import { renderAgentTraffic } from '../../src/cli/traffic.ts'
import { parseProxyReady, type ProxyPorts } from '../../src/users/stats.ts'
import { curlArgv } from '../../src/users/adapters/user-driver.ts'

const REPO = resolve(import.meta.dirname, '..', '..', '..', '..')
const PLEBNET = join(REPO, 'packages', 'plebnet', 'bin', 'plebnet.js')
const UDP_CLIENT = join(import.meta.dirname, 'socks5-udp-echo.ts')
/** The agents' status API port (plebnet's STATUS_PORT). */
const STATUS_PORT = 8480
/** Agents 3 and 4 exit; 1 and 2 only relay. */
const EXITS = new Set([3, 4])
const FILE = contentFile('100MiB.bin')
/** Datagrams the UDP test sends (sizes cycle from 1 byte to 8 KiB). */
const DATAGRAMS = 21

/** A command run in a world host's network namespace with the machine's files (where node and the repo are). */
function inNet(host: WorldHost, argv: readonly string[]): string[] {
  return ['nsenter', `--net=/run/netns/${host.id}`, '--', ...argv]
}

/** Runs a command to its end; its exit status and output. */
function run(
  argv: readonly string[],
  timeoutMs: number,
): Promise<{ code: number | null; out: string; err: string }> {
  const [file = 'false', ...args] = argv
  return new Promise((done) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs })
    let out = ''
    let err = ''
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')))
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-4000)))
    child.on('close', (code) => done({ code, out, err }))
  })
}

/** Real curl in the user's namespace through a SOCKS port; the body is hashed as it streams. */
function curlThrough(
  user: WorldHost,
  port: number,
  url: string,
  bytes: number,
): Promise<{ code: number | null; bytes: number; sha256: string; err: string }> {
  const [file = 'nsenter', ...args] = inNet(user, curlArgv(port, url, bytes))
  return new Promise((done) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const hash = createHash('sha256')
    let got = 0
    let err = ''
    child.stdout.on('data', (b: Buffer) => {
      got += b.length
      hash.update(b)
    })
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-2000)))
    child.on('close', (code) => done({ code, bytes: got, sha256: hash.digest('hex'), err }))
  })
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined || Date.now() > deadline) return value
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** An agent's full status over the world network, authorized with the token in its home. */
async function fullStatus(ip: string, home: string): Promise<AgentStatus | undefined> {
  const token = (await readFile(join(home, STATUS_TOKEN_FILE), 'utf8')).trim()
  const res = await fetch(`http://${ip}:${STATUS_PORT}/status`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(3_000),
  })
  return res.ok ? parseStatus(await res.json()) : undefined
}

// Real namespaces, real agents and real curl: needs root (run under the world lock).
describe('onion circuits through real agents on world hosts', () => {
  let stateDir: string
  let network: PlannedHostNetwork
  let content: ContentNetwork
  let provisioner: HostProvisioner
  let user: WorldHost
  let proxy: ReadyProcess<ProxyPorts> | undefined
  const agents: Array<{ n: number; host: WorldHost; home: string; stderr: string }> = []
  const daemons: ChildProcess[] = []
  const log = createMemoryLogger()

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'dolly-world-tunnels-'))
    network = await createHostNetwork({ stateDir })
    content = await startContentNetwork({ index: network.index, stateDir, log })
    provisioner = createHostProvisioner({ network, log, contentBridge: content.bridge }, { stateDir })
    const [u, ...hosts] = await Promise.all([
      provisioner.create({ hostname: 'user1', rootPassword: 'pw-user', contentLink: false }),
      ...[1, 2, 3, 4].map((n) => provisioner.create({ hostname: `agent${n}`, rootPassword: `pw-${n}` })),
    ])
    user = u as WorldHost
    // Each agent's home as `plebnet setup` makes it, plus the exit network genesis writes.
    const keys = await Promise.all(
      hosts.map(async (host, i) => {
        const n = i + 1
        const home = join(stateDir, 'agents', `a${n}`)
        await mkdir(home, { recursive: true, mode: 0o700 })
        const setup = await run(
          [
            process.execPath,
            PLEBNET,
            '--home',
            home,
            'setup',
            '--no-service',
            '--tree',
            `worldtun${n}`,
            '--json',
            ...(EXITS.has(n) ? ['--exitnode'] : []),
          ],
          60_000,
        )
        expect(setup.code, setup.err).toBe(0)
        await appendFile(
          join(home, 'plebnet_setup.cfg'),
          `\n[tunnels]\nexit_networks = ${content.subnetCidr}\n`,
        )
        agents.push({ n, host, home, stderr: '' })
        return (JSON.parse(setup.out) as { publicKey: string }).publicKey
      }),
    )
    agents.sort((a, b) => a.n - b.n)
    // Every agent greets the first one; the overlay spreads the rest (CYCLON, hop entries).
    const first = agentMultiaddr(keys[0] ?? '', agents[0]?.host.ip ?? '')
    for (const a of agents) {
      const bootstrap = a.n === 1 ? [] : ['--bootstrap', first]
      const [file = 'nsenter', ...args] = inNet(a.host, [
        process.execPath,
        PLEBNET,
        '--home',
        a.home,
        'daemon',
        ...bootstrap,
      ])
      const child = spawn(file, args, {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, HOME: a.home },
      })
      child.stderr?.on('data', (b: Buffer) => (a.stderr = (a.stderr + b.toString('utf8')).slice(-2000)))
      daemons.push(child)
    }
    for (const a of agents) {
      const up = await until(async () => {
        const res = await fetch(`http://${a.host.ip}:${STATUS_PORT}/health`, {
          signal: AbortSignal.timeout(2_000),
        })
        return res.ok ? true : undefined
      }, 60_000)
      expect(up, `agent ${a.n} on ${a.host.ip} answers its status API: ${a.stderr}`).toBe(true)
    }
    // The user's proxy, as the world's user driver starts it: bootstraps from the agents' overlay addresses.
    const userHome = join(stateDir, 'users', 'user1')
    await mkdir(userHome, { recursive: true, mode: 0o700 })
    proxy = await startReadyProcess({
      argv: inNet(user, [
        process.execPath,
        PLEBNET,
        'proxy',
        '--home',
        userHome,
        ...agents.flatMap((a, i) => ['--bootstrap', agentMultiaddr(keys[i] ?? '', a.host.ip)]),
        '--port',
        '1080',
        '--ready-timeout',
        '150',
        '--json',
      ]),
      readyFrom: parseProxyReady,
      timeoutMs: 160_000,
      errorCode: 'WORLD_USERS_PROXY_START',
      what: 'proxy of user1',
    })
  }, 300_000)

  afterAll(async () => {
    await proxy?.stop()
    const exited = daemons.map((c) =>
      c.exitCode !== null || c.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((r) => c.once('exit', () => r())),
    )
    for (const c of daemons) c.kill('SIGTERM')
    const timer = setTimeout(() => {
      for (const c of daemons) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    }, 10_000)
    await Promise.all(exited)
    clearTimeout(timer)
    await provisioner?.destroyAll()
    await content?.stop()
    await network?.stop()
    if (stateDir !== undefined) {
      await cleanupLeftovers(stateDir)
      await cleanupContentLeftovers(stateDir)
      await rm(stateDir, { recursive: true, force: true })
    }
  }, 60_000)

  it('curl downloads the 100 MiB content file through 3 hops and through 1 hop; SHA-256 matches', async () => {
    if (FILE === undefined || proxy === undefined) throw new Error('no 100MiB.bin or no proxy')
    const url = `${content.httpUrl}files/${FILE.name}`
    const expected = contentSha256(FILE)
    for (const hops of [3, 1] as const) {
      const got = await curlThrough(user, proxy.ready[hops], url, FILE.bytes)
      expect(got.code, `${hops} hops: ${got.err}`).toBe(0)
      expect(got.bytes).toBe(FILE.bytes)
      expect(got.sha256, `${hops} hops`).toBe(expected)
    }
  }, 240_000)

  it('UDP ASSOCIATE: datagrams through 3 hops to the world UDP echo come back byte-exact', async () => {
    if (proxy === undefined) throw new Error('no proxy')
    const [ip = '', port = ''] = content.udpEcho.split(':')
    const got = await run(
      inNet(user, [process.execPath, UDP_CLIENT, String(proxy.ready[3]), ip, port, String(DATAGRAMS)]),
      120_000,
    )
    expect(got.code, got.err).toBe(0)
    const result = JSON.parse(got.out) as { sent: number; echoed: number; exact: number; problems: string[] }
    expect(result.problems).toEqual([])
    expect(result).toMatchObject({ sent: DATAGRAMS, echoed: DATAGRAMS, exact: DATAGRAMS })
  }, 150_000)

  it("the exits' status accounts for what they carried out of the network; relays never exit", async () => {
    if (FILE === undefined) throw new Error('no 100MiB.bin')
    const statuses = await Promise.all(agents.map((a) => fullStatus(a.host.ip, a.home)))
    let exitedIn = 0n
    for (const [i, status] of statuses.entries()) {
      const n = agents[i]?.n ?? 0
      expect(status?.tunnels, `agent ${n}`).toMatchObject({ relay: true, exit: EXITS.has(n) })
      if (!EXITS.has(n)) expect(status?.tunnels?.circuits.exitedTotal).toBe(0)
      exitedIn += BigInt(status?.tunnels?.exitBytesIn ?? '0')
    }
    // Two downloads of the file left the network through the exits (plus HTTP headers and echoes).
    expect(exitedIn).toBeGreaterThanOrEqual(2n * BigInt(FILE.bytes))
    // The world's census reads the same blocks, and `dolly world status` puts them in words.
    const census = createFamilyCensus({
      readToken: async (ip) => {
        const a = agents.find((x) => x.host.ip === ip)
        return a === undefined ? undefined : (await readFile(join(a.home, STATUS_TOKEN_FILE), 'utf8')).trim()
      },
    })
    const family = await census.poll(agents.map((a) => a.host.ip))
    expect(family).toHaveLength(agents.length)
    for (const member of family) {
      const n = agents.find((a) => a.host.ip === member.hostIp)?.n ?? 0
      if (member.tunnels === undefined) throw new Error(`agent ${n}: no tunnels block in the census`)
      const line = renderAgentTraffic(member.tunnels)
      expect(line).toMatch(
        EXITS.has(n) ? /^relay\+exit; circuits relayed \d+/ : /^relay; circuits relayed \d+/,
      )
    }
  }, 30_000)
})
