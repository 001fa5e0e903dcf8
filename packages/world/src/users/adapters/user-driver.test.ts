import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createNullLogger, errorCode } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startContentServer, type ContentServer } from '../../content/adapters/content-server.ts'
import { contentFile } from '../../content/files.ts'
import type { PlannedRequest } from '../demand.ts'
import { curlArgv, proxyArgv, startUserDriver, type UserDriverOptions } from './user-driver.ts'

const FAKE_PROXY = fileURLToPath(new URL('./fake-proxy.ts', import.meta.url))
const deps = { inUserNet: (argv: readonly string[]) => [...argv], log: createNullLogger(), nowMs: Date.now }

function file(name: string) {
  const f = contentFile(name)
  if (f === undefined) throw new Error(`no ${name}`)
  return f
}

describe('user driver (loopback, with a fake proxy: real curl, real content server)', () => {
  let content: ContentServer
  let dir: string
  beforeAll(async () => {
    content = await startContentServer({ host: '127.0.0.1', httpPort: 0, udpPort: 0 })
    dir = await mkdtemp(join(tmpdir(), 'dolly-user-'))
  })
  afterAll(async () => {
    await content.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const options = (over: Partial<UserDriverOptions>): UserDriverOptions => ({
    name: 'user1',
    hostIp: '127.0.0.1',
    homeDir: join(dir, 'home'),
    plebnetCommand: [process.execPath, FAKE_PROXY],
    bootstrap: ['/ip4/10.77.1.2/tcp/8000/p2p/12D3KooWPeer'],
    freeRider: true,
    basePort: 20_000 + Math.floor(Math.random() * 20_000),
    contentUrl: content.url,
    schedule: [],
    maxInFlight: 2,
    proxyStartTimeoutMs: 15_000,
    ...over,
  })

  it('downloads its schedule through the proxy and records bytes, exit status and SHA-256', async () => {
    const schedule: PlannedRequest[] = [
      { atMs: 0, file: file('1MiB.bin'), hops: 1 },
      { atMs: 50, file: file('2MiB.bin'), hops: 2 },
      { atMs: 100, file: file('1MiB.bin'), hops: 3 },
    ]
    const opts = options({ schedule })
    const driver = await startUserDriver(deps, opts)
    const deadline = Date.now() + 30_000
    while (driver.stats().requests < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    await driver.stop()
    const s = driver.stats()
    expect(s).toMatchObject({ requests: 3, ok: 2, failures: 1, goodBytes: 3 * 1024 * 1024, state: 'stopped' })
    const byHops = new Map(s.recent.map((r) => [r.hops, r]))
    expect(byHops.get(1)).toMatchObject({ exitCode: 0, sha256Ok: true, bytes: 1024 * 1024 })
    expect(byHops.get(2)).toMatchObject({ exitCode: 0, sha256Ok: true, bytes: 2 * 1024 * 1024 })
    // No SOCKS server on the 3-hop port: curl cannot connect (exit 7), nothing arrives.
    expect(byHops.get(3)).toMatchObject({ exitCode: 7, sha256Ok: false, bytes: 0 })
    // The free rider's proxy got --no-pay and the contract's other flags.
    const argv = JSON.parse(await readFile(join(opts.homeDir, 'argv.json'), 'utf8')) as string[]
    expect(argv).toEqual(proxyArgv(opts).slice(2))
    expect(argv).toContain('--no-pay')
  })

  /** A driver whose fake proxy SIGKILLs itself after ready in its first `n` runs. */
  const crashingDriver = async (name: string, n: number, over: Partial<UserDriverOptions>) => {
    const crashes = join(dir, name)
    await writeFile(crashes, String(n))
    const driver = await startUserDriver(
      deps,
      options({
        homeDir: join(dir, `home-${name}`),
        plebnetCommand: [process.execPath, FAKE_PROXY, '--crash', crashes],
        ...over,
      }),
    )
    return { crashes, driver }
  }

  it('a proxy killed with SIGKILL is started again, and the next requests go through it', async () => {
    const { crashes, driver } = await crashingDriver('crash-once', 1, {
      proxyRestartWaitMs: 100,
      // The first request comes after the crash (200 ms after ready) and the restart.
      schedule: [
        { atMs: 1_500, file: file('1MiB.bin'), hops: 1 },
        { atMs: 1_600, file: file('2MiB.bin'), hops: 2 },
      ],
    })
    const deadline = Date.now() + 30_000
    while (driver.stats().requests < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(driver.stats()).toMatchObject({ state: 'running', proxyRestarts: 1, requests: 2, ok: 2 })
    expect(await readFile(crashes, 'utf8')).toBe('0')
    await driver.stop()
    expect(driver.stats().state).toBe('stopped')
  })

  it('a proxy that keeps dying fails the user after its restarts, with the reason', async () => {
    const { crashes, driver } = await crashingDriver('crash-always', 99, {
      proxyRestarts: 2,
      proxyRestartWaitMs: 50,
    })
    const deadline = Date.now() + 30_000
    while (driver.stats().state !== 'failed' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
    const s = driver.stats()
    expect(s).toMatchObject({ state: 'failed', proxyRestarts: 2 })
    expect(s.error).toMatch(/the proxy exited \(SIGKILL\) after 2 restarts/)
    // Three runs crashed: the first and its two restarts.
    expect(await readFile(crashes, 'utf8')).toBe('96')
    await driver.stop()
  })

  it('a paying user runs the proxy without --no-pay', () => {
    const argv = proxyArgv(options({ freeRider: false, bootstrap: ['/a', '/b'] }))
    expect(argv).not.toContain('--no-pay')
    expect(argv.filter((a) => a === '--bootstrap')).toHaveLength(2)
    expect(curlArgv(1082, 'http://x/files/a', 1)).toEqual(
      expect.arrayContaining(['--socks5-hostname', '127.0.0.1:1082']),
    )
  })

  it('a proxy that never gets ready is WORLD_USERS_PROXY_START', async () => {
    let code: string | undefined
    try {
      await startUserDriver(
        deps,
        options({
          plebnetCommand: [process.execPath, '-e', 'setTimeout(() => {}, 60000)', '--'],
          proxyStartTimeoutMs: 500,
        }),
      )
    } catch (err) {
      code = errorCode(err)
    }
    expect(code).toBe('WORLD_USERS_PROXY_START')
  })

  it('an abort stops a proxy that is not ready yet, long before its start timeout', async () => {
    const abort = new AbortController()
    setTimeout(() => abort.abort(), 200)
    const t0 = Date.now()
    await expect(
      startUserDriver(
        deps,
        options({
          plebnetCommand: [process.execPath, '-e', 'setTimeout(() => {}, 60000)', '--'],
          proxyStartTimeoutMs: 60_000,
          signal: abort.signal,
        }),
      ),
    ).rejects.toThrow(/stopped before it was ready/)
    expect(Date.now() - t0).toBeLessThan(10_000)
  })
})
