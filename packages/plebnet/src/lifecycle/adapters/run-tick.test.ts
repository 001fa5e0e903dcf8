/**
 * The tick over a real wallet (memory chain) and a real purchase journal file: a journal problem or a
 * shop error must never escape the tick, and never stop the end-of-lease hand-over (issue 14).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createMemoryLogger,
  createSeededRng,
  createVirtualClock,
  noCheckpoint,
  type VirtualClock,
} from '@dolly/base'
import {
  WORLD_SHOPS,
  createFileJournalStore,
  createFixedRateSource,
  createHttpSession,
  createMemoryAccountStore,
  createWhmcsDriver,
  paymentWalletFrom,
  type VpsDriver,
} from '@dolly/cloudomate'
import {
  createMemoryChain,
  createWallet,
  deriveAccount,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
  type MemoryChain,
} from '@dolly/wallet'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readAgentConfig } from '../../config/agent-config.ts'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import { initialLifecycle, type LifecycleState, type PurchaseItem } from '../state.ts'
import type { AgentRuntime } from './agent-runtime.ts'
import { runTickWith, type TickDeps } from './run-tick.ts'
import { openLifecycleStore } from './state-store.ts'

const world = networkParams('world')
const NOW = 1_800_000_000_000
const agentRoot = mnemonicToRoot(
  'legal winner thank year wave sausage worth useful legal winner thank yellow',
  world,
)
const heirRoot = mnemonicToRoot(
  'letter advice cage absurd amount doctor acoustic avoid letter advice cage above',
  world,
)
const SHOP = WORLD_SHOPS[0]!

let home: string
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'run-tick-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

const record: AgentRecord = {
  format: 'dolly-agent',
  version: 1,
  tree: '0',
  parent: null,
  contacts: [],
  childIndex: 0,
  testnet: false,
  exitNode: false,
  createdAtMs: NOW - 86_400_000,
}

function item(fields: Partial<PurchaseItem>): PurchaseItem {
  return {
    id: 'p1',
    provider: SHOP.name,
    option: '1',
    priceSats: 10_000n,
    stage: 'buying',
    purchaseId: null,
    txid: null,
    ip: null,
    leaseEndMs: null,
    childTree: null,
    childIndex: null,
    attempts: 0,
    nextTryMs: NOW - 1,
    sinceMs: NOW - 60_000,
    ...fields,
  }
}

async function runtime(opts: {
  clock: VirtualClock
  chain: MemoryChain
  heirAddress: string
  driver?: (real: VpsDriver) => VpsDriver
}): Promise<{ rt: AgentRuntime; log: ReturnType<typeof createMemoryLogger> }> {
  const log = createMemoryLogger()
  const wallet = createWallet(
    { chain: opts.chain, store: openSqliteWalletStore(':memory:'), clock: opts.clock, logger: log },
    { network: world, account: deriveAccount(agentRoot, world), maxFeePercent: 100n },
  )
  const address = await wallet.receiveAddress()
  opts.chain.fund(Buffer.from(address.script).toString('hex'), 50_000_000n)
  opts.chain.mine(1)
  const real = createWhmcsDriver({ ...SHOP, baseUrl: 'http://127.0.0.1:9' })
  const journal = createFileJournalStore(join(home, 'purchase_journal.jsonl'), log)
  const accounts = createMemoryAccountStore()
  const rng = createSeededRng('tick')
  const newSession = () =>
    createHttpSession({
      send: async () => Promise.reject(new Error('no network in this test')),
      clock: opts.clock,
      rng,
    })
  const rt: AgentRuntime = {
    home,
    config: { ...readAgentConfig('', {}), btcGlobal: opts.heirAddress },
    clock: opts.clock,
    wallet,
    chain: opts.chain,
    walletRoot: agentRoot,
    network: world,
    drivers: new Map([[SHOP.name, opts.driver?.(real) ?? real]]),
    rates: createFixedRateSource(opts.clock, { USD: 1000n }),
    vpnDrivers: new Map(),
    journal,
    accounts,
    purchaseDeps: {
      wallet: paymentWalletFrom(wallet),
      journal,
      accounts,
      rates: createFixedRateSource(opts.clock, { USD: 1000n }),
      clock: opts.clock,
      rng,
      log,
      newSession,
      network: world,
      checkpoint: noCheckpoint,
    },
    checkpoint: noCheckpoint,
    close: () => undefined,
  }
  return { rt, log }
}

function tickDeps(clock: VirtualClock, log: ReturnType<typeof createMemoryLogger>): TickDeps {
  return { rng: createSeededRng('deps'), log, env: {}, realClock: clock, agentAlive: async () => false }
}

describe('runTickWith', () => {
  it('pays the heir at the end of the lease although the purchase journal is corrupt in the middle', async () => {
    const clock = createVirtualClock(NOW)
    const chain = createMemoryChain({ network: world })
    const heirWallet = createWallet(
      { chain, store: openSqliteWalletStore(':memory:'), clock, logger: createMemoryLogger() },
      { network: world, account: deriveAccount(heirRoot, world) },
    )
    const heir = await heirWallet.receiveAddress()
    const { rt, log } = await runtime({ clock, chain, heirAddress: heir.address })
    await writeFile(
      join(home, 'purchase_journal.jsonl'),
      `${JSON.stringify({ purchaseId: 'a1', state: 'started', atMs: NOW - 5, provider: SHOP.name, optionId: '1' })}\n` +
        'this line is not json\n' +
        `${JSON.stringify({ purchaseId: 'a1', state: 'failed', atMs: NOW - 4, reason: 'x' })}\n`,
    )
    const store = openLifecycleStore(':memory:')
    // A purchase was in flight when the lease entered its last hour (the sweep window).
    const state: LifecycleState = {
      ...initialLifecycle(NOW - 86_400_000, 0, NOW + 60_000),
      items: [item({})],
    }
    store.save(state)
    try {
      const report = await runTickWith(tickDeps(clock, log), rt, store, record)
      expect(report.effects.slice(0, 2)).toEqual(['buy', 'pay-heir'])
      expect(report.state).toMatchObject({ heirPaid: true, items: [{ id: 'p1', stage: 'failed' }] })
      expect(report.state?.events.map((e) => e.text).join('\n')).toContain('CLOUDOMATE_JOURNAL_MALFORMED')
      chain.mine(1)
      expect((await heirWallet.balance()).confirmedSats).toBeGreaterThan(49_000_000n)
      expect(log.entries.some((e) => e.event === 'tick.purchase_journal_unreadable')).toBe(true)
    } finally {
      store.close()
    }
  })

  it('turns an uncoded shop error during check-active into a coded, backed-off retry; the item stays', async () => {
    const clock = createVirtualClock(NOW)
    const chain = createMemoryChain({ network: world })
    const { rt, log } = await runtime({
      clock,
      chain,
      heirAddress: (
        await createWallet(
          { chain, store: openSqliteWalletStore(':memory:'), clock, logger: createMemoryLogger() },
          { network: world, account: deriveAccount(heirRoot, world) },
        ).receiveAddress()
      ).address,
      // A driver bug or a hostile page: `new URL('http://[')` throws a TypeError without a code.
      driver: (real) => ({
        ...real,
        state: async () => Promise.reject(new TypeError('Invalid URL: http://[')),
      }),
    })
    await rt.accounts.save({
      purchaseId: 'abcdef0123456789',
      provider: SHOP.name,
      optionId: '1',
      settings: {},
      data: {},
    })
    const store = openLifecycleStore(':memory:')
    const state: LifecycleState = {
      ...initialLifecycle(NOW - 86_400_000, 0, NOW + 365 * 86_400_000),
      items: [item({ stage: 'bought', purchaseId: 'abcdef0123456789', txid: 'ff'.repeat(32) })],
    }
    store.save(state)
    try {
      const report = await runTickWith(tickDeps(clock, log), rt, store, record)
      expect(report.effects[0]).toBe('check-active')
      const after = report.state?.items[0]
      expect(after).toMatchObject({ stage: 'bought', attempts: 1 })
      expect(after?.nextTryMs).toBeGreaterThan(NOW)
      expect(log.entries).toContainEqual(
        expect.objectContaining({
          event: 'tick.service_state_failed',
          fields: expect.objectContaining({ code: 'LIFECYCLE_SHOP_UNREADABLE' }),
        }),
      )
    } finally {
      store.close()
    }
  })
})
