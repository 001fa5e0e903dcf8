import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  bytesToHex,
  createMemoryLogger,
  createNullLogger,
  createSeededRng,
  createVirtualClock,
  generateIdentity,
  realSleep,
  type Identity,
  type VirtualClock,
} from '@dolly/base'
import {
  createExpectations,
  createLedger,
  createLedgerProtocol,
  createMemoryNetwork,
  openSqliteLedgerStore,
  type Expectations,
  type HalfBlock,
  type Ledger,
  type LedgerProtocol,
  type LedgerStore,
} from '@dolly/ledger'
import { paymentSchedule, type TradeTerms } from '@dolly/market'
import {
  createMemoryChain,
  createWallet,
  deriveAccount,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
  satsPaidTo,
  type MemoryChain,
  type Wallet,
  type WalletStore,
} from '@dolly/wallet'
import { afterEach, describe, expect, it } from 'vitest'
import { SETTLEMENT_INDEX_FILE } from './settlement-index.ts'
import { createSettlement, TRADES_FILE, type Settlement } from './settlement.ts'
import { createMemoryTradeHub, type MemoryTradeHub } from './trade-channel.ts'
import { tradePurpose } from './wallet-payer.ts'

const MiB = 1n << 20n
const world = networkParams('world')
const SELLER_WORDS = 'legal winner thank year wave sausage worth useful legal winner thank yellow'
const BUYER_WORDS = 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above'
const NOW = 1_800_000_000_000
const rng = createSeededRng('settlement-test')

/** Everything the agents logged (printed when a test fails). */
const logger = createMemoryLogger()
const homes: string[] = []
const closers: (() => void)[] = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true })
})

/** The ledger network, chain and trade hub two agents share. */
interface Net {
  readonly clock: VirtualClock
  readonly ledgers: ReturnType<typeof createMemoryNetwork>
  readonly chain: MemoryChain
  readonly hub: MemoryTradeHub
}

/** One agent's durable state (home with ledger, wallet, journals) and its running pieces. */
interface Agent {
  readonly identity: Identity
  readonly key: string
  readonly home: string
  readonly words: string
  ledger: Ledger
  store: LedgerStore
  protocol: LedgerProtocol
  expectations: Expectations
  wallet: Wallet
  walletStore: WalletStore
  settlement: Settlement
}

/** Faults the test injects into an agent's ports: `after` runs once the real effect happened. */
interface Faults {
  /** Called after each countersigned MB transfer (1-based); throwing there is a crash before it is journaled. */
  readonly afterTransfer?: (n: number) => void
  /** Called after each broadcast payment (1-based); throwing there is a crash before it is journaled. */
  readonly afterPayment?: (n: number) => void
}

function boot(
  net: Net,
  a: Omit<Agent, 'ledger' | 'store' | 'protocol' | 'expectations' | 'wallet' | 'walletStore' | 'settlement'>,
  faults: Faults = {},
): Agent {
  const { clock } = net
  const store = openSqliteLedgerStore(join(a.home, 'state.sqlite'))
  const expectations = createExpectations({ clock })
  const ledger = createLedger({ store, signer: a.identity, clock }, { policy: expectations })
  const protocol = createLedgerProtocol({
    ledger,
    store,
    transport: net.ledgers.transport(a.identity.publicKey),
    clock,
  })
  protocol.start()
  let transfers = 0
  const faultyProtocol: LedgerProtocol = {
    ...protocol,
    async requestSignature(counterparty, proposal, options) {
      const result = await protocol.requestSignature(counterparty, proposal, options)
      if (result.ok) faults.afterTransfer?.(++transfers)
      return result
    },
  }
  const walletStore = openSqliteWalletStore(join(a.home, 'wallet.sqlite'))
  const wallet = createWallet(
    { chain: net.chain, store: walletStore, clock, logger: createNullLogger() },
    { network: world, account: deriveAccount(mnemonicToRoot(a.words, world), world), maxFeePercent: 100n },
  )
  let payments = 0
  const faultyWallet: Wallet = {
    ...wallet,
    async send(request, options) {
      const record = await wallet.send(request, options)
      faults.afterPayment?.(++payments)
      return record
    },
  }
  const settlement = createSettlement(
    {
      home: a.home,
      identity: a.identity,
      clock,
      log: logger.child({ agent: a.key.slice(0, 6) }),
      ledger: { ledger: () => ledger, protocol: () => faultyProtocol, store: () => store, expectations },
      wallet: faultyWallet,
      chain: net.chain,
      channel: net.hub.channelFor(a.key),
    },
    { engine: { roundTimeoutMs: 600_000 } },
  )
  const agent: Agent = { ...a, ledger, store, protocol, expectations, wallet, walletStore, settlement }
  closers.push(() => {
    protocol.stop()
    store.close()
    walletStore.close()
  })
  return agent
}

/** Kills an agent: its settlement stops and its ledger and wallet close; only its home remains. */
async function kill(agent: Agent): Promise<void> {
  await agent.settlement.stop()
  agent.protocol.stop()
}

function newAgent(net: Net, words: string, faults?: Faults): Agent {
  const home = mkdtempSync(join(tmpdir(), 'dolly-settle-'))
  homes.push(home)
  const identity = generateIdentity(rng)
  return boot(net, { identity, key: bytesToHex(identity.publicKey), home, words }, faults)
}

function newNet(): Net {
  return {
    clock: createVirtualClock(NOW),
    ledgers: createMemoryNetwork(),
    chain: createMemoryChain({ network: world }),
    hub: createMemoryTradeHub(),
  }
}

/** The seller earned `bytes` MB by relaying for a third agent (a real countersigned bandwidth block). */
async function earn(net: Net, seller: Agent, bytes: bigint): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'dolly-settle-'))
  homes.push(home)
  const identity = generateIdentity(rng)
  const store = openSqliteLedgerStore(join(home, 'state.sqlite'))
  closers.push(() => store.close())
  const ledger = createLedger({ store, signer: identity, clock: net.clock })
  const protocol = createLedgerProtocol({
    ledger,
    store,
    transport: net.ledgers.transport(identity.publicKey),
    clock: net.clock,
  })
  protocol.start()
  closers.push(() => protocol.stop())
  expect(
    seller.expectations.expect(identity.publicKey, { ref: 'relay', upBytes: bytes, downBytes: 0n }).ok,
  ).toBe(true)
  const r = await protocol.transact(seller.identity.publicKey, 0n, bytes)
  expect(r.ok).toBe(true)
}

/** Funds the buyer's wallet with `n` confirmed coins of `sats` each. */
async function fund(net: Net, buyer: Agent, n: number, sats: bigint): Promise<void> {
  for (let i = 0; i < n; i++) {
    const a = await buyer.wallet.receiveAddress()
    net.chain.fund(Buffer.from(a.script).toString('hex'), sats)
  }
  net.chain.mine(1)
}

/** Mines a block every few real ms (the buyer spends confirmed coins only) until `until` settles. */
async function mineWhile<T>(net: Net, until: Promise<T>): Promise<T> {
  let done = false
  const result = until.finally(() => {
    done = true
  })
  for (let i = 0; i < 1_000 && !done; i++) {
    await realSleep(5)
    net.chain.mine(1)
  }
  if (!done) {
    const tail = logger.entries
      .slice(-40)
      .map(
        (e) =>
          `${e.event} ${JSON.stringify(e.fields, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
      )
    throw new Error(`not settled; last log lines:\n${tail.join('\n')}`)
  }
  return result
}

/** Resolves once `cond` holds (polled in real time, bounded). */
async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 4_000; i++) {
    if (cond()) return
    await realSleep(5)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Our proposals of `from` to `to` in `store` (every MB transfer it made to `to`). */
function transfersTo(store: LedgerStore, from: Uint8Array, to: Uint8Array): HalfBlock[] {
  const latest = store.latest(from)?.sequenceNumber ?? 0
  return store
    .range(from, 1, latest, 10_000)
    .filter((b) => b.linkSequenceNumber === 0 && Buffer.from(b.linkPublicKey).equals(Buffer.from(to)))
}

function terms(seller: Agent, buyer: Agent, tradeId: string): TradeTerms {
  return {
    tradeId,
    proposer: buyer.key,
    responder: seller.key,
    mbSeller: 'responder',
    mbBytes: 1_000n * MiB,
    sats: 100_000n,
    mbMinUnit: 10n * MiB,
    satsMinUnit: 3_000n,
  }
}

/** The trade's address on the seller's side, from its settlement index. */
function tradeAddress(seller: Agent, tradeId: string): string {
  const line = readFileSync(join(seller.home, SETTLEMENT_INDEX_FILE), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { kind: string; tradeId?: string; address?: string })
    .find((e) => e.kind === 'address' && e.tradeId === tradeId)
  if (line?.address === undefined) throw new Error('no trade address')
  return line.address
}

/** Checks the ledgers and the chain against the trade, to the byte and the satoshi. */
function expectSettledExactly(net: Net, seller: Agent, buyer: Agent, t: TradeTerms, earned: bigint): void {
  const schedule = paymentSchedule({
    first: { total: t.mbBytes, minUnit: t.mbMinUnit },
    second: { total: t.sats, minUnit: t.satsMinUnit },
  })
  const mbSteps = schedule.filter((s) => s.payer === 'first')
  const btcSteps = schedule.filter((s) => s.payer === 'second')
  // MB: one countersigned proposal per MB step, exactly the schedule's amounts; balances moved by mbBytes.
  for (const [who, store] of [
    ['seller', seller.store],
    ['buyer', buyer.store],
  ] as const) {
    const blocks = transfersTo(store, seller.identity.publicKey, buyer.identity.publicKey)
    expect(blocks.map((b) => b.sequenceNumber).length, who).toBe(mbSteps.length)
    for (const b of blocks) expect(store.agreementsOf(b.publicKey, b.sequenceNumber).length, who).toBe(1)
  }
  expect(seller.ledger.balance().bytes).toBe(earned - t.mbBytes)
  expect(buyer.ledger.balance().bytes).toBe(t.mbBytes)
  expect(buyer.ledger.balance(seller.identity.publicKey).bytes).toBe(earned - t.mbBytes)
  // Sats: one wallet payment per Bitcoin step under its own key, summing to the price on chain.
  const address = tradeAddress(seller, t.tradeId)
  const payments = buyer.wallet.history().payments.filter((p) => p.purpose.startsWith(`market ${t.tradeId}:`))
  // Exactly one payment per key, of the schedule's amount for that step.
  expect(Object.fromEntries(payments.map((p) => [p.purpose, p.amountSats]))).toEqual(
    Object.fromEntries(btcSteps.map((s, i) => [tradePurpose(`${t.tradeId}:btc:${i + 1}`), s.amount])),
  )
  expect(payments.length).toBe(btcSteps.length)
  const onChain = net.chain.allTransactions().reduce((sum, tx) => sum + satsPaidTo(tx.hex, address), 0n)
  expect(onChain).toBe(t.sats)
  const s = seller.settlement.stats()
  const b = buyer.settlement.stats()
  expect(s).toMatchObject({ completed: 1, open: 0, aborted: 0, mbSoldBytes: t.mbBytes, satsReceived: t.sats })
  expect(b).toMatchObject({ completed: 1, open: 0, aborted: 0, satsPaid: t.sats, mbBoughtBytes: t.mbBytes })
}

describe('settlement over real ledgers and wallets', () => {
  it('two agents trade 1 000 MB for 100 000 sats: ledgers and chain match the trade exactly', async () => {
    const net = newNet()
    const seller = newAgent(net, SELLER_WORDS)
    const buyer = newAgent(net, BUYER_WORDS)
    const earned = 2_000n * MiB
    await earn(net, seller, earned)
    await fund(net, buyer, 12, 30_000n)
    expect(await seller.settlement.start()).toBe(0)
    expect(await buyer.settlement.start()).toBe(0)
    const t = terms(seller, buyer, 'T1')
    await seller.settlement.onMatch(t) // the responder only prepares
    // The daemon waits for a trade as soon as it has the match, before the proposal arrived.
    const sellerDone = seller.settlement.settled('T1')
    await buyer.settlement.onMatch(t)
    const done = await mineWhile(net, buyer.settlement.settled('T1'))
    expect(done.phase).toBe('completed')
    await waitFor(() => seller.settlement.snapshot('T1')?.phase === 'completed', 'the seller to complete')
    expect((await sellerDone).phase).toBe('completed')
    expect(buyer.settlement.snapshot('T1')).toMatchObject({ paid: t.sats, received: t.mbBytes })
    expect(seller.settlement.snapshot('T1')).toMatchObject({ paid: t.mbBytes, received: t.sats })
    expectSettledExactly(net, seller, buyer, t, earned)
    // Nothing is left for the seller to claim on the buyer's ledger once the trade is done.
    expect(buyer.expectations.outstanding(seller.identity.publicKey)).toEqual([])
    await seller.settlement.stop()
    await buyer.settlement.stop()
  }, 60_000)

  for (const victim of ['seller', 'buyer'] as const) {
    it(`a ${victim} killed after its 2nd payment moved, before it is journaled, resumes and pays nothing twice`, async () => {
      const net = newNet()
      let killed: (() => void) | undefined
      const crashed = new Promise<void>((resolve) => {
        killed = resolve
      })
      const crash = (n: number): void => {
        if (n !== 2) return
        killed?.()
        throw new Error('kill -9')
      }
      const faults: Faults = victim === 'seller' ? { afterTransfer: crash } : { afterPayment: crash }
      let seller = newAgent(net, SELLER_WORDS, victim === 'seller' ? faults : {})
      let buyer = newAgent(net, BUYER_WORDS, victim === 'buyer' ? faults : {})
      const earned = 2_000n * MiB
      await earn(net, seller, earned)
      await fund(net, buyer, 12, 30_000n)
      await seller.settlement.start()
      await buyer.settlement.start()
      const t = terms(seller, buyer, 'T2')
      await buyer.settlement.onMatch(t)
      await mineWhile(net, crashed)
      const dead = victim === 'seller' ? seller : buyer
      await kill(dead)
      // The journal holds the 2nd payment's intent and not its outcome: the crash window.
      const lines = readFileSync(join(dead.home, TRADES_FILE), 'utf8')
      const role = victim === 'seller' ? 'mb' : 'btc'
      expect(lines).toContain(`"key":"T2:${role}:2"`)
      expect(lines.split('\n').filter((l) => l.includes('"pay-done"')).length).toBe(1)
      // Rebuild it from its home: ledger and wallet files, trade journal, settlement index.
      const reborn = boot(net, { identity: dead.identity, key: dead.key, home: dead.home, words: dead.words })
      if (victim === 'seller') seller = reborn
      else buyer = reborn
      expect(await reborn.settlement.start()).toBe(1)
      if (victim === 'buyer') {
        // The rebuilt buyer expects of the seller exactly the MB it still owes: what it holds plus what it expects is the trade.
        const [expecting] = buyer.expectations.outstanding(seller.identity.publicKey)
        expect((expecting?.upBytes ?? 0n) + buyer.ledger.balance().bytes).toBe(t.mbBytes)
        expect(buyer.ledger.balance().bytes).toBeGreaterThan(0n)
      }
      const done = await mineWhile(net, buyer.settlement.settled('T2'))
      expect(done.phase).toBe('completed')
      await waitFor(() => seller.settlement.snapshot('T2')?.phase === 'completed', 'the seller to complete')
      expectSettledExactly(net, seller, buyer, t, earned)
      await seller.settlement.stop()
      await buyer.settlement.stop()
    }, 60_000)
  }
})

describe('settlement input', () => {
  it('refuses a match we are no party to, or malformed terms, with a coded error', async () => {
    const net = newNet()
    const a = newAgent(net, SELLER_WORDS)
    const b = newAgent(net, BUYER_WORDS)
    const c = newAgent(net, BUYER_WORDS)
    const t = terms(a, b, 'T3')
    await expect(c.settlement.onMatch(t)).rejects.toMatchObject({ code: 'MARKET_TRADE_TERMS_INVALID' })
    await expect(b.settlement.onMatch({ ...t, sats: 0n })).rejects.toMatchObject({
      code: 'MARKET_TRADE_TERMS_INVALID',
    })
    expect(b.settlement.snapshot('T3')).toBeUndefined()
    expect(c.settlement.stats()).toMatchObject({ open: 0, completed: 0, aborted: 0 })
  })
})
