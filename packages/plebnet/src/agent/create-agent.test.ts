/**
 * A whole life of the agent in memory (issue 15): the same `createAgent` the daemon builds, over a
 * memory store, a real wallet on a memory chain, a memory shop that provisions once the chain holds
 * its payment, a memory installer and a virtual clock. Buy → active → install → dowry → end of lease →
 * hand-over to the heir, with every sat accounted for, in milliseconds: no world, no network.
 */
import {
  createMemoryLogger,
  createNullLogger,
  createSeededRng,
  createVirtualClock,
  noCheckpoint,
  type VirtualClock,
} from '@dolly/base'
import {
  createFixedRateSource,
  createHttpSession,
  paymentWalletFrom,
  type VpsDriver,
  type VpsOption,
} from '@dolly/cloudomate'
import {
  createMemoryChain,
  createWallet,
  deriveAccount,
  deriveAddress,
  deriveChildRoot,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
  WalletError,
  type MemoryChain,
  type Wallet,
} from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import { readAgentConfig } from '../config/agent-config.ts'
import { childTreePath, type AgentRecord } from '../daemon/agent-record.ts'
import { createRootGenome, offerId } from '@dolly/learning'
import { agentOptionsFrom } from './adapters/ports-from-runtime.ts'
import { createMemoryShop } from './adapters/memory-shop.ts'
import { createMemoryTokenMarket, type MemoryTokenMarket } from './adapters/memory-market.ts'
import { MB_BYTES } from './effects/sell.ts'
import { FEE_RESERVE_SATS } from './effects/offers.ts'
import { createMemoryAgentStore, type MemoryAgentStore } from './adapters/memory-store.ts'
import { createAgent } from './create-agent.ts'
import { DOWRY_RETRY_MS } from '../lifecycle/state.ts'
import type { AgentPorts, InstallTarget } from './ports.ts'
import { createPostman, type Postman } from '../postcard/postman.ts'
import type { MailMessage, PostcardJournal } from '../postcard/postcard.ts'

const world = networkParams('world')
const NOW = 1_800_000_000_000
const DAY = 86_400_000
const SATS_PER_USD = 1_000n
const FUNDED = 30_000n
const agentRoot = mnemonicToRoot(
  'legal winner thank year wave sausage worth useful legal winner thank yellow',
  world,
)
const shopRoot = mnemonicToRoot(
  'letter advice cage absurd amount doctor acoustic avoid letter advice cage above',
  world,
)
const shopAccount = deriveAccount(shopRoot, world)

const PLAN: VpsOption = {
  provider: 'memhost',
  id: 'small',
  name: 'Small VPS',
  cores: 1,
  memoryGB: 1,
  storageGB: 10,
  bandwidthTBPerMonth: 1,
  connectionGbps: 1,
  price: { cents: 500n, currency: 'USD', period: 'month' },
  virtualization: 'kvm',
  tunTap: true,
  inStock: true,
}

const record: AgentRecord = {
  format: 'dolly-agent',
  version: 1,
  tree: '0',
  parent: null,
  contacts: [],
  childIndex: 0,
  testnet: false,
  exitNode: false,
  createdAtMs: NOW - DAY,
  leaseEndMs: NOW + 10 * DAY,
}

/** The child's first receive address: what the parent pays the dowry and the heir's coins to. */
function childAddress(index: number): { address: string; scriptHex: string } {
  const a = deriveAddress(deriveAccount(deriveChildRoot(agentRoot, index), world), world, 0, 0)
  return { address: a.address, scriptHex: Buffer.from(a.script).toString('hex') }
}

function sumAt(chain: MemoryChain, scriptHex: string): bigint {
  return chain
    .allUnspent()
    .filter((u) => u.scriptHex === scriptHex)
    .reduce((sum, u) => sum + u.valueSats, 0n)
}

async function life(opts: {
  childAnswers: boolean
  record?: AgentRecord
  funded?: bigint
  market?: MemoryTokenMarket
  postman?: (clock: VirtualClock) => Postman
  /** Wraps the agent's wallet (the test's own view stays the real one). */
  wrapWallet?: (wallet: Wallet) => Wallet
}) {
  const self = opts.record ?? record
  const clock: VirtualClock = createVirtualClock(NOW)
  const chain = createMemoryChain({ network: world })
  const log = createMemoryLogger()
  const rng = createSeededRng('agent-life')
  const wallet = createWallet(
    { chain, store: openSqliteWalletStore(':memory:'), clock, logger: log },
    { network: world, account: deriveAccount(agentRoot, world), maxFeePercent: 100n },
  )
  const funding = await wallet.receiveAddress()
  chain.fund(Buffer.from(funding.script).toString('hex'), opts.funded ?? FUNDED)
  chain.mine(1)
  const store: MemoryAgentStore = createMemoryAgentStore({
    record: self,
    genome: createRootGenome({ providers: [PLAN.provider], version: '0.1.0', exitNode: false }),
  })
  const shop = createMemoryShop(
    {
      chain,
      clock,
      invoiceAddress: (n) => {
        const a = deriveAddress(shopAccount, world, 0, n)
        return { address: a.address, scriptHex: Buffer.from(a.script).toString('hex') }
      },
    },
    { name: PLAN.provider, plans: [PLAN], satsPerUsd: SATS_PER_USD, leaseMs: 30 * DAY },
  )
  const installs: InstallTarget[] = []
  const children = new Set<string>()
  const ports: AgentPorts = {
    clock,
    rng,
    log,
    wallet: opts.wrapWallet?.(wallet) ?? wallet,
    walletRoot: agentRoot,
    network: world,
    providers: {
      drivers: new Map([[PLAN.provider, shop]]),
      vpnDrivers: new Map(),
      purchase: {
        wallet: paymentWalletFrom(wallet),
        journal: store.journal,
        accounts: store.accounts,
        rates: createFixedRateSource(clock, { USD: SATS_PER_USD }),
        clock,
        rng,
        log,
        network: world,
        newSession: () =>
          createHttpSession({
            send: () => Promise.reject(new Error('the memory shop needs no HTTP')),
            clock,
            rng,
          }),
      },
    },
    installer: (target) => {
      installs.push(target)
      const index = installs.length - 1
      const tree = childTreePath(self.tree, index)
      children.add(tree)
      return Promise.resolve({ tree, index })
    },
    probe: (_host, tree) =>
      Promise.resolve(children.has(tree) ? opts.childAnswers : tree === self.parent?.tree),
    store,
    checkpoint: noCheckpoint,
    ...(opts.market === undefined ? {} : { market: opts.market }),
    ...(opts.postman === undefined ? {} : { postman: opts.postman(clock) }),
  }
  const options = agentOptionsFrom({ ...readAgentConfig('', {}), btcGlobal: undefined })
  return {
    clock,
    chain,
    log,
    wallet,
    store,
    shop,
    installs,
    ports,
    options,
    agent: createAgent(ports, options),
  }
}

describe('createAgent: a whole life in memory', () => {
  it('mails one postcard for the installed child, beside the tick, and not again after a restart', async () => {
    const mails: MailMessage[] = []
    let journal: PostcardJournal | undefined
    const postman = (clock: VirtualClock): Postman =>
      createPostman(
        {
          mailer: { send: (m) => Promise.resolve(void mails.push(m)) },
          childFacts: { facts: () => Promise.resolve({ rootPassword: 'child-root-pw-1' }) },
          journal: {
            load: () => Promise.resolve(journal),
            save: (j) => Promise.resolve(void (journal = j)),
          },
          clock,
          log: createNullLogger(),
        },
        { includeSecrets: false },
      )
    const { clock, chain, agent, shop, ports, options } = await life({ childAnswers: true, postman })
    await agent.tick()
    await agent.settled()
    expect(mails).toEqual([])
    chain.mine(1)
    clock.advance(2 * 60_000)
    const second = await agent.tick()
    expect(second.effects).toContain('install')
    await agent.settled()
    expect(mails).toHaveLength(1)
    expect(mails[0]?.subject).toBe('PlebNet child 0.0 is alive')
    expect(mails[0]?.text).toContain(`IP:            ${shop.servers()[0]?.ip ?? '?'}`)
    expect(mails[0]?.text).not.toContain('child-root-pw-1')
    // The same home after a restart: a new agent over the same journal sends nothing more.
    const again = createAgent({ ...ports, postman: postman(clock) }, options)
    await again.tick()
    await again.settled()
    expect(mails).toHaveLength(1)
    expect(journal?.entries).toMatchObject([{ childTree: '0.0', attempts: 1 }])
  })

  it('bounds an install by a deadline that no longer waits once the install returned', async () => {
    // AbortSignal.timeout could not be cleared: each install left a timer of up to 24.8 days behind,
    // one per birth in a simulated fleet. The deadline now waits on the agent's clock.
    const l = await life({ childAnswers: true })
    const during: { signal: AbortSignal | undefined; waiting: number }[] = []
    const agent = createAgent(
      {
        ...l.ports,
        installer: (target) => {
          during.push({ signal: target.signal, waiting: l.clock.pending() })
          return l.ports.installer(target)
        },
      },
      l.options,
    )
    await agent.tick()
    l.chain.mine(1)
    await l.clock.advance(2 * 60_000)
    const waitingBefore = l.clock.pending()
    expect((await agent.tick()).effects).toContain('install')
    expect(during).toHaveLength(1)
    expect(during[0]?.signal?.aborted).toBe(false)
    expect(during[0]?.waiting).toBe(waitingBefore + 1)
    expect(l.clock.pending()).toBe(waitingBefore)
  })

  it('buys, installs, pays the dowry and hands every sat over to its child at the end of the lease', async () => {
    const started = performance.now()
    const { clock, chain, wallet, store, shop, installs, agent, options } = await life({ childAnswers: true })
    expect(agent.status()).toBeUndefined()

    // Tick 1: an offer is chosen and bought; the shop waits for the payment to confirm.
    const first = await agent.tick()
    expect(first.effects).toEqual(['buy', 'check-active'])
    expect(first.idle).toBe('WAITING')
    expect(first.state?.items).toMatchObject([{ id: 'p0', provider: 'memhost', stage: 'bought' }])
    const price = centsToSatsOf(PLAN)
    const invoice = store.journal
    expect((await invoice.readAll()).map((e) => e.state)).toEqual(
      expect.arrayContaining(['started', 'quoted', 'paying', 'paid']),
    )
    // It learned from the purchase: the Q-table knows the offer, the genome was evolved.
    expect(store.qtable.peek()?.offers).toContain(offerId(PLAN.provider, PLAN.name))
    expect(agent.status()?.qtable).not.toBeNull()

    // Tick 2, after the payment confirmed and the backoff passed: active, installed, dowered.
    chain.mine(1)
    clock.advance(2 * 60_000)
    const second = await agent.tick()
    expect(second.effects).toEqual(['check-active', 'install', 'dowry'])
    expect(second.state?.items).toMatchObject([
      { stage: 'dowered', ip: shop.servers()[0]?.ip, childTree: '0.0', childIndex: 0 },
    ])
    expect(installs).toHaveLength(1)
    expect(installs[0]).toMatchObject({
      ip: shop.servers()[0]?.ip,
      rootPassword: shop.servers()[0]?.rootPassword,
      handover: { state: { provider: 'memhost', option: 'Small VPS' } },
    })
    // The next child would not leave the fee reserve: nothing more is bought.
    expect(second.idle).toBe('FUNDS_LOW')
    chain.mine(1)
    const child = childAddress(0)
    const dowry = sumAt(chain, child.scriptHex)
    expect(dowry).toBeGreaterThan(0n)

    // Tick 3, inside the sweep window before the lease ends: everything goes to the child.
    const leaseEnd = record.leaseEndMs ?? 0
    clock.advance(leaseEnd - options.policy.sweepBeforeMs / 2 - clock.nowMs())
    const third = await agent.tick()
    expect(third.effects).toEqual(['pay-heir'])
    expect(third.state).toMatchObject({ heirPaid: true })
    expect(third.idle).toBe('DONE')
    expect(agent.status()).toMatchObject({ idle: 'DONE', children: [{ tree: '0.0' }] })
    chain.mine(1)

    // Conservation: what was funded is at the shop, at the child, or paid as fees; nothing is left.
    expect((await wallet.balance()).confirmedSats).toBe(0n)
    const shopSats = shop.servers().length === 1 ? sumAt(chain, invoiceScript(0)) : -1n
    expect(shopSats).toBe(price)
    const fees = wallet.history().payments.reduce((sum, p) => sum + p.feeSats, 0n)
    expect(wallet.history().payments).toHaveLength(3)
    const atChild = sumAt(chain, child.scriptHex)
    expect(atChild).toBeGreaterThan(dowry)
    expect(shopSats + atChild + fees).toBe(FUNDED)
    expect(chain.allUnspent().reduce((sum, u) => sum + u.valueSats, 0n)).toBe(FUNDED - fees)
    // No world, no network: the whole life runs in well under a few seconds of real time.
    expect(performance.now() - started).toBeLessThan(5_000)
  })

  it.each([
    ['WALLET_FEE_TOO_HIGH', 'fee 4884 sats is more than 100% of the 3763 sats amount'],
    ['WALLET_INSUFFICIENT_FUNDS', 'need 9182 sats including about 5860 sats fee, 9008 spendable'],
  ] as const)(
    'defers a dowry its wallet refuses as too costly (%s), goes on to sell in the same tick, and pays it on a later tick',
    async (code, message) => {
      let refusals = 0
      const market = createMemoryTokenMarket(createVirtualClock(NOW), { balanceBytes: 300n * MB_BYTES })
      const { clock, chain, wallet, agent } = await life({
        childAnswers: true,
        market,
        // The world run's case: a parent whose coins are many small trade payments (the fee of
        // spending them all is more than the dowry). The wallet refuses before it journals anything.
        wrapWallet: (w) => ({
          ...w,
          send: (request) => {
            if (!request.purpose.startsWith('dowry') || refusals > 0) return w.send(request)
            refusals++
            return Promise.reject(new WalletError(code, message, {}))
          },
        }),
      })
      await agent.tick()
      chain.mine(1)
      clock.advance(2 * 60_000)
      const second = await agent.tick()
      // The dowry was tried and deferred; the tick did not throw but went on (here to buy again with
      // the coins the dowry left, as with a dowry below the dust limit), and its sell step ran.
      expect(second.effects.slice(0, 3)).toEqual(['check-active', 'install', 'dowry'])
      expect(refusals).toBe(1)
      expect(second.state?.items[0]).toMatchObject({ stage: 'installed', childTree: '0.0' })
      expect(second.state?.events.some((e) => e.kind === 'dowry-deferred')).toBe(true)
      expect(second.sell).toBeDefined()
      // Not tried again before its retry time...
      clock.advance(60_000)
      expect((await agent.tick()).effects).not.toContain('dowry')
      // ...and paid after it, once the parent holds coins again (it spent the rest on a second server).
      const topUp = await wallet.receiveAddress()
      chain.fund(Buffer.from(topUp.script).toString('hex'), 50_000n)
      chain.mine(1)
      clock.advance(DOWRY_RETRY_MS)
      const later = await agent.tick()
      expect(later.effects).toContain('dowry')
      expect(later.state?.items[0]).toMatchObject({ stage: 'dowered' })
    },
  )

  it('hands over to its parent when its child does not answer at the end of the lease', async () => {
    const parentAddress = deriveAddress(deriveAccount(shopRoot, world), world, 0, 99)
    const { clock, chain, agent, options, store } = await life({
      childAnswers: false,
      record: {
        ...record,
        tree: '0.3',
        parent: { publicKey: 'ab'.repeat(32), tree: '0', host: '10.9.9.9', statusPort: 8480 },
        parentAddress: parentAddress.address,
      },
    })
    await agent.tick()
    chain.mine(1)
    clock.advance(2 * 60_000)
    expect((await agent.tick()).effects).toEqual(['check-active', 'install', 'dowry'])
    chain.mine(1)
    const leaseEnd = record.leaseEndMs ?? 0
    clock.advance(leaseEnd - options.policy.sweepBeforeMs / 2 - clock.nowMs())
    const last = await agent.tick()
    expect(last.effects).toEqual(['pay-heir'])
    expect(last.state?.events.map((e) => e.text).join('\n')).toContain('parent 0')
    chain.mine(1)
    const atParent = sumAt(chain, Buffer.from(parentAddress.script).toString('hex'))
    expect(atParent).toBeGreaterThan(0n)
    expect(store.lifecycle.load()).toMatchObject({ heirPaid: true, items: [{ childTree: '0.3.0' }] })
  })
})

/** Puts `driver` in the place of the test's one shop (the agent holds the same registry). */
function replaceShop(ports: AgentPorts, driver: VpsDriver): void {
  ;(ports.providers.drivers as Map<string, VpsDriver>).set(PLAN.provider, driver)
}

describe('createAgent: the offer refresh (AGENT.md §3.2)', () => {
  it('reads the shops once per daemon.offer_refresh, and a purchase reads its own shop afresh', async () => {
    const { clock, chain, wallet, agent, ports, options, shop } = await life({
      childAnswers: true,
      funded: 2_000n,
    })
    expect(options.offerRefreshMs).toBe(DAY)
    let reads = 0
    replaceShop(ports, {
      ...shop,
      options: (ctx) => {
        reads += 1
        return shop.options(ctx)
      },
    })
    // Short of coins, every tick chooses its next offer: from the listing read on the first.
    expect((await agent.tick()).idle).toBe('FUNDS_LOW')
    expect(reads).toBe(1)
    clock.advance(DAY / 2)
    expect((await agent.tick()).idle).toBe('FUNDS_LOW')
    expect(reads).toBe(1)
    // A day after the read the shop is read again.
    clock.advance(DAY / 2)
    expect((await agent.tick()).idle).toBe('FUNDS_LOW')
    expect(reads).toBe(2)
    // Funded, the tick chooses from the listing and the purchase reads the shop's plan as it is now.
    const funding = await wallet.receiveAddress()
    chain.fund(Buffer.from(funding.script).toString('hex'), FUNDED)
    chain.mine(1)
    clock.advance(60_000)
    const buying = await agent.tick()
    expect(buying.effects).toContain('buy')
    expect(buying.state?.items).toMatchObject([{ provider: PLAN.provider, stage: 'bought' }])
    expect(reads).toBe(3)
  })

  it('re-reads a shop that did not answer on the next tick instead of keeping its silence', async () => {
    const { clock, agent, ports, shop, log } = await life({ childAnswers: true, funded: 2_000n })
    let reads = 0
    replaceShop(ports, {
      ...shop,
      options: (ctx) => {
        reads += 1
        return reads === 1 ? Promise.reject(new Error('connection reset')) : shop.options(ctx)
      },
    })
    // Nothing listed: nothing to price, nothing chosen.
    expect((await agent.tick()).idle).toBe('NO_OFFER')
    expect(log.entries.some((e) => e.event === 'tick.shop_unreachable')).toBe(true)
    clock.advance(60_000)
    expect((await agent.tick()).idle).toBe('FUNDS_LOW')
    expect(reads).toBe(2)
    clock.advance(60_000)
    await agent.tick()
    expect(reads).toBe(2)
  })
})

describe('createAgent: selling tokens in the tick (issue 17)', () => {
  it('an agent short of coins offers its MB for what the next server costs; its status says so', async () => {
    const market = createMemoryTokenMarket(createVirtualClock(NOW), { balanceBytes: 300n * MB_BYTES })
    const { agent } = await life({ childAnswers: true, funded: 2_000n, market })
    const report = await agent.tick()
    expect(report.idle).toBe('FUNDS_LOW')
    // replicationPrice = ceil((plan + fee reserve) · 1.15), less the 2 000 sats it holds.
    const need = ((centsToSatsOf(PLAN) + FEE_RESERVE_SATS) * 115n + 99n) / 100n - 2_000n
    expect(report.sell).toMatchObject({ strategy: 'constant_sell', rule: 'constant:offer' })
    expect([...market.asks.values()].map((a) => [a.mbBytes, a.sats])).toEqual([[300n * MB_BYTES, need]])
    expect(report.status).toMatchObject({
      earning: 'not earning',
      market: 'selling',
      selling: { placed: { number: 1, mbBytes: String(300n * MB_BYTES), sats: String(need) } },
    })
  })

  it('without a market port the agent sells nothing and its status says no market', async () => {
    const { agent } = await life({ childAnswers: true, funded: 2_000n })
    const report = await agent.tick()
    expect(report.sell).toBeUndefined()
    expect(report.status?.market).toBe('no market')
    expect(report.status?.selling).toBeUndefined()
  })
})

/** The plan's price in sats at the shop's rate. */
function centsToSatsOf(plan: VpsOption): bigint {
  return (plan.price.cents * SATS_PER_USD) / 100n
}

function invoiceScript(n: number): string {
  return Buffer.from(deriveAddress(shopAccount, world, 0, n).script).toString('hex')
}
