import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { appendFileSync, closeSync, openSync } from 'node:fs'
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { parseNetworkSnapshot } from '@dolly/overlay'
import { payoutShares, type PayoutRule } from '@dolly/tunnels'
import { parseStatus } from '../../src/daemon/status.ts'
import type { TunnelsStatus } from '../../src/tunnels/tunnel-status.ts'

/**
 * Issue 16, payments end to end on loopback, no world: four `plebnet daemon`s (relays, one exit to
 * 127.0.0.1/32) and real `plebnet proxy` children; curl downloads through one pinned 3-hop circuit
 * (`--hops 3 --warm 1`: the pool keeps it alive, it is never rebuilt). The user's proxy pays its
 * first hop in MB tokens on its own ledger while the circuit carries bytes and its last partial MiB
 * when it stops; each hop keeps its share and pays the rest on. Once every agent's status reports its
 * payments settled, every agent's ledger balance is exactly the rule's share of the circuit's base
 * (the first hop's backward cell bytes, from its own counter) and the user's (`plebnet ledger
 * balance`) is minus their sum. A `--no-pay` free rider beside an honest user is cut at the cap.
 */

const PLEBNET = resolve(import.meta.dirname, '..', '..', 'bin', 'plebnet.js')
const MiB = 1024 * 1024
const FILE_BYTES = 24 * MiB
/** The agents' unpaid cap (AGENT_UNPAID_CAP_BYTES in the agent daemon). */
const AGENT_CAP = 32 * MiB
const children: ChildProcess[] = []
const dirs: string[] = []
const servers: Server[] = []

/** Stops every child started so far (SIGTERM, SIGKILL after 10 s); each test ends its network so. */
async function stopChildren(): Promise<void> {
  const all = children.splice(0)
  const exited = all.map((c) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => c.once('exit', () => r())),
  )
  for (const c of all) c.kill('SIGTERM')
  const timer = setTimeout(() => {
    for (const c of all) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  }, 10_000)
  await Promise.all(exited)
  clearTimeout(timer)
}

afterAll(async () => {
  await stopChildren()
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
async function startAgents(rule: PayoutRule): Promise<Net> {
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
  /** Sends SIGTERM; resolves with the exit code and the `stopped` line's payments block. */
  stop(): Promise<{ code: number | null; payments: Payments | undefined }>
}

type Payments = NonNullable<TunnelsStatus['payments']>

/** A `plebnet proxy` serving one pinned 3-hop circuit (`--hops 3 --warm 1`). */
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
      '--hops',
      '3',
      '--warm',
      '1',
      '--json',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  // DOLLY_KEEP_TEST_DIRS=1 keeps the proxy's log next to the agents' homes.
  const log = openSync(join(net.root, `${name}.log`), 'a')
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
    appendFileSync(log, d)
  })
  child.once('exit', () => closeSync(log))
  const ready = await until(
    () =>
      Promise.resolve(
        stdout.includes('\n') || child.exitCode !== null ? (stdout.split('\n')[0] ?? '') : undefined,
      ),
    160_000,
  )
  expect(ready, stderr).toBe(JSON.stringify({ event: 'ready', ports: { '3': base + 3 } }))
  const stop = async (): Promise<{ code: number | null; payments: Payments | undefined }> => {
    const code = await new Promise<number | null>((r) => {
      if (child.exitCode !== null) return r(child.exitCode)
      child.once('exit', (c) => r(c))
      child.kill('SIGTERM')
    })
    const line = stdout.split('\n')[1] ?? ''
    const event = JSON.parse(line === '' ? '{}' : line) as { event?: unknown; payments?: Payments }
    expect(event.event, stderr).toBe('stopped')
    return { code, payments: event.payments }
  }
  return { child, home, base, stderr: () => stderr, stop }
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

/** The user's ledger balance, bytes, read by `plebnet ledger balance --json` from its home. */
async function userBalance(home: string): Promise<bigint> {
  const r = await plebnet(home, ['ledger', 'balance', '--json'])
  expect(r.code, r.out).toBe(0)
  return BigInt(String((JSON.parse(r.out) as { balanceBytes: unknown }).balanceBytes))
}

const isSettled = (p: Payments | undefined): boolean =>
  p?.unsettled !== undefined &&
  p.unsettled.forwardTokens === '0' &&
  p.unsettled.ownBytes === '0' &&
  p.unsettled.inFlight === 0 &&
  p.unsettled.abandoned === 0

/**
 * Waits until every agent reports its payments settled (nothing to forward, nothing in flight) in
 * two polls in a row, path order each time, and returns that last view.
 */
async function settledStatuses(net: Net): Promise<Awaited<ReturnType<typeof agentStatuses>>> {
  let streak = 0
  let last: Awaited<ReturnType<typeof agentStatuses>> = []
  for (let i = 0; i < 120 && streak < 2; i++) {
    last = await agentStatuses(net)
    streak = last.every((s) => isSettled(s.tunnels?.payments)) ? streak + 1 : 0
    if (streak < 2) await new Promise((r) => setTimeout(r, 500))
  }
  expect(
    last.map((s) => s.tunnels?.payments?.unsettled),
    'agents report unsettled payments',
  ).toEqual(last.map(() => ({ ownBytes: '0', forwardTokens: '0', inFlight: 0, abandoned: 0 })))
  return last
}

/**
 * Downloads FILE_BYTES through the user's pinned 3-hop circuit, stops the proxy (it pays the last
 * partial MiB first), waits until every agent reports its payments settled, and checks the ledgers
 * exactly: the circuit's base is the first hop's backward cell bytes (its own counter; the only
 * circuit it carried), the user paid `payoutShares(base).downloaderPays`, each hop's ledger balance
 * is its `kept` share, the agent off the path has 0.
 */
async function paidDownload(rule: PayoutRule): Promise<void> {
  const body = randomBytes(FILE_BYTES)
  const expected = createHash('sha256').update(body).digest('hex')
  const httpPort = await serveFiles(new Map([['/file', body]]))
  const net = await startAgents(rule)
  const user = await startProxy(net, 'user', ['--payout-rule', rule])
  const got = await curl(user.base + 3, `http://127.0.0.1:${httpPort}/file`)
  expect(got, user.stderr()).toMatchObject({ code: 0, bytes: FILE_BYTES, sha256: expected })
  const stopped = await user.stop()
  expect(stopped.code, user.stderr()).toBe(0)
  // The proxy paid for every byte its circuit carried back before it closed the circuit.
  expect(stopped.payments).toMatchObject({ rule, cutUnpaid: 0 })
  expect(stopped.payments?.unsettled?.ownBytes).toBe('0')

  const statuses = await settledStatuses(net)
  const t = statuses.map((s) => s.tunnels)
  // One circuit in all (the pool kept it, it was never rebuilt): two relays and the exit carried it.
  expect(t.map((x) => (x?.circuits.relayedTotal ?? 0) + (x?.circuits.exitedTotal ?? 0)).sort()).toEqual([
    0, 1, 1, 1,
  ])
  const exit = t.findIndex((x) => x?.circuits.exitedTotal === 1)
  expect(exit).toBe(3)
  const relays = [0, 1, 2].filter((i) => t[i]?.circuits.relayedTotal === 1)
  expect(relays).toHaveLength(2)
  // Cells grow by one onion layer per hop towards the initiator: the first hop sent back the most.
  const down = (i: number): bigint => BigInt(t[i]?.bytesDown ?? '0')
  const [first, middle] = relays.sort((a, b) => (down(b) > down(a) ? 1 : -1)) as [number, number]
  const off = [0, 1, 2].find((i) => !relays.includes(i)) as number
  const base = down(first)
  expect(base).toBeGreaterThan(BigInt(FILE_BYTES))
  expect(base).toBeLessThan(BigInt(Math.ceil(FILE_BYTES * 1.01)))
  const shares = payoutShares(base, 3, rule)

  const balance = (i: number): bigint => BigInt(t[i]?.payments?.balance ?? 'NaN')
  expect(BigInt(stopped.payments?.paid ?? '0')).toBe(shares.downloaderPays)
  expect(await userBalance(user.home)).toBe(-shares.downloaderPays)
  expect(balance(first)).toBe(shares.hops[0]?.kept)
  expect(balance(middle)).toBe(shares.hops[1]?.kept)
  expect(balance(exit)).toBe(shares.hops[2]?.kept)
  expect(balance(off)).toBe(0n)
  for (const [i, kept] of [
    [first, shares.hops[0]?.kept],
    [middle, shares.hops[1]?.kept],
    [exit, shares.hops[2]?.kept],
  ] as const)
    expect(BigInt(t[i]?.payments?.earned ?? 'NaN')).toBe(kept)
  for (const x of t) expect(x?.payments).toMatchObject({ rule, cutUnpaid: 0 })
  await stopChildren()
}

describe('tunnel payments over four agents on loopback: exact shares once settled', () => {
  it('fair rule (default): each relay gained one base, the exit two, the user paid four', async () => {
    await paidDownload('fair')
  }, 300_000)

  it('2017 rule: each relay gained two bases, the exit one, the user paid five', async () => {
    await paidDownload('2017')
  }, 300_000)

  it('2021 rule: the first relay gained three bases, the middle none, the exit two, the user paid five', async () => {
    await paidDownload('2021')
  }, 300_000)

  it('a --no-pay free rider is cut at the unpaid cap (cutUnpaid), an honest proxy beside it downloads and pays in full', async () => {
    const big = randomBytes(64 * MiB)
    const small = randomBytes(FILE_BYTES)
    const httpPort = await serveFiles(
      new Map([
        ['/big', big],
        ['/small', small],
      ]),
    )
    const net = await startAgents('fair')
    const honest = await startProxy(net, 'honest', [])
    const rider = await startProxy(net, 'rider', ['--no-pay'])
    const [free, paid] = await Promise.all([
      curl(rider.base + 3, `http://127.0.0.1:${httpPort}/big`),
      curl(honest.base + 3, `http://127.0.0.1:${httpPort}/small`),
    ])
    // The honest user is unaffected: complete and intact.
    expect(paid, honest.stderr()).toMatchObject({
      code: 0,
      bytes: FILE_BYTES,
      sha256: createHash('sha256').update(small).digest('hex'),
    })
    // The free rider's circuit was destroyed once a hop carried the cap unpaid: curl got a truncated
    // download, at most the cap (the hop counts cell bytes, more than the payload) and not much less
    // (what was sent back before the cut arrives before the DESTROY on the ordered links).
    expect(free.code, rider.stderr()).not.toBe(0)
    expect(free.bytes).toBeLessThanOrEqual(AGENT_CAP)
    expect(free.bytes).toBeGreaterThan(AGENT_CAP - 8 * MiB)
    const statuses = await agentStatuses(net)
    const cuts = statuses.map((s) => s.tunnels?.payments?.cutUnpaid ?? 0)
    expect(cuts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1)

    const stoppedRider = await rider.stop()
    expect(stoppedRider.code).toBe(0)
    expect(stoppedRider.payments?.paid).toBe('0')
    expect(await userBalance(rider.home)).toBe(0n)
    const stopped = await honest.stop()
    expect(stopped.code, honest.stderr()).toBe(0)
    expect(stopped.payments?.unsettled?.ownBytes).toBe('0')
    const honestPaid = BigInt(stopped.payments?.paid ?? '0')
    // fair: 4 × the circuit's base, which exceeds the payload by the cell overhead (< 1 %).
    expect(honestPaid).toBeGreaterThan(4n * BigInt(FILE_BYTES))
    expect(honestPaid).toBeLessThan((4n * BigInt(FILE_BYTES) * 101n) / 100n)
    expect(await userBalance(honest.home)).toBe(-honestPaid)
    // The honest payments reached the agents in full (the rider paid nothing): tokens only moved.
    const settled = await settledStatuses(net)
    const agents = settled.reduce((a, s) => a + BigInt(s.tunnels?.payments?.balance ?? 'NaN'), 0n)
    expect(agents).toBe(honestPaid)
    await stopChildren()
  }, 400_000)
})
