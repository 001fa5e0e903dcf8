import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNullLogger, createSeededRng, createVirtualClock, type Rng } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import { generateIdentity, bytesToHex } from '@dolly/base'
import {
  chooseOffer,
  type OfferInfo,
  type LearnPorts,
  type RemoteTables,
  createQTable,
  qValue,
  updateQTable,
  type QTable,
  EMPTY_INBOX,
} from '@dolly/learning'
import {
  createAgentNetwork,
  type AgentNetwork,
  createMemoryOverlay,
  overlayRemoteTables,
} from '@dolly/overlay'
import { initialLifecycle } from '../state.ts'
import { learn, loadQTable } from './offers.ts'

/**
 * Issue 15 item 4: two agents exchange their Q-tables by gossip (the overlay on the memory
 * transport), learn through the tick's own `learn` with the remote tables their overlay received,
 * and each one's next choice changes because of the other's table. The same run with the remotes
 * forced empty (what `remotes: []` did) leaves both choices as the agents' own learning alone makes
 * them. Two agents merge each other's table only with trim F = 0: with the production F = 1 a cell
 * needs at least three remote values before any survives the trim (ALGORITHMS.md §2.3), which the
 * second case shows with three relatives.
 */

const homes: string[] = []
afterEach(async () => {
  for (const h of homes.splice(0)) await rm(h, { recursive: true, force: true })
})

// Both agents live on linevast/basic; b, x and y are the offers they may buy, b the cheapest.
const SELF = { provider: 'linevast', option: 'basic' }
const [B, X, Y] = ['linevast_basic', 'linevast_pro', 'qhoster_small'] as const
const offer = (id: string, provider: string, option: string, priceSats: bigint): OfferInfo => ({
  id,
  provider,
  option,
  priceSats,
  priceUsdCents: Number(priceSats / 10n),
  available: true,
  memoryGB: 1,
  cores: 1,
  bandwidthGB: null,
})
const CATALOGUE = [
  offer(B, 'linevast', 'basic', 1_000n),
  offer(X, 'linevast', 'pro', 2_000n),
  offer(Y, 'qhoster', 'small', 3_000n),
]

const record = (tree: string): AgentRecord => ({
  format: 'dolly-agent',
  version: 1,
  tree,
  parent: null,
  contacts: [],
  childIndex: 0,
  testnet: false,
  exitNode: false,
  createdAtMs: 0,
  selfState: SELF,
})

/** An Rng whose every float is `u`: the choice's rank draw, fixed. */
const fixedU = (u: number): Rng => ({ ...createSeededRng('u'), float: () => u })

interface Run {
  /** A's choice after learning twice (U = 0.6: the second-ranked offer). */
  readonly choiceA: string | undefined
  /** B's choice after learning once (U = 0: the top-ranked offer). */
  readonly choiceB: string | undefined
  /** Whether each agent's overlay held the other's table when it learned. */
  readonly heard: { readonly a: boolean; readonly b: boolean }
}

/**
 * A fails to buy b, publishes its table; B, having heard it, fails to buy y and publishes; A, having
 * heard B, fails to buy y. `forceEmpty` hands `learn` no remote tables although gossip ran.
 */
async function run(forceEmpty: boolean): Promise<Run> {
  const clock = createVirtualClock(1_700_000_000_000)
  const overlay = createMemoryOverlay()
  const ids = [generateIdentity(createSeededRng('learn-a')), generateIdentity(createSeededRng('learn-b'))]
  const hex = ids.map((i) => bytesToHex(i.publicKey))
  // Each names the other in its own records (a parent and its child): family.
  const networks: AgentNetwork[] = ids.map((identity, i) =>
    createAgentNetwork(
      {
        clock,
        rng: createSeededRng(`learn-net-${i}`),
        log: createNullLogger(),
        identity,
        transport: overlay.transport(identity.publicKey),
      },
      {
        treePath: i === 0 ? 'root' : 'root.0',
        bootstrap: [{ id: hex[1 - i] ?? '', addrs: [`mem/${hex[1 - i] ?? ''}`] }],
        loops: false,
      },
    ),
  )
  const [netA, netB] = networks
  if (netA === undefined || netB === undefined) throw new Error('two networks')
  const overlays = [overlayRemoteTables(netA), overlayRemoteTables(netB)]
  const [home0, home1] = [
    await mkdtemp(join(tmpdir(), 'dolly-learn-a-')),
    await mkdtemp(join(tmpdir(), 'dolly-learn-b-')),
  ]
  homes.push(home0, home1)
  const none: RemoteTables = {
    pending: () => Promise.resolve(EMPTY_INBOX),
    markUsed: () => Promise.resolve(),
  }
  const ports = (i: 0 | 1): LearnPorts => ({
    remoteTables: forceEmpty ? none : (overlays[i] ?? none),
    earnings: { earnedMbSince: () => Promise.resolve(0) },
    options: { trimF: 0 },
  })
  const gossip = async (): Promise<void> => {
    for (let r = 0; r < 3; r++) {
      await clock.advance(1_000)
      await netA.antiEntropyOnce()
      await netB.antiEntropyOnce()
    }
  }
  const holds = async (i: 0 | 1): Promise<boolean> =>
    (await overlays[i]?.pending())?.entries.some(
      (e) => e.senderId === hex[1 - i] && e.standing === 'family',
    ) ?? false
  try {
    await netA.start()
    await netB.start()
    const state = initialLifecycle(clock.nowMs(), 30 * 86_400_000)
    const rt = (home: string) => ({ home, clock })

    await learn(rt(home0), state, record('root'), { provider: 'linevast', option: 'basic' }, false, ports(0))
    netA.publishQTable(await loadQTable(home0, []))
    await gossip()
    const heardB = await holds(1)
    await learn(rt(home1), state, record('root.0'), { provider: 'qhoster', option: 'small' }, false, ports(1))
    netB.publishQTable(await loadQTable(home1, []))
    await gossip()
    const heardA = await holds(0)
    await learn(rt(home0), state, record('root'), { provider: 'qhoster', option: 'small' }, false, ports(0))

    const choose = async (home: string, u: number): Promise<string | undefined> =>
      chooseOffer(
        {
          table: await loadQTable(home, []),
          current: B,
          tree: 'root',
          catalogue: CATALOGUE,
          filter: { excludedProviders: [] },
        },
        fixedU(u),
      )?.id
    return {
      choiceA: await choose(home0, 0.6),
      choiceB: await choose(home1, 0),
      heard: { a: heardA, b: heardB },
    }
  } finally {
    for (const o of overlays) o.close()
    await netB.stop()
    await netA.stop()
  }
}

describe('learning from gossiped Q-tables (issue 15 item 4)', () => {
  it("two agents exchanging tables by gossip change each other's next choice; with remotes: [] they do not", async () => {
    const gossiped = await run(false)
    const alone = await run(true)
    // Both runs gossiped: each overlay held the other's table, as family.
    expect(gossiped.heard).toEqual({ a: true, b: true })
    expect(alone.heard).toEqual({ a: true, b: true })

    // Alone, B's row is [b 0, x 0, y −0.32]: b and x tie and b is cheaper, so B buys b again.
    // With A's table (A learned b is bad: −0.32) the consensus moves B's b to −0.064, and x leads.
    expect(alone.choiceB).toBe(B)
    expect(gossiped.choiceB).toBe(X)

    // Alone, A's row is [b −0.38304, x 0, y −0.32]: second place is y. With B's table (y −0.32,
    // b −0.064) A's y falls to −0.384 and its b rises to −0.328768: second place is b.
    expect(alone.choiceA).toBe(Y)
    expect(gossiped.choiceA).toBe(B)
  })
})

/** A table that failed to buy b (its own offer) `n` times: column b ever more negative. */
function failedOnB(n: number): QTable {
  let t = createQTable([B, X, Y])
  for (let i = 0; i < n; i++)
    t = updateQTable(t, { attempted: B, current: B, success: false, reward: 0, remotes: [] })
  return t
}

/**
 * A learner with three relatives (parent and two siblings by its records) under the production
 * options (trim F = 1, 8 remotes): each relative failed on b once, twice, three times and gossiped
 * its table; the learner then fails to buy y. Returns its choice at U = 0.
 */
async function learnerWithRelatives(
  forceEmpty: boolean,
): Promise<{ choice: string | undefined; merged: number; qbb: number | undefined }> {
  const clock = createVirtualClock(1_700_000_000_000)
  const overlay = createMemoryOverlay()
  const ids = [0, 1, 2, 3].map((i) => generateIdentity(createSeededRng(`relatives-${i}`)))
  const hex = ids.map((i) => bytesToHex(i.publicKey))
  const peer = (i: number) => ({ id: hex[i] ?? '', addrs: [`mem/${hex[i] ?? ''}`] })
  const networks = ids.map((identity, i) =>
    createAgentNetwork(
      {
        clock,
        rng: createSeededRng(`relatives-net-${i}`),
        log: createNullLogger(),
        identity,
        transport: overlay.transport(identity.publicKey),
      },
      // Agent 0 is the learner; it names the three others, and each of them names it.
      {
        treePath: i === 0 ? 'root.0' : `root.${i}`,
        bootstrap: i === 0 ? [peer(1), peer(2), peer(3)] : [peer(0)],
        loops: false,
      },
    ),
  )
  const [learner] = networks
  if (learner === undefined) throw new Error('no learner')
  const inbox = overlayRemoteTables(learner)
  const home = await mkdtemp(join(tmpdir(), 'dolly-learn-relatives-'))
  homes.push(home)
  try {
    for (const n of networks) await n.start()
    networks.slice(1).forEach((n, i) => n.publishQTable(failedOnB(i + 1)))
    for (let r = 0; r < 4; r++) {
      await clock.advance(1_000)
      for (const n of networks) await n.antiEntropyOnce()
    }
    const merged = (await inbox.pending()).entries.filter((e) => e.standing === 'family').length
    const none: RemoteTables = {
      pending: () => Promise.resolve(EMPTY_INBOX),
      markUsed: () => Promise.resolve(),
    }
    await learn(
      { home, clock },
      initialLifecycle(clock.nowMs(), 30 * 86_400_000),
      record('root.0'),
      { provider: 'qhoster', option: 'small' },
      false,
      { remoteTables: forceEmpty ? none : inbox, earnings: { earnedMbSince: () => Promise.resolve(0) } },
    )
    const table = await loadQTable(home, [])
    const choice = chooseOffer(
      {
        table,
        current: B,
        tree: 'root.0',
        catalogue: CATALOGUE,
        filter: { excludedProviders: [] },
      },
      fixedU(0),
    )?.id
    return { choice, merged, qbb: qValue(table, B, B) }
  } finally {
    inbox.close()
    for (const n of networks) await n.stop()
  }
}

describe('learning from gossiped Q-tables under the production trim (F = 1)', () => {
  it("three relatives' tables, trimmed to the middle one, change the learner's choice; with remotes: [] they do not", async () => {
    const gossiped = await learnerWithRelatives(false)
    const alone = await learnerWithRelatives(true)
    expect(gossiped.merged).toBe(3)
    expect(alone.merged).toBe(3)
    // Alone: row b is [b 0, x 0, y −0.32] and the cheaper b wins the tie. With the relatives, the
    // middle value of column b (−0.69824, two failures) pulls the learner's b to −0.139648: x leads.
    expect(alone.choice).toBe(B)
    expect(alone.qbb).toBe(0)
    expect(gossiped.choice).toBe(X)
    expect(gossiped.qbb).toBeCloseTo(-0.139648, 9)
  })
})
