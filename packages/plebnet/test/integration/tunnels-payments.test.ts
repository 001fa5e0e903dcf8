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
import type { TunnelsStatus } from '../../src/tunnels/tunnel-status.ts'

/**
 * Issue 16, payments end to end on loopback, no world: four `plebnet daemon`s (relays, one exit to
 * 127.0.0.1/32) and real `plebnet proxy` children; curl downloads through 3 hops. The user's proxy
 * pays its first hop in MB tokens on its own ledger while the circuit carries bytes, each hop keeps
 * its share and pays the rest on: every agent's ledger balance (from its status document) grows by
 * exactly the rule's share of the circuit's base and the user's (`plebnet ledger balance`) falls by
 * their sum.
 */

const PLEBNET = resolve(import.meta.dirname, '..', '..', 'bin', 'plebnet.js')
const MiB = 1024 * 1024
const FILE_BYTES = 24 * MiB
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
  // DOLLY_KEEP_TEST_DIRS=1 keeps the homes (daemon.log of each agent) for a look after a failure.
  if (process.env['DOLLY_KEEP_TEST_DIRS'] === undefined)
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

/** Each agent's full status document (loopback is authorized). */
async function agentStatuses(net: Net): Promise<NonNullable<ReturnType<typeof parseStatus>>[]> {
  return Promise.all(
    net.statusPorts.map(async (port) => {
      const res = await fetch(`http://127.0.0.1:${port}/status`)
      const status = parseStatus(await res.json())
      if (status === undefined) throw new Error(`no status document on ${port}`)
      return status
    }),
  )
}

/** Each agent's tunnels payments block. */
async function agentPayments(net: Net): Promise<(TunnelsStatus['payments'] | undefined)[]> {
  return (await agentStatuses(net)).map((s) => s.tunnels?.payments)
}

/** The user's ledger balance, bytes, read by `plebnet ledger balance --json` from its home. */
async function userBalance(home: string): Promise<bigint> {
  const r = await plebnet(home, ['ledger', 'balance', '--json'])
  expect(r.code, r.out).toBe(0)
  return BigInt(String((JSON.parse(r.out) as { balanceBytes: unknown }).balanceBytes))
}

/** The user's payments (its proposals): counterparty key, amount, sequence number. */
async function userPayments(home: string): Promise<{ seq: number; to: string; amount: bigint }[]> {
  const r = await plebnet(home, ['ledger', 'blocks', '--json', '--limit', '1000'])
  expect(r.code, r.out).toBe(0)
  const blocks = (JSON.parse(r.out) as { blocks: Record<string, unknown>[] }).blocks
  return blocks
    .filter((b) => b['kind'] === 'proposal' && b['type'] === 'tribler_bandwidth')
    .map((b) => ({
      seq: Number(b['sequenceNumber']),
      to: String(b['linkPublicKey']),
      amount: BigInt(String(b['downBytes'])),
    }))
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

/** Shares of one 3-hop circuit of base B under a rule: the user pays `paid`·B; first, middle, exit keep. */
interface RuleShares {
  readonly paid: bigint
  readonly first: bigint
  readonly middle: bigint
  readonly exit: bigint
}

/**
 * Downloads 24 MB through 3 hops from a paying `user` and checks the ledgers: the circuit's payments
 * are the user's payments of at least 1 MiB (it pays every MiB the circuit carries back), all to one
 * first hop, summing to `shares.paid`·B; the first hop, the middle relay and the exit gained exactly
 * their shares of B, and the fourth agent nothing — give or take the user's payments for idle
 * circuits' handshake bytes (paid when they close, a few hundred bytes each), which the test measures
 * and bounds. Tokens only move: the agents' gains sum to exactly what the user paid.
 */
async function paidDownload(
  net: Net,
  user: Proxy,
  url: string,
  expected: string,
  rule: RuleShares,
): Promise<void> {
  const statuses = await agentStatuses(net)
  const keys = statuses.map((s) => s.publicKey)
  const exitIndex = statuses.findIndex((s) => s.tunnels?.exit === true)
  expect(exitIndex).toBe(3)
  const before = await settledBalances(net, user.home)
  const seqBefore = Math.max(0, ...(await userPayments(user.home)).map((p) => p.seq))
  const got = await curl(user.base + 3, url)
  expect(got, user.stderr()).toMatchObject({ code: 0, bytes: FILE_BYTES, sha256: expected })
  const after = await settledBalances(net, user.home)
  const gains = after.map((v, i) => v - (before[i] ?? 0n))
  const paid = -(gains[4] ?? 0n)
  const agentsGain = gains.slice(0, 4)
  expect(agentsGain.reduce((a, b) => a + b, 0n)).toBe(paid)

  const payments = (await userPayments(user.home)).filter((p) => p.seq > seqBefore)
  expect(payments.reduce((a, p) => a + p.amount, 0n)).toBe(paid)
  const circuit = payments.filter((p) => p.amount >= BigInt(MiB))
  const idle = paid - circuit.reduce((a, p) => a + p.amount, 0n)
  expect(idle).toBeGreaterThanOrEqual(0n)
  expect(idle).toBeLessThan(64n * 1024n)
  const firstHops = new Set(circuit.map((p) => p.to))
  expect(firstHops.size).toBe(1)
  const first = keys.indexOf([...firstHops][0] ?? '')
  expect(first).toBeGreaterThanOrEqual(0)
  expect(first).not.toBe(exitIndex)
  const circuitPaid = paid - idle
  expect(circuitPaid % rule.paid).toBe(0n)
  const base = circuitPaid / rule.paid
  expect(base).toBeGreaterThan(BigInt(FILE_BYTES - MiB))
  expect(base).toBeLessThan(BigInt(Math.ceil(FILE_BYTES * 1.01)))
  const within = (gain: bigint, share: bigint): void => {
    expect(gain - share).toBeGreaterThanOrEqual(0n)
    expect(gain - share).toBeLessThanOrEqual(idle)
  }
  within(agentsGain[first] ?? 0n, rule.first * base)
  within(agentsGain[exitIndex] ?? 0n, rule.exit * base)
  const others = [0, 1, 2, 3]
    .filter((i) => i !== first && i !== exitIndex)
    .map((i) => agentsGain[i] ?? 0n)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  within(others[1] ?? 0n, rule.middle * base)
  within(others[0] ?? 0n, 0n)
  const stats = await agentPayments(net)
  expect(stats.every((p) => p?.rule === (rule.exit === 2n ? 'fair' : '2017'))).toBe(true)
  // Honest circuits are never cut for not paying.
  expect(stats.reduce((n, p) => n + (p?.cutUnpaid ?? 0), 0)).toBe(0)
}

describe('tunnel payments over four agents on loopback', () => {
  it('fair rule: after a 3-hop download the relays gained one base each, the exit two, the user paid four', async () => {
    const body = randomBytes(FILE_BYTES)
    const expected = createHash('sha256').update(body).digest('hex')
    const httpPort = await serveFiles(new Map([['/file', body]]))
    const url = `http://127.0.0.1:${httpPort}/file`
    const net = await startAgents('fair')
    const user = await startProxy(net, 'user', [])
    await paidDownload(net, user, url, expected, { paid: 4n, first: 1n, middle: 1n, exit: 2n })
  }, 300_000)

  it('2017 rule (agents [tunnels] payout_rule, proxy --payout-rule): each relay gained two bases, the exit one, the user paid five', async () => {
    const body = randomBytes(FILE_BYTES)
    const expected = createHash('sha256').update(body).digest('hex')
    const httpPort = await serveFiles(new Map([['/file', body]]))
    const net = await startAgents('2017')
    const user = await startProxy(net, 'user', ['--payout-rule', '2017'])
    await paidDownload(net, user, `http://127.0.0.1:${httpPort}/file`, expected, {
      paid: 5n,
      first: 2n,
      middle: 2n,
      exit: 1n,
    })
  }, 300_000)
})
