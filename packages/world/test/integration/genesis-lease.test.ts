/**
 * End of lease (AGENT.md §3.6): a genesis agent with a short lease buys and installs a child, stops
 * buying in its last world day, and in its last hour sends its remaining coins to its heir (the
 * newest living child). Needs root (namespaces), litecoind and sshd.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCryptoRng, createMemoryLogger } from '@dolly/base'
import { parseStatus, type AgentStatus } from '@dolly/plebnet'
import { runGenesis, startWorld, type WorldHandle } from '@dolly/world'

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..', '..')
/** One real second is one world hour; a 5-day lease is 120 real seconds. */
const TIME_SCALE = 3600
const LEASE_S = 5 * 86_400
const BOUND_MS = 600_000

async function statusOf(ip: string): Promise<AgentStatus | undefined> {
  try {
    const res = await fetch(`http://${ip}:8480/status`, { signal: AbortSignal.timeout(3_000) })
    return parseStatus(await res.json())
  } catch {
    return undefined
  }
}

describe('end of lease', () => {
  let dir: string
  let world: WorldHandle | undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-lease-'))
    world = await startWorld(
      { log: createMemoryLogger(), realNowMs: () => Date.now(), pid: process.pid },
      { dir, timeScale: TIME_SCALE, blockIntervalMin: 10, providers: 3, repoDir: REPO_ROOT },
    )
  }, 180_000)

  afterAll(async () => {
    await world?.stop()
    await rm(dir, { recursive: true, force: true })
  }, 180_000)

  it(
    'stops buying before the lease ends and sends the rest to the newest child',
    async () => {
      if (world?.provisioner === undefined) throw new Error('no hosts in this world')
      const genesis = await runGenesis(
        {
          provisioner: world.provisioner,
          chain: world.chain,
          log: createMemoryLogger(),
          rng: createCryptoRng(),
        },
        { worldDir: dir, state: world.state, repoDir: REPO_ROOT, fundSats: 100_000n, leaseS: LEASE_S },
      )
      const end = Date.now() + BOUND_MS
      let last: AgentStatus | undefined
      while (Date.now() < end) {
        last = (await statusOf(genesis.host.ip)) ?? last
        if (last?.lifecycle?.events.some((e) => e.kind === 'heir') === true) break
        await new Promise((r) => setTimeout(r, 2_000))
      }
      const l = last?.lifecycle
      expect(l?.children.length ?? 0, JSON.stringify(l?.events)).toBeGreaterThan(0)
      const heir = l?.events.find((e) => e.kind === 'heir')
      expect(heir, JSON.stringify(l?.events)).toBeDefined()
      // The sweep came in the last hour of the lease, and nothing was bought in the last day.
      expect(heir?.atMs ?? 0).toBeGreaterThanOrEqual((l?.leaseEndMs ?? 0) - 3_600_000)
      const lastBuy = l?.events.filter((e) => e.kind === 'buy').at(-1)
      if (lastBuy !== undefined) expect(lastBuy.atMs).toBeLessThan((l?.leaseEndMs ?? 0) - 86_400_000)
    },
    BOUND_MS + 240_000,
  )
})
