/**
 * End of lease (AGENT.md §3.6): in a world whose shops lease servers for 7 world days, a genesis
 * agent with a 7-day lease buys and installs a child, stops buying once its hand-over window opens,
 * and sends its remaining coins to its heir (the newest living child) before the lease ends. The
 * child knows its own lease end from its shop's client area (the parent hands it over), sends its
 * coins to its own heir in time, and its server is destroyed when the shop's lease ends. Needs root
 * (namespaces), litecoind and sshd.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCryptoRng, createMemoryLogger, type MemoryLogger } from '@dolly/base'
import type { AgentStatus } from '@dolly/plebnet'
import { deriveAccount, deriveAddress, deriveChildRoot } from '@dolly/wallet'
import { runGenesis, type WorldHandle } from '@dolly/world'
import { REPO_ROOT, operatorWallet, startGenesisWorld, statusOf } from './genesis-helpers.ts'

/** At the demo's pace (one real second is one world hour) a 7-day lease is 168 real seconds. */
const LEASE_DAYS = 7
const DAY_MS = 86_400_000
const BOUND_MS = 600_000

type Lifecycle = NonNullable<AgentStatus['lifecycle']>

/** Polls `ip`'s status until `done` holds for its lifecycle; the last lifecycle seen either way. */
async function watch(
  world: WorldHandle | undefined,
  ip: string,
  done: (l: Lifecycle) => boolean,
  untilMs: number,
): Promise<Lifecycle | undefined> {
  let last: Lifecycle | undefined
  while (Date.now() < untilMs) {
    last = (await statusOf(world, ip))?.lifecycle ?? last
    if (last !== undefined && done(last)) break
    await new Promise((r) => setTimeout(r, 1_000))
  }
  return last
}

const heirEvent = (l: Lifecycle | undefined) => l?.events.find((e) => e.kind === 'heir')
const txidOf = (text: string): string => /\(([0-9a-f]{64})\)/.exec(text)?.[1] ?? ''

/** The lease end the shop recorded when it handed over the server at `ip` (its latest one there). */
function shopLeaseEndMs(log: MemoryLogger, ip: string): number | undefined {
  const active = log.entries.filter((e) => e.event === 'shop.host_active' && e.fields['ip'] === ip).at(-1)
  const end = active?.fields['leaseEndMs']
  return typeof end === 'number' ? end : undefined
}

interface RawTx {
  vout: { value: number; scriptPubKey: { address?: string; addresses?: string[] } }[]
}

describe('end of lease', () => {
  let dir: string
  let world: WorldHandle | undefined
  const worldLog = createMemoryLogger()
  const lifetime = new AbortController()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-lease-'))
    world = await startGenesisWorld(dir, LEASE_DAYS, worldLog)
  }, 180_000)

  afterAll(async () => {
    lifetime.abort()
    await world?.stop()
    await rm(dir, { recursive: true, force: true })
  }, 180_000)

  it(
    'stops buying in time, sends the rest to the newest child, and the child hands over before its server dies',
    async () => {
      if (world?.provisioner === undefined) throw new Error('no hosts in this world')
      const provisioner = world.provisioner
      const genesis = await runGenesis(
        {
          provisioner,
          chain: world.chain,
          log: createMemoryLogger(),
          rng: createCryptoRng(),
          clock: world.clock,
          signal: lifetime.signal,
        },
        {
          worldDir: dir,
          state: world.state,
          repoDir: REPO_ROOT,
          fundSats: 100_000n,
          leaseS: LEASE_DAYS * 86_400,
        },
      )
      const end = Date.now() + BOUND_MS

      // Genesis: buys while it may, then pays its heir inside the sweep window.
      const g = await watch(world, genesis.host.ip, (l) => heirEvent(l) !== undefined, end)
      const gHeir = heirEvent(g)
      expect(gHeir, JSON.stringify(g?.events)).toBeDefined()
      if (g === undefined || gHeir === undefined) return
      expect(g.children.length).toBeGreaterThan(0)
      // The operator told genesis when its server's lease ends (create-child --lease-end).
      expect(Math.abs(g.leaseEndMs - genesis.leaseEndMs)).toBeLessThan(1_000)
      // The windows hold the configured hour and day at least, and 20 s / 110 s of real time here.
      expect(g.sweepAtMs).toBeLessThanOrEqual(g.leaseEndMs - 3_600_000)
      expect(g.stopBuyingAtMs).toBeLessThanOrEqual(g.leaseEndMs - DAY_MS)
      expect(gHeir.atMs).toBeGreaterThanOrEqual(g.sweepAtMs)
      expect(gHeir.atMs).toBeLessThan(g.leaseEndMs)
      const lastBuy = g.events.filter((e) => e.kind === 'buy').at(-1)
      if (lastBuy !== undefined) expect(lastBuy.atMs).toBeLessThan(g.stopBuyingAtMs)

      // The heir is the newest child installed before the sweep (one installed after it, from a
      // server paid for earlier, may already be listed), and the payment went to that child's
      // wallet (family key tree).
      const lastInstalled = g.events.filter((e) => e.kind === 'installed' && e.atMs <= gHeir.atMs).at(-1)
      const heirTree = /child (\S+) installed/.exec(lastInstalled?.text ?? '')?.[1]
      expect(heirTree, JSON.stringify(g.events)).toBeDefined()
      expect(gHeir.text).toContain(`heir ${heirTree ?? '?'} (`)
      const child = g.children.find((c) => c.tree === heirTree)
      const childIndex = Number(child?.tree.split('.').at(-1))
      const { root: operatorRoot, params } = await operatorWallet(genesis.operatorHome)
      const genesisIndex = Number(genesis.tree.split('.').at(-1))
      const childWallet = deriveAccount(
        deriveChildRoot(deriveChildRoot(operatorRoot, genesisIndex), childIndex),
        params,
      )
      const tx = await world.chain.rpc<RawTx>('getrawtransaction', [txidOf(gHeir.text), true])
      const paidTo = tx.vout.map((o) => o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0])
      expect(paidTo).toContain(deriveAddress(childWallet, params, 0, 0).address)

      // The child: its lease end is its shop's, it pays its own heir in time, then its server dies.
      const childIp = child?.ip ?? ''
      const c = await watch(world, childIp, (l) => heirEvent(l) !== undefined, end)
      const cHeir = heirEvent(c)
      expect(cHeir, JSON.stringify(c?.events)).toBeDefined()
      if (c === undefined || cHeir === undefined) return
      expect(cHeir.atMs).toBeGreaterThanOrEqual(c.sweepAtMs)
      expect(c.leaseEndMs).toBeLessThan(c.birthMs + LEASE_DAYS * DAY_MS)
      let goneAtMs: number | undefined
      while (Date.now() < end && goneAtMs === undefined) {
        if (!provisioner.list().some((h) => h.ip === childIp)) goneAtMs = world.clock.nowMs()
        else await new Promise((r) => setTimeout(r, 1_000))
      }
      expect(goneAtMs, 'the shop destroys the child server at its lease end').toBeDefined()
      // The agent planned by the due date's start: its lease end is at most a world day before the
      // one the shop recorded, and the shop destroyed the server only once that lease had ended. (The
      // host's disappearance is seen by a 1 s poll, an hour of world time here, so it only bounds.)
      const shopEndMs = shopLeaseEndMs(worldLog, childIp)
      expect(shopEndMs, 'the shop logged the child server with its lease end').toBeDefined()
      expect(c.leaseEndMs).toBeLessThanOrEqual(shopEndMs ?? 0)
      expect(c.leaseEndMs).toBeGreaterThan((shopEndMs ?? 0) - DAY_MS)
      expect(goneAtMs ?? 0).toBeGreaterThanOrEqual(shopEndMs ?? Infinity)
      expect(cHeir.atMs).toBeLessThan(shopEndMs ?? 0)
      expect(await statusOf(world, childIp)).toBeUndefined()
      // The genesis server's lease ended too: its host is gone.
      expect(goneAtMs ?? 0).toBeGreaterThan(genesis.leaseEndMs)
      expect(provisioner.list().some((h) => h.ip === genesis.host.ip)).toBe(false)
    },
    BOUND_MS + 240_000,
  )
})
