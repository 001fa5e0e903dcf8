import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  bytesToHex,
  createMemoryLogger,
  createNullLogger,
  createSeededRng,
  createSignatureVerifier,
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
  decodeBandwidthTx,
  openSqliteLedgerStore,
  type Expectations,
  type HalfBlock,
  type Ledger,
  type LedgerProtocol,
  type LedgerStore,
} from '@dolly/ledger'
import {
  createFileTradeJournal,
  decodeTradeMessage,
  encodeTradeMessage,
  maxExposure,
  paymentSchedule,
  TRADE_ENGINE_DEFAULTS,
  TRADE_TRUST_DEFAULTS,
  type JournalEntry,
  type Negotiator,
  type TradeJournal,
  type TradeMessage,
  type TradeTerms,
} from '@dolly/market'
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
import {
  openSettlementIndex,
  SETTLEMENT_INDEX_FILE,
  type SettlementIndex,
  type SettlementIndexEntry,
} from './settlement-index.ts'
import { auditTrades, type TradeAuditRow } from './audit.ts'
import { createSettlement, TRADES_FILE, type Settlement } from './settlement.ts'
import { createMemoryTradeHub, type MemoryTradeHub, type TradeChannel } from './trade-channel.ts'
import { tradePurpose } from './wallet-payer.ts'

const MiB = 1n << 20n
const world = networkParams('world')
const SELLER_WORDS = 'legal winner thank year wave sausage worth useful legal winner thank yellow'
const BUYER_WORDS = 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above'
const NOW = 1_800_000_000_000
const rng = createSeededRng('settlement-test')
/** Agent homes: real files with fsyncs, on tmpfs where there is one (a run fsyncs a few hundred lines). */
const HOME_ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()

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

/** The distinct error of an injected kill -9: the side is dead from this point on. */
class Killed extends Error {}

/** Where a side dies: at the `at`-th occurrence of the named step (see CRASH_STEPS). */
interface CrashAt {
  readonly step: string
  readonly at: number
}

/**
 * One incarnation's crash switch: counts the named steps its ports reach and, at the chosen one,
 * marks the side dead and throws {@link Killed}. From then on every port of the incarnation throws
 * (or drops, for messages): nothing it still has in memory reaches a file, the chain or a peer.
 */
interface Probe {
  /** Every step reached, in order, as `name#n`. */
  readonly steps: string[]
  readonly dead: () => boolean
  /** Counts `step`; throws Killed (and marks the side dead) at the crash point or once dead. */
  hit(step: string): void
  /** Resolves once the side died. */
  readonly crashed: Promise<void>
}

/** Steps reached by every probe so far (the driver's sign of progress). */
let stepsReached = 0
const activity = (): number => stepsReached

function createProbe(crash?: CrashAt): Probe {
  const counts = new Map<string, number>()
  const steps: string[] = []
  let dead = false
  let die: () => void = () => undefined
  const crashed = new Promise<void>((resolve) => {
    die = resolve
  })
  return {
    steps,
    dead: () => dead,
    hit(step) {
      if (dead) throw new Killed(`dead (at ${step})`)
      stepsReached += 1
      const n = (counts.get(step) ?? 0) + 1
      counts.set(step, n)
      steps.push(`${step}#${n}`)
      if (crash?.step === step && crash.at === n) {
        dead = true
        die()
        throw new Killed(`kill -9 at ${step}#${n}`)
      }
    },
    crashed,
  }
}

/** Port calls (files, wallet, chain) still running in either agent: the driver moves time only at 0. */
let inflight = 0

/** `p`, counted in {@link inflight} until it settles. */
function tracked<T>(p: Promise<T>): Promise<T> {
  inflight += 1
  return p.finally(() => {
    inflight -= 1
  })
}

/**
 * `target` with every method throwing Killed once the probe's side is dead; its asynchronous calls
 * count as in flight unless `waits` (a call that may wait for a peer or the clock).
 */
function guarded<T extends object>(target: T, probe: Probe, waits = false): T {
  return new Proxy(target, {
    get(obj, prop) {
      const v: unknown = Reflect.get(obj, prop)
      if (typeof v !== 'function') return v
      return (...args: unknown[]): unknown => {
        if (probe.dead()) throw new Killed(`dead (${String(prop)})`)
        const r: unknown = (v as (...a: unknown[]) => unknown).apply(obj, args)
        return r instanceof Promise && !waits ? tracked(r) : r
      }
    },
  })
}

const messageVerifier = createSignatureVerifier()

/** Boot options: the old after-effect faults, or a crash probe on every port, and a negotiator. */
interface BootOptions {
  readonly faults?: Faults
  readonly probe?: Probe
  readonly negotiator?: Negotiator
}

function boot(
  net: Net,
  a: Omit<Agent, 'ledger' | 'store' | 'protocol' | 'expectations' | 'wallet' | 'walletStore' | 'settlement'>,
  opts: BootOptions = {},
): Agent {
  const { clock } = net
  const faults = opts.faults ?? {}
  const probe = opts.probe ?? createProbe()
  const rawStore = openSqliteLedgerStore(join(a.home, 'state.sqlite'))
  const store = guarded(rawStore, probe)
  const expectations = createExpectations({ clock })
  const rawLedger = createLedger({ store, signer: a.identity, clock }, { policy: expectations })
  const ledger: Ledger = guarded(
    {
      ...bound(rawLedger),
      proposeBandwidth(...args: Parameters<Ledger['proposeBandwidth']>) {
        const block = rawLedger.proposeBandwidth(...args)
        probe.hit('ledger:proposal-signed')
        return block
      },
    },
    probe,
  )
  const protocol = createLedgerProtocol({
    ledger: rawLedger,
    store,
    transport: net.ledgers.transport(a.identity.publicKey),
    clock,
  })
  protocol.start()
  let transfers = 0
  const faultyProtocol: LedgerProtocol = guarded(
    {
      ...bound(protocol),
      async requestSignature(counterparty, proposal, options) {
        const result = await protocol.requestSignature(counterparty, proposal, options)
        if (result.ok) {
          probe.hit('ledger:countersigned')
          faults.afterTransfer?.(++transfers)
        }
        return result
      },
    },
    probe,
    true,
  )
  const rawWalletStore = openSqliteWalletStore(join(a.home, 'wallet.sqlite'))
  const walletStore = guarded(
    {
      ...bound(rawWalletStore),
      insertPayment(record: Parameters<WalletStore['insertPayment']>[0]) {
        rawWalletStore.insertPayment(record)
        probe.hit('wallet:payment-signed')
      },
    },
    probe,
  )
  const chain = guarded(
    {
      ...bound(net.chain),
      async broadcast(...args: Parameters<MemoryChain['broadcast']>) {
        const result = await net.chain.broadcast(...args)
        if (result.kind === 'accepted') probe.hit('wallet:broadcast')
        return result
      },
    },
    probe,
  )
  const wallet = createWallet(
    { chain, store: walletStore, clock, logger: createNullLogger() },
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
  const log = logger.child({ agent: a.key.slice(0, 6) })
  const file = createFileTradeJournal(join(a.home, TRADES_FILE), log)
  const journal: TradeJournal = {
    async append(entry) {
      probe.hit(`journal:${entry.kind}:before`)
      await tracked(file.append(entry))
      probe.hit(`journal:${entry.kind}:after`)
    },
    readAll: () => (probe.dead() ? Promise.reject(new Killed('dead')) : tracked(file.readAll())),
  }
  const rawIndex = openSettlementIndex(join(a.home, SETTLEMENT_INDEX_FILE), log)
  const index: SettlementIndex = guarded(
    {
      ...bound(rawIndex),
      async append(entry: SettlementIndexEntry) {
        probe.hit(`index:${entry.kind}:before`)
        await tracked(rawIndex.append(entry))
        probe.hit(`index:${entry.kind}:after`)
      },
    },
    probe,
  )
  const channel = net.hub.channelFor(a.key)
  const probedChannel: TradeChannel = {
    transport: {
      send(to, bytes) {
        if (probe.dead()) return
        channel.transport.send(to, bytes)
        probe.hit(`send:${decodeTradeMessage(bytes, messageVerifier).type}`)
      },
    },
    onMessage: (h) =>
      channel.onMessage((bytes, from) => {
        if (!probe.dead()) h(bytes, from)
      }),
    onPeerSeen: (h) =>
      channel.onPeerSeen((key) => {
        if (!probe.dead()) h(key)
      }),
    start: () => channel.start(),
    stop: () => channel.stop(),
  }
  const settlement = createSettlement(
    {
      home: a.home,
      identity: a.identity,
      clock,
      log,
      ledger: { ledger: () => ledger, protocol: () => faultyProtocol, store: () => store, expectations },
      wallet: faultyWallet,
      chain,
      channel: probedChannel,
      journal,
      index,
      ...(opts.negotiator === undefined ? {} : { negotiator: opts.negotiator }),
    },
    { engine: { roundTimeoutMs: opts.probe === undefined ? 600_000 : CRASH_ROUND_MS } },
  )
  const agent: Agent = {
    ...a,
    ledger: rawLedger,
    store: rawStore,
    protocol,
    expectations,
    wallet,
    walletStore: rawWalletStore,
    settlement,
  }
  closers.push(() => {
    protocol.stop()
    rawStore.close()
    rawWalletStore.close()
  })
  return agent
}

/** An object's methods bound to it, as own properties (so a spread copy keeps working). */
function bound<T extends object>(o: T): T {
  const out: Record<string | symbol, unknown> = {}
  let proto: object | null = o
  while (proto !== null && proto !== Object.prototype) {
    for (const k of Reflect.ownKeys(proto)) {
      if (k === 'constructor' || k in out) continue
      const v: unknown = Reflect.get(o, k)
      out[k] = typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(o) : v
    }
    proto = Object.getPrototypeOf(proto) as object | null
  }
  return out as T
}

/** Kills an agent: its settlement stops and its ledger and wallet close; only its home remains. */
async function kill(agent: Agent): Promise<void> {
  await agent.settlement.stop()
  agent.protocol.stop()
}

function newAgent(net: Net, words: string, opts: BootOptions = {}): Agent {
  const home = mkdtempSync(join(HOME_ROOT, 'dolly-settle-'))
  homes.push(home)
  const identity = generateIdentity(rng)
  return boot(net, { identity, key: bytesToHex(identity.publicKey), home, words }, opts)
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
  const home = mkdtempSync(join(HOME_ROOT, 'dolly-settle-'))
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

/** Quiet looks (5 real ms each) after which `mineWhile` moves the clock. */
const QUIET_LOOKS = 20

/**
 * Mines a block every few real ms (the buyer spends confirmed coins only) until `until` settles. When
 * nothing was logged for a while the agents wait on the clock (a seller that looked at a payment
 * before its block, past the 0-conf allowance, polls again a second later): the virtual clock then
 * moves one confirmation poll. Without that the seller slept forever; CI saw that stall.
 */
async function mineWhile<T>(net: Net, until: Promise<T>): Promise<T> {
  let done = false
  const result = until.finally(() => {
    done = true
  })
  let quiet = 0
  let seen = logger.entries.length
  // Bounded: about 20 real s (a loaded 2-core machine needed more than 5 s for the longest trade).
  for (let i = 0; i < 4_000 && !done; i++) {
    await realSleep(5)
    net.chain.mine(1)
    quiet = logger.entries.length === seen ? quiet + 1 : 0
    seen = logger.entries.length
    if (quiet >= QUIET_LOOKS) {
      quiet = 0
      await net.clock.advance(TRADE_ENGINE_DEFAULTS.confirmationPollMs)
    }
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

/** `plebnet market audit` of one side's home: its journal against its ledger store, wallet and the chain. */
async function auditOf(net: Net, a: Agent, entries?: readonly JournalEntry[]): Promise<TradeAuditRow[]> {
  return auditTrades({
    ourKey: a.identity.publicKey,
    entries: entries ?? (await createFileTradeJournal(join(a.home, TRADES_FILE)).readAll()),
    ledger: a.store,
    payments: a.walletStore.listPayments(),
    txHex: (txid) => Promise.resolve(net.chain.allTransactions().find((tx) => tx.txid === txid)?.hex),
  })
}

/** Both sides' audits of trade `t`: consistent, and exact when both completed. */
async function expectAuditClean(net: Net, seller: Agent, buyer: Agent, t: TradeTerms): Promise<void> {
  for (const [who, a, role] of [
    ['seller', seller, 'mb'],
    ['buyer', buyer, 'btc'],
  ] as const) {
    const rows = await auditOf(net, a)
    for (const row of rows) {
      expect(row.problems, `${who} audit of ${row.tradeId}`).toEqual([])
      expect(row).toMatchObject({ role, termsMbBytes: t.mbBytes, termsSats: t.sats })
      expect(row.journalMbBytes, `${who} MB journal = ledger`).toBe(row.ledgerMbBytes)
      if (row.outcome === 'completed')
        expect(row).toMatchObject({ ledgerMbBytes: t.mbBytes, chainSats: t.sats, journalSats: t.sats })
    }
  }
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
    // The seller counts the last payment once it confirms (past the stranger's 0-conf allowance).
    expect((await mineWhile(net, sellerDone)).phase).toBe('completed')
    expect(buyer.settlement.snapshot('T1')).toMatchObject({ paid: t.sats, received: t.mbBytes })
    expect(seller.settlement.snapshot('T1')).toMatchObject({ paid: t.mbBytes, received: t.sats })
    expectSettledExactly(net, seller, buyer, t, earned)
    // Nothing is left for the seller to claim on the buyer's ledger once the trade is done.
    expect(buyer.expectations.outstanding(seller.identity.publicKey)).toEqual([])
    await seller.settlement.stop()
    await buyer.settlement.stop()
    // The audit of each home matches the trade to the byte and the satoshi.
    const exact = { outcome: 'completed', ledgerMbBytes: t.mbBytes, journalMbBytes: t.mbBytes }
    const [sellerRow] = await auditOf(net, seller)
    const [buyerRow] = await auditOf(net, buyer)
    expect(sellerRow).toMatchObject({
      ...exact,
      role: 'mb',
      counterparty: buyer.key,
      chainSats: t.sats,
      problems: [],
    })
    expect(buyerRow).toMatchObject({
      ...exact,
      role: 'btc',
      counterparty: seller.key,
      chainSats: t.sats,
      problems: [],
    })
    // It catches what does not match: a payment the journal lost (as a double payment would look),
    // a transfer ref that is no transfer, and a completed trade short of its terms.
    const entries = await createFileTradeJournal(join(buyer.home, TRADES_FILE)).readAll()
    const lastPaid = entries.findLast((e) => e.kind === 'pay-done')
    const firstReceived = entries.find((e) => e.kind === 'received')
    const tampered = entries
      .filter((e) => e !== lastPaid)
      .map((e) => (e === firstReceived ? { ...e, ref: 'block:999' } : e))
    const [bad] = await auditOf(net, buyer, tampered)
    expect(bad?.problems).toEqual([
      'MB ref block:999: no transfer to the payee in the ledger',
      `wallet payment ${lastPaid?.kind === 'pay-done' ? lastPaid.ref : ''} (37000 sats, market T1:btc:4) is not in the journal`,
      `completed with ${t.mbBytes - 10n * MiB} of ${t.mbBytes} bytes`,
    ])
    // While the trade is open, a payment signed and not yet journaled is in flight, not a mismatch.
    const [inFlight] = await auditOf(
      net,
      buyer,
      entries.filter((e) => e !== lastPaid && e.kind !== 'closed'),
    )
    expect(inFlight).toMatchObject({ outcome: 'open', chainSats: t.sats - 37_000n, problems: [] })
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
      let seller = newAgent(net, SELLER_WORDS, victim === 'seller' ? { faults } : {})
      let buyer = newAgent(net, BUYER_WORDS, victim === 'buyer' ? { faults } : {})
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
      expect((await mineWhile(net, seller.settlement.settled('T2'))).phase).toBe('completed')
      expectSettledExactly(net, seller, buyer, t, earned)
      await seller.settlement.stop()
      await buyer.settlement.stop()
    }, 60_000)
  }
})

/** The crash tests' round timeout (virtual ms): a silent peer is retried at half, abandoned at once. */
const CRASH_ROUND_MS = 60_000
/** Virtual time per driver tick: a block is mined each tick, so a confirmation wait takes one or two. */
const TICK_MS = 2_000
const MAX_TICKS = 600

/**
 * Every named step a side's ports reach in one clean trade, and how often (the schedule has 4
 * payments a side): trade-journal appends by kind and settlement-index appends by kind, each before
 * and after the write; the ledger's proposal signed and countersigned; the wallet's payment signed
 * (journaled, not yet broadcast) and broadcast; and each message sent. The buyer proposes 90 000
 * sats, the seller counters with 100 000 and the buyer accepts. A clean run reaches exactly these.
 */
const CRASH_STEPS: Record<'seller' | 'buyer', readonly (readonly [string, number])[]> = {
  seller: [
    ['journal:offered:before', 1],
    ['journal:offered:after', 1],
    ['send:counter', 1],
    ['journal:open:before', 1],
    ['journal:open:after', 1],
    ['index:address:before', 1],
    ['index:address:after', 1],
    ['journal:address:before', 1],
    ['journal:address:after', 1],
    ['send:wallet', 1],
    ['journal:pay-intent:before', 4],
    ['journal:pay-intent:after', 4],
    ['index:transfer-intent:before', 4],
    ['index:transfer-intent:after', 4],
    ['ledger:proposal-signed', 4],
    ['index:transfer-proposed:before', 4],
    ['index:transfer-proposed:after', 4],
    ['ledger:countersigned', 4],
    ['index:transfer-done:before', 4],
    ['index:transfer-done:after', 4],
    ['journal:pay-done:before', 4],
    ['journal:pay-done:after', 4],
    ['send:payment', 4],
    ['journal:received:before', 4],
    ['journal:received:after', 4],
    ['journal:closed:before', 1],
    ['journal:closed:after', 1],
    ['send:done', 1],
  ],
  buyer: [
    ['index:trade-floor:before', 1],
    ['index:trade-floor:after', 1],
    ['journal:offered:before', 1],
    ['journal:offered:after', 1],
    ['send:propose', 1],
    ['journal:open:before', 1],
    ['journal:open:after', 1],
    ['send:accept', 1],
    ['journal:address:before', 1],
    ['journal:address:after', 1],
    ['journal:received:before', 4],
    ['journal:received:after', 4],
    ['journal:pay-intent:before', 4],
    ['journal:pay-intent:after', 4],
    ['wallet:payment-signed', 4],
    ['wallet:broadcast', 4],
    ['journal:pay-done:before', 4],
    ['journal:pay-done:after', 4],
    ['send:payment', 4],
    ['journal:closed:before', 1],
    ['journal:closed:after', 1],
    ['send:done', 1],
  ],
}

/** One case per (side, step, occurrence). */
const CRASH_CASES = (['seller', 'buyer'] as const).flatMap((victim) =>
  CRASH_STEPS[victim].flatMap(([step, times]) =>
    Array.from({ length: times }, (_, i) => ({ victim, step, at: i + 1 })),
  ),
)

/** The crashes after which the trade never existed: the buyer dies before its proposal is journaled. */
const NEVER_STARTED = new Set([
  'buyer index:trade-floor:before#1',
  'buyer index:trade-floor:after#1',
  'buyer journal:offered:before#1',
])

/**
 * Runs both agents until `done()`: whenever nothing is in flight and nothing happened since the last
 * look (no step, no message), mines a block and moves the virtual clock a tick. Time thus passes only
 * while the agents wait (for a peer, a confirmation, a timeout), however slow the machine is.
 */
async function drive(net: Net, done: () => boolean, what: string): Promise<void> {
  let ticks = 0
  let last = ''
  const deadline = Date.now() + 20_000
  while (!done() && ticks < MAX_TICKS && Date.now() < deadline) {
    await realSleep(1)
    const now = `${activity()}/${net.hub.delivered()}`
    if (inflight > 0 || now !== last) {
      last = now
      continue
    }
    ticks += 1
    net.chain.mine(1)
    await net.clock.advance(TICK_MS)
  }
  if (!done()) throw new Error(`timed out waiting for ${what}; last log lines:\n${logTail(30)}`)
}

const bigintJson = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? String(v) : v)

/** The agents' last `n` log lines (shown when a crash case fails). */
const logTail = (n: number): string =>
  logger.entries
    .slice(-n)
    .map((e) => `${e.event} ${JSON.stringify(e.fields, bigintJson)}`)
    .join('\n')

/** The agent's trade journal entries of `tradeId`, from its home. */
async function journalOf(agent: Agent, tradeId: string): Promise<JournalEntry[]> {
  const all = await createFileTradeJournal(join(agent.home, TRADES_FILE)).readAll()
  return all.filter(
    (e) => (e.kind === 'offered' || e.kind === 'open' ? e.terms.tradeId : e.tradeId) === tradeId,
  )
}

const sumOf = (entries: readonly JournalEntry[], kind: 'pay-done' | 'received'): bigint =>
  entries.reduce((a, e) => a + (e.kind === kind ? e.amount : 0n), 0n)
const lastOf = (entries: readonly JournalEntry[]): bigint => {
  const last = entries.filter((e) => e.kind === 'pay-done').at(-1)
  return last?.kind === 'pay-done' ? last.amount : 0n
}

/** A trade's outcome on one side: its `closed` entry, or open, or none (the side never heard of it). */
function outcomeOf(entries: readonly JournalEntry[]): string {
  if (entries.length === 0) return 'none'
  const closed = entries.find((e) => e.kind === 'closed')
  return closed?.kind === 'closed' ? (closed.outcome === 'completed' ? 'completed' : closed.reason) : 'open'
}

/** Index lines of the agent's settlement index. */
function indexOf(
  agent: Agent,
): { kind: string; key?: string; seq?: number; tradeId?: string; address?: string }[] {
  let text = ''
  try {
    text = readFileSync(join(agent.home, SETTLEMENT_INDEX_FILE), 'utf8')
  } catch {
    return []
  }
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { kind: string; key?: string; seq?: number })
}

/** What moved and what the journals say, checked against each other: nothing paid twice, nothing lost. */
async function expectConserved(net: Net, seller: Agent, buyer: Agent, t: TradeTerms): Promise<void> {
  const id = t.tradeId
  const sj = await journalOf(seller, id)
  const bj = await journalOf(buyer, id)
  // MB: every proposal of the seller to the buyer belongs to exactly one transfer key, each key has
  // at most one proposal; what was countersigned is what the seller's journal says it paid and what
  // the buyer holds.
  const proposals = transfersTo(seller.store, seller.identity.publicKey, buyer.identity.publicKey)
  const seqOfKey = new Map<string, Set<number>>()
  const keyOfSeq = new Map<number, Set<string>>()
  for (const e of indexOf(seller)) {
    if (e.kind !== 'transfer-proposed' || e.key === undefined || e.seq === undefined) continue
    seqOfKey.set(e.key, (seqOfKey.get(e.key) ?? new Set()).add(e.seq))
    keyOfSeq.set(e.seq, (keyOfSeq.get(e.seq) ?? new Set()).add(e.key))
  }
  for (const [key, seqs] of seqOfKey) expect(seqs.size, `proposals of ${key}`).toBe(1)
  for (const b of proposals)
    expect(keyOfSeq.get(b.sequenceNumber)?.size, `keys of block ${b.sequenceNumber}`).toBe(1)
  const countersigned = proposals.filter((b) =>
    seller.store
      .agreementsOf(b.publicKey, b.sequenceNumber)
      .some((a) => Buffer.from(a.publicKey).equals(Buffer.from(buyer.identity.publicKey))),
  )
  const movedMb = countersigned.reduce((a, b) => a + (decodeBandwidthTx(b.transaction)?.down ?? 0n), 0n)
  expect(sumOf(sj, 'pay-done'), 'MB the seller journaled as paid').toBe(movedMb)
  expect(buyer.ledger.balance().bytes, 'MB the buyer holds').toBe(movedMb)
  expect(sumOf(bj, 'received'), 'MB the buyer counted').toBeLessThanOrEqual(movedMb)
  expect(movedMb).toBeLessThanOrEqual(t.mbBytes)
  // Sats: at most one live wallet payment per key, on chain exactly what the buyer journaled as paid.
  const payments = buyer.wallet.history().payments.filter((p) => p.purpose.startsWith(`market ${id}:`))
  const live = payments.filter((p) => p.state !== 'failed')
  expect(new Set(live.map((p) => p.purpose)).size, 'one payment per key').toBe(live.length)
  const address = indexOf(seller).find((e) => e.kind === 'address' && e.tradeId === id)?.address
  const toAddress =
    address === undefined ? [] : net.chain.allTransactions().filter((tx) => satsPaidTo(tx.hex, address) > 0n)
  expect(toAddress.length, 'transactions to the trade address').toBe(live.length)
  const onChain =
    address === undefined ? 0n : toAddress.reduce((a, tx) => a + satsPaidTo(tx.hex, address), 0n)
  expect(sumOf(bj, 'pay-done'), 'sats the buyer journaled as paid').toBe(onChain)
  expect(sumOf(sj, 'received'), 'sats the seller counted').toBeLessThanOrEqual(onChain)
  expect(onChain).toBeLessThanOrEqual(t.sats)
  // Exposure: what a side gave beyond what it got, in sats at the trade's price, is at most its last increment.
  const mbValue = (bytes: bigint): bigint => (bytes * t.sats) / t.mbBytes
  expect(onChain - mbValue(movedMb), 'buyer exposure').toBeLessThanOrEqual(lastOf(bj) + 1n)
  expect(mbValue(movedMb) - onChain, 'seller exposure').toBeLessThanOrEqual(mbValue(lastOf(sj)) + 1n)
}

/** One trade (buyer proposes 90 000 sats, seller counters 100 000), the victim killed at `crash`; returns both outcomes. */
async function crashRun(
  victim: 'seller' | 'buyer' | undefined,
  crash: CrashAt | undefined,
): Promise<{
  seller: Agent
  buyer: Agent
  outcomes: string
  probes: Record<'seller' | 'buyer', Probe>
  t: TradeTerms
}> {
  const net = newNet()
  const probes = {
    seller: createProbe(victim === 'seller' ? crash : undefined),
    buyer: createProbe(victim === 'buyer' ? crash : undefined),
  }
  const counter: Negotiator = (offered, counters) =>
    counters === 0 ? { kind: 'counter', mbBytes: offered.mbBytes, sats: 100_000n } : { kind: 'accept' }
  let seller = newAgent(net, SELLER_WORDS, { probe: probes.seller, negotiator: counter })
  let buyer = newAgent(net, BUYER_WORDS, { probe: probes.buyer })
  const earned = 2_000n * MiB
  await earn(net, seller, earned)
  // Six confirmed coins: each of the four payments finds a confirmed coin even if no block came between.
  await fund(net, buyer, 6, 40_000n)
  await seller.settlement.start()
  await buyer.settlement.start()
  const offer = { ...terms(seller, buyer, 'TK'), sats: 90_000n }
  await seller.settlement.onMatch(offer)
  await buyer.settlement.onMatch(offer).catch((err: unknown) => {
    if (!(err instanceof Killed)) throw err
  })
  if (victim !== undefined) {
    const probe = probes[victim]
    await drive(net, () => probe.dead(), `the ${victim} to die at ${crash?.step}#${crash?.at}`)
    const dead = victim === 'seller' ? seller : buyer
    await kill(dead)
    // Rebuilt from its home only: ledger and wallet files, trade journal, settlement index.
    const reborn = boot(
      net,
      { identity: dead.identity, key: dead.key, home: dead.home, words: dead.words },
      { probe: createProbe(), ...(victim === 'seller' ? { negotiator: counter } : {}) },
    )
    if (victim === 'seller') seller = reborn
    else buyer = reborn
    await reborn.settlement.start()
  }
  const closedOrNone = (a: Agent): boolean => {
    const p = a.settlement.snapshot('TK')?.phase
    return p === undefined || p === 'completed' || p === 'aborted'
  }
  const bothNone = (): boolean =>
    seller.settlement.snapshot('TK') === undefined && buyer.settlement.snapshot('TK') === undefined
  await drive(net, () => (closedOrNone(seller) && closedOrNone(buyer)) || bothNone(), 'the trade to end')
  await seller.settlement.stop()
  await buyer.settlement.stop()
  const t = { ...offer, sats: 100_000n }
  const outcomes = `${outcomeOf(await journalOf(seller, 'TK'))}/${outcomeOf(await journalOf(buyer, 'TK'))}`
  await expectConserved(net, seller, buyer, t)
  await expectAuditClean(net, seller, buyer, t)
  if (outcomes === 'completed/completed') {
    expectSettledExactly(net, seller, buyer, t, earned)
    expect(buyer.expectations.outstanding(seller.identity.publicKey)).toEqual([])
  }
  return { seller, buyer, outcomes, probes, t }
}

describe('kill -9 at every named trade step', () => {
  it('a clean run reaches exactly the named steps, in the counts the table lists', async () => {
    const { outcomes, probes } = await crashRun(undefined, undefined)
    expect(outcomes).toBe('completed/completed')
    for (const side of ['seller', 'buyer'] as const) {
      const reached = new Map<string, number>()
      for (const s of probes[side].steps) {
        const name = s.slice(0, s.lastIndexOf('#'))
        reached.set(name, (reached.get(name) ?? 0) + 1)
      }
      // A slow run may retransmit a message (a silent peer is resent to at half the round timeout);
      // every other step happens exactly as often as the table says.
      for (const [name, times] of CRASH_STEPS[side]) {
        if (name.startsWith('send:'))
          expect(reached.get(name), `${side} ${name}`).toBeGreaterThanOrEqual(times)
        else expect(reached.get(name), `${side} ${name}`).toBe(times)
      }
      expect([...reached.keys()].sort(), side).toEqual(CRASH_STEPS[side].map(([name]) => name).sort())
    }
  }, 30_000)

  it.each(CRASH_CASES)(
    '$victim killed at $step #$at: resumes or aborts, pays nothing twice, conserves MB and sats',
    async ({ victim, step, at }) => {
      const { outcomes } = await crashRun(victim, { step, at })
      // Every crash resumes to completion, except the buyer dying before its proposal is journaled:
      // then nothing was sent and the trade never existed on either side.
      const expected = NEVER_STARTED.has(`${victim} ${step}#${at}`) ? 'none/none' : 'completed/completed'
      expect(outcomes, outcomes === expected ? '' : logTail(80)).toBe(expected)
    },
    30_000,
  )
})

describe('Model 0 across restarts', () => {
  /** Terms where `buyer` proposes to buy 1 000 MB from `seller` for `sats`. */
  const bigTerms = (seller: Agent, buyer: Agent, tradeId: string, sats: bigint): TradeTerms => ({
    ...terms(seller, buyer, tradeId),
    sats,
  })

  it('a seller that completed three trades before a restart is still known: a trade above the strangers cap is proposed', async () => {
    const net = newNet()
    const seller = newAgent(net, SELLER_WORDS)
    const buyer = newAgent(net, BUYER_WORDS)
    const stranger = newAgent(net, SELLER_WORDS)
    // 1 000 MB for 1 000 000 sats: the buyer's exposure is above a stranger's cap, within a known peer's.
    const big = bigTerms(seller, buyer, 'BIG', 1_000_000n)
    const exposure = maxExposure(
      {
        first: { total: big.mbBytes, minUnit: big.mbMinUnit },
        second: { total: big.sats, minUnit: big.satsMinUnit },
      },
      'second',
      big.sats,
    )
    expect(exposure).toBeGreaterThan(TRADE_TRUST_DEFAULTS.strangerMaxExposureSats)
    expect(exposure).toBeLessThanOrEqual(TRADE_TRUST_DEFAULTS.maxExposureSats)
    // The buyer's journal from before the restart: three trades with the seller, each paid in full.
    const history = createFileTradeJournal(join(buyer.home, TRADES_FILE))
    for (let i = 1; i <= 3; i++) {
      const t = terms(seller, buyer, `H${i}`)
      const at = NOW - 10 * 3_600_000 + i * 60_000
      await history.append({ kind: 'offered', terms: t, atMs: at })
      await history.append({
        kind: 'open',
        terms: t,
        acceptedBy: 'peer',
        zeroConfSats: 50_000n,
        atMs: at + 1_000,
      })
      await history.append({
        kind: 'closed',
        tradeId: t.tradeId,
        outcome: 'completed',
        reason: 'completed',
        atMs: at + 30_000,
      })
    }
    expect(await buyer.settlement.start()).toBe(0)
    expect(buyer.settlement.stats()).toMatchObject({ completed: 3, open: 0 })
    await buyer.settlement.onMatch(big)
    expect(buyer.settlement.snapshot('BIG')?.phase).toBe('negotiating')
    // A peer with no history is a stranger: the same trade is refused.
    await expect(
      buyer.settlement.onMatch(bigTerms(stranger, buyer, 'BIG2', 1_000_000n)),
    ).rejects.toMatchObject({
      code: 'MARKET_TRADE_UNTRUSTED',
    })
    await buyer.settlement.stop()
  })

  it('a known seller that then defaulted is a stranger again after the restart', async () => {
    const net = newNet()
    const seller = newAgent(net, SELLER_WORDS)
    const buyer = newAgent(net, BUYER_WORDS)
    const history = createFileTradeJournal(join(buyer.home, TRADES_FILE))
    for (let i = 1; i <= 4; i++) {
      const t = terms(seller, buyer, `H${i}`)
      const at = NOW - 10 * 3_600_000 + i * 60_000
      await history.append({ kind: 'open', terms: t, acceptedBy: 'peer', zeroConfSats: 50_000n, atMs: at })
      await history.append({
        kind: 'closed',
        tradeId: t.tradeId,
        outcome: i === 4 ? 'aborted' : 'completed',
        reason: i === 4 ? 'MARKET_TRADE_TIMEOUT' : 'completed',
        atMs: at + 30_000,
      })
    }
    await buyer.settlement.start()
    await expect(buyer.settlement.onMatch(bigTerms(seller, buyer, 'BIG', 1_000_000n))).rejects.toMatchObject({
      code: 'MARKET_TRADE_UNTRUSTED',
    })
    await buyer.settlement.stop()
  })
})

describe('claimed transfer refs', () => {
  it('are dropped once no open trade could count them, and an old block announced in a new trade is refused', async () => {
    const net = newNet()
    const seller = newAgent(net, SELLER_WORDS)
    const buyer = newAgent(net, BUYER_WORDS)
    await earn(net, seller, 2_000n * MiB)
    await fund(net, buyer, 12, 30_000n)
    await seller.settlement.start()
    await buyer.settlement.start()
    const t1 = terms(seller, buyer, 'C1')
    await seller.settlement.onMatch(t1)
    await buyer.settlement.onMatch(t1)
    expect((await mineWhile(net, buyer.settlement.settled('C1'))).phase).toBe('completed')
    // C2 comes an hour later: Model 0's budget for strangers grows with time, whatever C1's exposure was.
    await net.clock.advance(3_600_000)
    // Four transfers were counted; with no trade open with the seller none of them can count again.
    expect(buyer.settlement.claimedRefs()).toBe(0)
    const [old] = transfersTo(buyer.store, seller.identity.publicKey, buyer.identity.publicKey)
    if (old === undefined) throw new Error('no transfer')
    await seller.settlement.stop()
    // A second trade, the seller's side played by hand: it accepts, gives an address and announces
    // the first trade's first block as its first payment.
    const t2 = terms(seller, buyer, 'C2')
    await buyer.settlement.onMatch(t2)
    const from = net.hub.channelFor(seller.key)
    const say = (body: Record<string, unknown>): void => {
      const m = { ...body, tradeId: 'C2', from: seller.key, to: buyer.key } as TradeMessage
      from.transport.send(buyer.key, encodeTradeMessage(m, seller.identity))
    }
    const journaled = (what: string): boolean =>
      readFileSync(join(buyer.home, TRADES_FILE), 'utf8')
        .split('\n')
        .some((l) => l.includes('"tradeId":"C2"') && l.includes(what))
    say({ type: 'accept', terms: t2 })
    await waitFor(() => buyer.settlement.snapshot('C2')?.phase === 'settling', 'the buyer to open C2')
    say({ type: 'wallet', address: tradeAddress(seller, 'C1') })
    await waitFor(() => journaled('"kind":"address"'), 'the buyer to journal the address')
    const logged = logger.entries.length
    say({ type: 'payment', n: 1, amount: 10n * MiB, ref: `block:${old.sequenceNumber}` })
    await waitFor(
      () => logger.entries.slice(logged).some((e) => e.fields.code === 'MARKET_TRADE_PAYMENT_UNVERIFIED'),
      'the old block to be refused',
    )
    expect(buyer.settlement.snapshot('C2')?.received).toBe(0n)
    // A fresh transfer of the same amount counts (the floor refuses old blocks only), once.
    const proposal = seller.ledger.proposeBandwidth(buyer.identity.publicKey, 0n, 10n * MiB)
    expect((await seller.protocol.requestSignature(buyer.identity.publicKey, proposal)).ok).toBe(true)
    say({ type: 'payment', n: 1, amount: 10n * MiB, ref: `block:${proposal.sequenceNumber}` })
    await waitFor(
      () => buyer.settlement.snapshot('C2')?.received === 10n * MiB,
      'the fresh transfer to count',
    )
    expect(buyer.settlement.claimedRefs()).toBe(1)
    await buyer.settlement.stop()
  }, 30_000)
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
