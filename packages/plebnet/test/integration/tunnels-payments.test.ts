import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { openSync } from 'node:fs'
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { parseNetworkSnapshot } from '@dolly/overlay'
import { parseStatus } from '../../src/daemon/status.ts'

/**
 * Issue 16, payments end to end on loopback, no world: four `plebnet daemon`s (relays, one exit to
 * 127.0.0.1/32) and real `plebnet proxy` children; curl downloads through 3 hops. The user's proxy
 * pays its first hop in MB tokens on its own ledger while the circuit carries bytes, each hop keeps
 * its share and pays the rest on: every agent's ledger balance (from its status document) grows by
 * exactly the rule's share of the circuit's base and the user's (`plebnet ledger balance`) falls by
 * their sum. A `--no-pay` proxy is cut (TUNNEL_UNPAID) after about one unpaid cap per hop while an
 * honest user keeps downloading.
 */

const PLEBNET = resolve(import.meta.dirname, '..', '..', 'bin', 'plebnet.js')
const MiB = 1024 * 1024
const FILE_BYTES = 24 * MiB
/** The agents' unpaid cap (agent-daemon AGENT_UNPAID_CAP_BYTES). */
const CAP_BYTES = 32 * MiB
const BIG_BYTES = 96 * MiB
const children: ChildProcess[] = []
const dirs: string[] = []
const servers: Server[] = []

afterAll(async () => {
  const exited = children.map((c) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => c.once('exit', () => r())),
  )
  for (const c of children) c.kill('SIGTERM')
  const timer = setTimeout(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  }, 10_000)
  await Promise.all(exited)
  clearTimeout(timer)
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()))
  for (const d of dirs) await rm(d, { recursive: true, force: true })
}, 30_000)

function plebnet(home: string, args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [PLEBNET, '--home', home, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('close', (code) => resolvePromise({ code, out }))
  })
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined || Date.now() > deadline) return value
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** `count` consecutive free loopback ports. */
async function freePorts(count: number): Promise<number> {
  const bind = (port: number): Promise<boolean> =>
    new Promise((r) => {
      const s = createTcpServer()
      s.once('error', () => r(false))
      s.listen(port, '127.0.0.1', () => s.close(() => r(true)))
    })
  for (let i = 0; i < 50; i++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000)
    const ok = await Promise.all(Array.from({ length: count }, (_, k) => bind(base + k)))
    if (ok.every(Boolean)) return base
  }
  throw new Error('no free ports found')
}

async function serveFiles(files: ReadonlyMap<string, Buffer>): Promise<number> {
  const server = createHttpServer((req, res) => {
    const body = files.get(req.url ?? '')
    if (body === undefined) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length })
    res.end(body)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const addr = server.address()
  return addr !== null && typeof addr === 'object' ? addr.port : 0
}

/** Downloads `url` through SOCKS5 `port`; the bytes received and curl's exit code (0: complete). */
async function curl(port: number, url: string): Promise<{ code: number; bytes: number; sha256: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'dolly-curl-'))
  dirs.push(dir)
  const out = join(dir, 'download')
  const code = await promisify(execFile)(
    'curl',
    ['-sS', '--fail', '--max-time', '120', '--socks5-hostname', `127.0.0.1:${port}`, '-o', out, url],
    { timeout: 130_000 },
  ).then(
    () => 0,
    (err: unknown) => Number((err as { code?: unknown }).code ?? -1),
  )
  const bytes = await stat(out).then(
    (s) => s.size,
    () => 0,
  )
  const sha256 =
    bytes === 0
      ? ''
      : createHash('sha256')
          .update(await readFile(out))
          .digest('hex')
  return { code, bytes, sha256 }
}

interface Net {
  readonly homes: readonly string[]
  readonly statusPorts: readonly number[]
  readonly bootstrap: string
  readonly root: string
}

/** Four agents on loopback with `rule`; the fourth exits to 127.0.0.1/32. */
async function startAgents(rule: string): Promise<Net> {
  const root = await mkdtemp(join(tmpdir(), 'dolly-tunnels-pay-'))
  dirs.push(root)
  const homes = [1, 2, 3, 4].map((i) => join(root, `a${i}`))
  for (const [i, home] of homes.entries()) {
    const exit = i === 3
    const setup = await plebnet(home, [
      'setup',
      '--testnet',
      '--tree',
      `plebbot${i + 1}`,
      '--no-service',
      ...(exit ? ['--exitnode'] : []),
    ])
    expect(setup.code, setup.out).toBe(0)
    await appendFile(
      join(home, 'plebnet_setup.cfg'),
      `\n[tunnels]\npayout_rule = ${rule}\n${exit ? 'exit_networks = 127.0.0.1/32\n' : ''}`,
    )
  }
  const base = await freePorts(4)
  const statusPorts = homes.map((_, i) => base + i)
  const daemon = (i: number, extra: readonly string[]): void => {
    const home = homes[i] ?? ''
    const child = spawn(
      process.execPath,
      [
        PLEBNET,
        '--home',
        home,
        'daemon',
        '--status-listen',
        `127.0.0.1:${statusPorts[i]}`,
        '--gossip-listen',
        '127.0.0.1:0',
        ...extra,
      ],
      { stdio: ['ignore', 'ignore', openSync(join(home, 'daemon.log'), 'a')] },
    )
    children.push(child)
  }
  daemon(0, [])
  const first = await until(async () => {
    const text = await readFile(join(homes[0] ?? '', 'network.json'), 'utf8').catch(() => undefined)
    if (text === undefined) return undefined
    try {
      const s = parseNetworkSnapshot(JSON.parse(text))
      return s !== undefined && s.addrs.length > 0 ? s : undefined
    } catch {
      return undefined
    }
  }, 30_000)
  const bootstrap = first?.addrs[0] ?? ''
  expect(bootstrap).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
  for (const i of [1, 2, 3]) daemon(i, ['--bootstrap', bootstrap])
  return { homes, statusPorts, bootstrap, root }
}

interface Proxy {
  readonly child: ChildProcess
  readonly home: string
  readonly base: number
  stderr(): string
}

async function startProxy(net: Net, name: string, extra: readonly string[]): Promise<Proxy> {
  const base = await freePorts(4)
  const home = join(net.root, name)
  const child = spawn(
    process.execPath,
    [
      PLEBNET,
      '--home',
      home,
      'proxy',
      '--bootstrap',
      net.bootstrap,
      '--port',
      String(base),
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--ready-timeout',
      '150',
      '--json',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
  const ready = await until(
    () =>
      Promise.resolve(
        stdout.includes('\n') || child.exitCode !== null ? (stdout.split('\n')[0] ?? '') : undefined,
      ),
    160_000,
  )
  expect(ready, stderr).toBe(
    JSON.stringify({ event: 'ready', ports: { '1': base + 1, '2': base + 2, '3': base + 3 } }),
  )
  return { child, home, base, stderr: () => stderr }
}

/** Each agent's tunnels payments block, from its full status document (loopback is authorized). */
async function agentPayments(
  net: Net,
): Promise<NonNullable<NonNullable<ReturnType<typeof parseStatus>>['tunnels']>['payments'][]> {
  return Promise.all(
    net.statusPorts.map(async (port) => {
      const res = await fetch(`http://127.0.0.1:${port}/status`)
      return parseStatus(await res.json())?.tunnels?.payments
    }),
  )
}

/** The user's ledger balance, bytes, read by `plebnet ledger balance --json` from its home. */
async function userBalance(home: string): Promise<bigint> {
  const r = await plebnet(home, ['ledger', 'balance', '--json'])
  expect(r.code, r.out).toBe(0)
  return BigInt(String((JSON.parse(r.out) as { balanceBytes: unknown }).balanceBytes))
}

/** Unchanged this long, balances are settled: longer than the ledger's retry of a busy signer (10 s). */
const SETTLED_MS = 12_000

/** The four agents' balances and the user's, once they held still for SETTLED_MS (payments settled). */
async function settledBalances(net: Net, user: string): Promise<bigint[]> {
  const read = async (): Promise<bigint[]> => {
    const agents = await agentPayments(net)
    return [...agents.map((p) => BigInt(p?.balance ?? 'NaN')), await userBalance(user)]
  }
  let last = await read()
  let since = Date.now()
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 1_000))
    const now = await read()
    if (!now.every((v, k) => v === last[k])) {
      last = now
      since = Date.now()
    } else if (Date.now() - since >= SETTLED_MS) return now
  }
  throw new Error(`balances never settled: ${last.join(', ')}`)
}

/**
 * Four agents under `rule` and a paying user that downloads 24 MB through 3 hops; `shares(L)` is what
 * the four agents must gain, sorted, when the user paid L (its checks bound the base: the user pays
 * every MiB the circuit carried back, so the base is the file plus cell overhead, < 1 %, less the
 * under 1 MiB it pays when the circuit closes).
 */
async function paidDownload(
  rule: string,
  shares: (paid: bigint) => bigint[],
): Promise<{ net: Net; url: string; expected: string; user: Proxy }> {
  const body = randomBytes(FILE_BYTES)
  const expected = createHash('sha256').update(body).digest('hex')
  const httpPort = await serveFiles(new Map([['/file', body]]))
  const net = await startAgents(rule)
  const user = await startProxy(net, 'user', rule === 'fair' ? [] : ['--payout-rule', rule])
  const before = await settledBalances(net, user.home)
  const got = await curl(user.base + 3, `http://127.0.0.1:${httpPort}/file`)
  expect(got, user.stderr()).toMatchObject({ code: 0, bytes: FILE_BYTES, sha256: expected })
  const after = await settledBalances(net, user.home)
  const gains = after.map((v, i) => v - (before[i] ?? 0n))
  const paid = -(gains[4] ?? 0n)
  // Tokens only move: what the agents gained is what the user paid, split by the rule.
  const agentsGain = gains.slice(0, 4)
  expect(agentsGain.reduce((a, b) => a + b, 0n)).toBe(paid)
  expect([...agentsGain].sort(ascending)).toEqual(shares(paid))
  const stats = await agentPayments(net)
  expect(stats.every((p) => p?.rule === rule)).toBe(true)
  expect(stats.reduce((n, p) => n + (p?.cutUnpaid ?? 0), 0)).toBe(0)
  return { net, url: `http://127.0.0.1:${httpPort}/file`, expected, user }
}

/** Sorted ascending (bigint). */
const ascending = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0)

/** Sum of the agents' circuits cut for not paying. */
async function cuts(net: Net): Promise<number> {
  return (await agentPayments(net)).reduce((n, p) => n + (p?.cutUnpaid ?? 0), 0)
}

describe('tunnel payments over four agents on loopback', () => {
  it('fair rule: after a 3-hop download the relays gained one base each, the exit two, the user paid four; a --no-pay proxy is cut after one cap', async () => {
    const { net, url, expected, user } = await paidDownload('fair', (paid) => {
      expect(paid % 4n).toBe(0n)
      const base = paid / 4n
      expect(base).toBeGreaterThan(BigInt(FILE_BYTES - MiB))
      expect(base).toBeLessThan(BigInt(Math.ceil(FILE_BYTES * 1.01)))
      return [0n, base, base, 2n * base]
    })

    // A free rider: its proxy never pays, so every hop cuts its circuit (TUNNEL_UNPAID) once it
    // carried one cap unpaid, and rebuilt circuits through a hop it owes are cut at once.
    const bigPort = await serveFiles(new Map([['/big', randomBytes(BIG_BYTES)]]))
    const rider = await startProxy(net, 'rider', ['--no-pay'])
    const cutsBefore = await cuts(net)
    let received = 0
    for (let attempt = 0; attempt < 3; attempt++) {
      const got = await curl(rider.base + 3, `http://127.0.0.1:${bigPort}/big`)
      expect(got.code, rider.stderr()).not.toBe(0)
      // One cap plus what was in flight (one stream window, 4 MiB, and the payment interval).
      expect(got.bytes).toBeLessThanOrEqual(CAP_BYTES + 8 * MiB)
      received += got.bytes
    }
    expect(received).toBeGreaterThan(0)
    expect(await cuts(net)).toBeGreaterThan(cutsBefore)
    expect(await userBalance(rider.home)).toBe(0n)
    // The honest user is not held to the rider's debt: it still downloads, and is never cut.
    const again = await curl(user.base + 3, url)
    expect(again, user.stderr()).toMatchObject({ code: 0, bytes: FILE_BYTES, sha256: expected })
  }, 420_000)

  it('2017 rule (agents [tunnels] payout_rule, proxy --payout-rule): each relay gained two bases, the exit one, the user paid five', async () => {
    await paidDownload('2017', (paid) => {
      expect(paid % 5n).toBe(0n)
      const base = paid / 5n
      expect(base).toBeGreaterThan(BigInt(FILE_BYTES - MiB))
      expect(base).toBeLessThan(BigInt(Math.ceil(FILE_BYTES * 1.01)))
      return [0n, base, 2n * base, 2n * base]
    })
  }, 300_000)
})
