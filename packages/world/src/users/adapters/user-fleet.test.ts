import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createCryptoRng, createNullLogger } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTENT_FILES } from '../../content/files.ts'
import type { HostProvisioner, HostSpec, WorldHost } from '../../hosts/index.ts'
import type { BootstrapAgent } from '../bootstrap.ts'
import type { UserStats } from '../stats.ts'
import { MIN_AGENTS_FOR_USERS, startUserFleet } from './user-fleet.ts'

const FAKE_PROXY = fileURLToPath(new URL('./fake-proxy.ts', import.meta.url))

/** A provisioner whose hosts are loopback stand-ins; it records the specs it was asked for. */
function loopbackProvisioner(): HostProvisioner & { specs: HostSpec[] } {
  const specs: HostSpec[] = []
  const hosts: WorldHost[] = []
  return {
    specs,
    create(spec) {
      specs.push(spec)
      const host: WorldHost = {
        id: `fake${specs.length}`,
        hostname: spec.hostname,
        ip: '127.0.0.1',
        destroy: () => Promise.resolve(),
        exec: () => Promise.resolve({ exitCode: 0, stdout: '', stderr: '' }),
        pids: () => Promise.resolve([]),
      }
      hosts.push(host)
      return Promise.resolve(host)
    },
    list: () => hosts,
    destroyAll: () => Promise.resolve(),
  }
}

const agent = (): BootstrapAgent => ({
  id: randomBytes(32).toString('hex'),
  hostIp: '10.77.1.9',
  alive: true,
})

describe('user fleet (loopback hosts, fake proxy)', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-fleet-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('waits for enough agents for 3-hop circuits, and retries a proxy that did not start with the agents alive then', async () => {
    const provisioner = loopbackProvisioner()
    // Two agents at first (too few for 3 hops), three from the third census poll on.
    const family = [agent(), agent(), agent()]
    let polls = 0
    const agents = (): Promise<BootstrapAgent[]> => {
      polls++
      return Promise.resolve(polls < 3 ? family.slice(0, 2) : family)
    }
    // The first proxy start fails (it exits at once, as one that found no path); later ones run.
    let proxyStarts = 0
    const inHostNet = (_host: WorldHost, argv: readonly string[]): string[] =>
      argv.includes('proxy') && ++proxyStarts === 1 ? [process.execPath, '-e', 'process.exit(1)'] : [...argv]
    const fleet = startUserFleet(
      { provisioner, agents, log: createNullLogger(), nowMs: Date.now, rng: createCryptoRng(), inHostNet },
      {
        users: 1,
        freeRiderFraction: 0,
        seed: 'fleet-test',
        stateDir: dir,
        plebnetCommand: [process.execPath, FAKE_PROXY],
        contentUrl: 'http://127.0.0.1:9/',
        files: CONTENT_FILES,
        ratePerSecond: 1e-9,
        retryMs: 200,
        proxyStartTimeoutMs: 15_000,
        basePort: 20_000 + Math.floor(Math.random() * 20_000),
      },
    )
    const seen: UserStats[] = []
    const deadline = Date.now() + 30_000
    while (fleet.stats()[0]?.state !== 'running' && Date.now() < deadline) {
      const s = fleet.stats()[0]
      if (s !== undefined) seen.push(s)
      // No host is created before three agents are alive.
      if (polls < 3) expect(provisioner.specs).toEqual([])
      await new Promise((r) => setTimeout(r, 20))
    }
    const running = fleet.stats()[0]
    await fleet.stop()
    expect(MIN_AGENTS_FOR_USERS).toBe(3)
    expect(running?.state).toBe('running')
    expect(provisioner.specs).toHaveLength(1)
    expect(provisioner.specs[0]).toMatchObject({ hostname: 'user1', contentLink: false })
    // It was listed as failed with the reason in between, then started again.
    expect(seen.some((s) => s.state === 'failed' && (s.error ?? '').includes('exited'))).toBe(true)
    expect(proxyStarts).toBe(2)
    // The retry bootstrapped from all three agents.
    const argv = JSON.parse(await readFile(join(dir, 'users', 'user1', 'argv.json'), 'utf8')) as string[]
    expect(argv.filter((a) => a === '--bootstrap')).toHaveLength(3)
  }, 40_000)
})
