/**
 * `qd.selector` in the agent's own choice (AGENT.md §7): the same catalogue, Q-table and genome
 * give the QD-learning favourite with `qtable` and the genome's roulette pick with `dna`.
 */
import { createMemoryLogger, createVirtualClock, type Rng } from '@dolly/base'
import {
  createFixedRateSource,
  createHttpSession,
  paymentWalletFrom,
  type VpsOption,
} from '@dolly/cloudomate'
import { createQTable, createRootGenome, offerId, updateQTable } from '@dolly/learning'
import {
  createMemoryChain,
  createWallet,
  deriveAccount,
  deriveAddress,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
} from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import { initialLifecycle } from '../../lifecycle/state.ts'
import { createMemoryShop } from '../adapters/memory-shop.ts'
import { createMemoryAgentStore } from '../adapters/memory-store.ts'
import type { AgentPorts } from '../ports.ts'
import { chooseNext } from './offers.ts'

const world = networkParams('world')
const NOW = 1_800_000_000_000
const root = mnemonicToRoot(
  'legal winner thank year wave sausage worth useful legal winner thank yellow',
  world,
)

const plan = (provider: string): VpsOption => ({
  provider,
  id: 'small',
  name: 'Small',
  cores: 1,
  memoryGB: 1,
  storageGB: 10,
  bandwidthTBPerMonth: 1,
  connectionGbps: 1,
  price: { cents: 500n, currency: 'USD', period: 'month' },
  virtualization: 'kvm',
  tunTap: false,
  inStock: true,
})

const self: AgentRecord = {
  format: 'dolly-agent',
  version: 1,
  tree: '0',
  parent: null,
  contacts: [],
  childIndex: 0,
  testnet: false,
  exitNode: false,
  createdAtMs: NOW,
  selfState: { provider: 'alpha', option: 'Small' },
}

/** Every draw at 0.1: the rank draw picks the top offer, the roulette the first share above 0.1. */
const fixedRng: Rng = { seeded: true, bytes: (n) => new Uint8Array(n), float: () => 0.1, int: () => 0 }

function portsWith(): Pick<AgentPorts, 'providers' | 'network' | 'clock' | 'rng' | 'log' | 'store'> {
  const clock = createVirtualClock(NOW)
  const log = createMemoryLogger()
  const chain = createMemoryChain({ network: world })
  const wallet = createWallet(
    { chain, store: openSqliteWalletStore(':memory:'), clock, logger: log },
    { network: world, account: deriveAccount(root, world), maxFeePercent: 100n },
  )
  const shop = (name: string) =>
    createMemoryShop(
      {
        chain,
        clock,
        invoiceAddress: (n) => {
          const a = deriveAddress(deriveAccount(root, world), world, 1, n)
          return { address: a.address, scriptHex: Buffer.from(a.script).toString('hex') }
        },
      },
      { name, plans: [plan(name)], satsPerUsd: 1_000n, leaseMs: 30 * 86_400_000 },
    )
  // QD-learning rates alpha highly from alpha; the genome's roulette gives alpha no weight.
  const alpha = offerId('alpha', 'Small')
  const beta = offerId('beta', 'Small')
  const table = updateQTable(createQTable([alpha, beta]), {
    attempted: alpha,
    current: alpha,
    success: true,
    reward: 1,
    remotes: [],
  })
  const genome = createRootGenome({ providers: ['alpha', 'beta'], version: '0.1.0', exitNode: false })
  const store = createMemoryAgentStore({
    record: self,
    genome: { ...genome, providerWeights: { alpha: 0, beta: 1 } },
  })
  store.qtable.save(table)
  return {
    clock,
    rng: fixedRng,
    log,
    network: world,
    store,
    providers: {
      drivers: new Map([
        ['alpha', shop('alpha')],
        ['beta', shop('beta')],
      ]),
      vpnDrivers: new Map(),
      purchase: {
        wallet: paymentWalletFrom(wallet),
        journal: store.journal,
        accounts: store.accounts,
        rates: createFixedRateSource(clock, { USD: 1_000n }),
        clock,
        rng: fixedRng,
        log,
        network: world,
        newSession: () =>
          createHttpSession({
            send: () => Promise.reject(new Error('the memory shop needs no HTTP')),
            clock,
            rng: fixedRng,
          }),
      },
    },
  }
}

describe('chooseNext and qd.selector', () => {
  it('chooses by the Q-table with `qtable` and by the genome roulette with `dna`', async () => {
    const state = initialLifecycle(NOW, 30 * 86_400_000)
    const ports = portsWith()
    const byTable = await chooseNext(ports, { vpnHost: undefined, selector: 'qtable' }, state, self)
    expect(byTable).toMatchObject({ provider: 'alpha', option: 'Small' })
    const byDefault = await chooseNext(ports, { vpnHost: undefined }, state, self)
    expect(byDefault).toMatchObject({ provider: 'alpha' })
    const byDna = await chooseNext(ports, { vpnHost: undefined, selector: 'dna' }, state, self)
    expect(byDna).toMatchObject({ provider: 'beta', option: 'Small' })
    // Both price the plan the same way: 500 cents at 1,000 sats per USD plus the fee reserve.
    expect(byDna?.priceSats).toBe(byTable?.priceSats)
  })

  it('chooses nothing with `dna` when the home has no genome', async () => {
    const ports = portsWith()
    const bare = { ...ports, store: createMemoryAgentStore({ record: self }) }
    const state = initialLifecycle(NOW, 30 * 86_400_000)
    expect(await chooseNext(bare, { vpnHost: undefined, selector: 'dna' }, state, self)).toBeUndefined()
  })
})
