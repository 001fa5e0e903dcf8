import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { openSync } from 'node:fs'
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { parseNetworkSnapshot, type NetworkSnapshot } from '@dolly/overlay'
import { parseStatus } from '../../src/daemon/status.ts'

/**
 * Issue 16 end to end on loopback, no world: four full `plebnet daemon`s (every one a relay, one an
 * exit whose `[tunnels] exit_networks` is 127.0.0.1/32, standing in for the world's content
 * network) gossip their hop entries; a real `plebnet proxy` child joins through one of them and
 * real curl downloads 100 MiB (beyond the unpaid cap: payments keep up) through 1 and 3 hops over the libp2p tunnel transport, SHA-256 checked.
 */

const PLEBNET = resolve(import.meta.dirname, '..', '..', 'bin', 'plebnet.js')
const FILE_BYTES = 100 * 1024 * 1024
const children: ChildProcess[] = []
const dirs: string[] = []
let http: Server | undefined

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
  const server = http
  if (server !== undefined) await new Promise<void>((r) => server.close(() => r()))
  // DOLLY_KEEP_TEST_DIRS=1 keeps the homes (each agent's daemon.log) for a look after a failure.
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

function daemon(home: string, statusListen: string, extra: readonly string[]): void {
  const child = spawn(
    process.execPath,
    [
      PLEBNET,
      '--home',
      home,
      'daemon',
      '--status-listen',
      statusListen,
      '--gossip-listen',
      '127.0.0.1:0',
      ...extra,
    ],
    // DOLLY_KEEP_TEST_DIRS=1: the daemon's log goes to daemon.log in its home.
    {
      stdio:
        process.env['DOLLY_KEEP_TEST_DIRS'] === undefined
          ? 'ignore'
          : ['ignore', openSync(join(home, 'daemon.log'), 'a'), openSync(join(home, 'daemon.log'), 'a')],
    },
  )
  children.push(child)
}

async function snapshot(home: string): Promise<NetworkSnapshot | undefined> {
  const text = await readFile(join(home, 'network.json'), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    return parseNetworkSnapshot(JSON.parse(text))
  } catch {
    return undefined
  }
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined || Date.now() > deadline) return value
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** A base port P with P+1..P+3 free (probed by binding them), and a free port of its own for a status API. */
async function freePorts(): Promise<{ base: number; status: number }> {
  const bind = (port: number): Promise<boolean> =>
    new Promise((r) => {
      const s = createTcpServer()
      s.once('error', () => r(false))
      s.listen(port, '127.0.0.1', () => s.close(() => r(true)))
    })
  for (let i = 0; i < 50; i++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000)
    const ok = await Promise.all([1, 2, 3, 4].map((k) => bind(base + k)))
    if (ok.every(Boolean)) return { base, status: base + 4 }
  }
  throw new Error('no free ports found')
}

async function serveFile(body: Buffer): Promise<number> {
  const server = createHttpServer((req, res) => {
    if (req.url !== '/file') return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length })
    res.end(body)
  })
  http = server
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const addr = server.address()
  return addr !== null && typeof addr === 'object' ? addr.port : 0
}

async function curlSha256(socksPort: number, url: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dolly-curl-'))
  dirs.push(dir)
  const out = join(dir, 'download')
  await promisify(execFile)(
    'curl',
    ['-sS', '--fail', '--max-time', '120', '--socks5-hostname', `127.0.0.1:${socksPort}`, '-o', out, url],
    { timeout: 130_000 },
  )
  return createHash('sha256')
    .update(await readFile(out))
    .digest('hex')
}

describe('plebnet proxy over four agents on loopback', () => {
  it('downloads 100 MiB (beyond the unpaid cap: payments keep up) through 1 and 3 hops with curl, byte-exact; the exit counts it; SIGTERM ends the proxy cleanly', async () => {
    const body = randomBytes(FILE_BYTES)
    const expected = createHash('sha256').update(body).digest('hex')
    const httpPort = await serveFile(body)
    const root = await mkdtemp(join(tmpdir(), 'dolly-tunnels-proxy-'))
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
      if (exit)
        await appendFile(join(home, 'plebnet_setup.cfg'), '\n[tunnels]\nexit_networks = 127.0.0.1/32\n')
    }
    const ports = await freePorts()
    const [h1 = '', h2 = '', h3 = '', h4 = ''] = homes
    daemon(h1, '127.0.0.1:0', [])
    const first = await until(async () => {
      const s = await snapshot(h1)
      return s !== undefined && s.addrs.length > 0 ? s : undefined
    }, 30_000)
    const bootstrap = first?.addrs[0] ?? ''
    expect(bootstrap).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
    daemon(h2, '127.0.0.1:0', ['--bootstrap', bootstrap])
    daemon(h3, '127.0.0.1:0', ['--bootstrap', bootstrap])
    daemon(h4, `127.0.0.1:${ports.status}`, ['--bootstrap', bootstrap])

    const proxyHome = join(root, 'user')
    const proxy = spawn(
      process.execPath,
      [
        PLEBNET,
        '--home',
        proxyHome,
        'proxy',
        '--bootstrap',
        bootstrap,
        '--port',
        String(ports.base),
        '--listen',
        '/ip4/127.0.0.1/tcp/0',
        '--ready-timeout',
        '150',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    children.push(proxy)
    let stdout = ''
    let stderr = ''
    proxy.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    proxy.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
    const ready = await until(
      () =>
        Promise.resolve(
          stdout.includes('\n') || proxy.exitCode !== null ? (stdout.split('\n')[0] ?? '') : undefined,
        ),
      160_000,
    )
    expect(ready, stderr).toBe(
      JSON.stringify({
        event: 'ready',
        ports: { '1': ports.base + 1, '2': ports.base + 2, '3': ports.base + 3 },
      }),
    )

    const url = `http://127.0.0.1:${httpPort}/file`
    expect(await curlSha256(ports.base + 1, url)).toBe(expected)
    expect(await curlSha256(ports.base + 3, url)).toBe(expected)

    // The exit's full status (loopback is authorized) counts the circuits it exited and their bytes.
    const res = await fetch(`http://127.0.0.1:${ports.status}/status`)
    const status = parseStatus(await res.json())
    expect(status?.exitNode).toBe(true)
    const tunnels = status?.tunnels
    expect(tunnels).toMatchObject({ relay: true, exit: true })
    expect(tunnels?.circuits.exitedTotal).toBeGreaterThanOrEqual(2)
    expect(BigInt(tunnels?.exitBytesIn ?? '0')).toBeGreaterThanOrEqual(BigInt(2 * FILE_BYTES))
    expect(BigInt(tunnels?.bytesDown ?? '0')).toBeGreaterThan(BigInt(2 * FILE_BYTES))

    // The user paid in MB tokens while downloading: by the default (fair) rule the exit keeps twice
    // each circuit's base, so it earned about 2 × 2 × 24 MiB on its ledger; nothing was cut unpaid.
    // Payments settle a little after the bytes (each a countersigned ledger agreement): wait for them.
    let payments = tunnels?.payments
    for (let i = 0; i < 60 && BigInt(payments?.earned ?? '0') < (BigInt(FILE_BYTES) * 36n) / 10n; i++) {
      await new Promise((r) => setTimeout(r, 500))
      const again = parseStatus(await (await fetch(`http://127.0.0.1:${ports.status}/status`)).json())
      payments = again?.tunnels?.payments
    }
    expect(payments).toMatchObject({ rule: 'fair', cutUnpaid: 0 })
    expect(BigInt(payments?.earned ?? '0')).toBeGreaterThanOrEqual((BigInt(FILE_BYTES) * 36n) / 10n)
    expect(BigInt(payments?.balance ?? '0')).toBeGreaterThan(0n)

    const code = await new Promise<number | null>((r) => {
      proxy.once('exit', (c) => r(c))
      proxy.kill('SIGTERM')
    })
    expect(code, stderr).toBe(0)
  }, 300_000)

  it('gives up with TUNNEL_NO_PATH when no circuit can be built, and a SIGTERM while starting ends it with status 0', async () => {
    const root = await mkdtemp(join(tmpdir(), 'dolly-tunnels-proxy-'))
    dirs.push(root)
    // A well-formed bootstrap address where nobody listens: the proxy finds no hop.
    const nobody = '/ip4/127.0.0.1/tcp/9/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'
    const ports = await freePorts()
    const args = (home: string, timeout: string): string[] => [
      PLEBNET,
      '--home',
      join(root, home),
      'proxy',
      '--bootstrap',
      nobody,
      '--port',
      String(ports.base),
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--ready-timeout',
      timeout,
    ]
    const run = (argv: string[], signalAfterMs?: number): Promise<{ code: number | null; err: string }> =>
      new Promise((r) => {
        const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
        children.push(child)
        let err = ''
        child.stderr.on('data', (d: Buffer) => (err += d.toString()))
        if (signalAfterMs !== undefined) setTimeout(() => child.kill('SIGTERM'), signalAfterMs)
        child.on('close', (code) => r({ code, err }))
      })
    const gaveUp = await run(args('u1', '3'))
    expect(gaveUp.code, gaveUp.err).toBe(1)
    expect(gaveUp.err).toContain('TUNNEL_NO_PATH')
    const interrupted = await run(args('u2', '120'), 4_000)
    expect(interrupted.code, interrupted.err).toBe(0)
  }, 60_000)
})
