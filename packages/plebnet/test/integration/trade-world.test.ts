/**
 * Two agents trade 1,000 MB for 100,000 sats on the world's chain (issue 17): the real settlement of
 * the daemon (`createSettlement`) on each side, its ledger served over libp2p on loopback (the
 * daemon's ledger component), trade messages over libp2p (`/dolly/trade/1.0.0`), the buyer's wallet
 * on the world's litecoind (regtest) through the agents' RPC backend. The seller's MB were earned
 * from a third agent in a countersigned block, as a relay's are. Then, from the ledgers and the chain
 * alone: every MB increment is one countersigned transfer of the schedule's amount, every Bitcoin
 * increment one confirmed transaction to the trade's address, and both add up to the trade to the
 * byte and the satoshi; each side's `market audit` of its home agrees. Needs litecoind (the world's
 * chain), no namespaces.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bytesToHex,
  createMemoryLogger,
  createSeededRng,
  createSystemClock,
  generateIdentity,
  realSleep,
  type Identity,
  type Logger,
} from '@dolly/base'
import { decodeBandwidthTx } from '@dolly/ledger'
import { createFileTradeJournal, paymentSchedule, type TradeTerms } from '@dolly/market'
import { createBitcoinCoreRpcChain, satsPaidTo, type ChainBackend } from '@dolly/wallet'
import { startChain, type ChainHandle } from '@dolly/world'
import { auditTrades } from '../../src/market/settlement/audit.ts'
import { TRADES_FILE } from '../../src/market/settlement/settlement.ts'
import { tradePurpose } from '../../src/market/settlement/wallet-payer.ts'
import {
  createTrader,
  startLedgerNode,
  tradeAddress,
  transfersTo,
  type LedgerNode,
  type Trader,
} from './trade-helpers.ts'

const MiB = 1n << 20n
// BIP39 vector mnemonics: test-only keys on the local regtest chain.
const SELLER_WORDS = 'legal winner thank year wave sausage worth useful legal winner thank yellow'
const BUYER_WORDS = 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above'
const EARNED = 2_000n * MiB

/** One agent in this test: its home, identity, ledger node (and, for traders, wallet and settlement). */
interface Agent {
  readonly name: string
  readonly home: string
  readonly identity: Identity
  readonly key: string
  readonly log: Logger
  readonly node: LedgerNode
  trader?: Trader
}

describe('two agents trade on the world chain over libp2p', () => {
  const logger = createMemoryLogger()
  const clock = createSystemClock()
  let dir: string
  let chain: ChainHandle
  let backend: ChainBackend
  const agents: Agent[] = []

  /** An agent on loopback: the network component (libp2p, overlay) and the ledger served on it. */
  const startAgent = async (name: string): Promise<Agent> => {
    const home = join(dir, name)
    const identity = generateIdentity(createSeededRng(`trade-world-${name}`))
    const log = logger.child({ agent: name })
    const node = await startLedgerNode({ clock, log, identity }, home, name)
    const agent: Agent = { name, home, identity, key: bytesToHex(identity.publicKey), log, node }
    // Every agent knows every other's address (the overlay's bootstrap would, in a few rounds).
    for (const other of agents) {
      node.host.learn(other.identity.publicKey, other.node.host.addresses())
      other.node.host.learn(identity.publicKey, node.host.addresses())
    }
    agents.push(agent)
    return agent
  }

  /** The trader's wallet on the world chain and its settlement (the daemon's wiring, agent-daemon.ts). */
  const startTrader = async (a: Agent, words: string): Promise<Trader> => {
    const trader = createTrader({ clock, log: a.log, identity: a.identity, chain: backend }, a.node, {
      home: a.home,
      words,
    })
    a.trader = trader
    expect(await trader.settlement.start()).toBe(0)
    return trader
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-trade-world-'))
    chain = await startChain({ dir: join(dir, 'chain') })
    // The agents' RPC user, as their config names it ([world] in agent.conf).
    backend = createBitcoinCoreRpcChain(
      { clock },
      { url: chain.rpcUrl, user: chain.agentRpcUser, password: chain.agentRpcPassword, timeoutMs: 30_000 },
    )
  }, 120_000)

  afterAll(async () => {
    for (const a of agents.reverse()) {
      await a.trader?.stop()
      await a.node.stop()
    }
    await chain?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  }, 120_000)

  /** Mines a block every 500 ms until `until` settles (bounded: 3 real minutes). */
  const mineWhile = async <T>(until: Promise<T>): Promise<T> => {
    let done = false
    const result = until.finally(() => {
      done = true
    })
    for (let i = 0; i < 360 && !done; i++) {
      await realSleep(500)
      if (!done) await chain.mine(1)
    }
    if (!done) {
      const tail = logger.entries.slice(-40).map((e) => `${e.event} ${JSON.stringify(e.fields, big)}`)
      throw new Error(`the trade did not settle in 3 minutes; last log lines:\n${tail.join('\n')}`)
    }
    return result
  }

  it('moves 1,000 MB in countersigned ledger transfers and 100,000 sats in confirmed payments, exactly the trade', async () => {
    const relayer = await startAgent('relayer')
    const seller = await startAgent('seller')
    const buyer = await startAgent('buyer')
    // The seller earned 2,000 MB relaying for the relayer: a block the seller countersigns because it
    // expects it (its tunnels record what they measured; here the test records it).
    expect(
      seller.node.ledger.expectations.expect(relayer.identity.publicKey, {
        ref: 'relay',
        upBytes: EARNED,
        downBytes: 0n,
      }).ok,
    ).toBe(true)
    const earned = await relayer.node.ledger.protocol()?.transact(seller.identity.publicKey, 0n, EARNED)
    expect(earned?.ok, JSON.stringify(earned, big)).toBe(true)
    expect(seller.node.ledger.ledger()?.balance().bytes).toBe(EARNED)

    const { settlement: sellerSettlement } = await startTrader(seller, SELLER_WORDS)
    const { settlement: buyerSettlement, wallet: buyerWallet } = await startTrader(buyer, BUYER_WORDS)
    // The buyer's coins: twelve confirmed outputs from the world's faucet (a payment spends confirmed coins only).
    for (let i = 0; i < 12; i++) await chain.faucet((await buyerWallet.receiveAddress()).address, 30_000n)
    await chain.mine(1)
    expect((await buyerWallet.balance()).confirmedSats).toBe(360_000n)

    const t: TradeTerms = {
      tradeId: 'W1',
      proposer: buyer.key,
      responder: seller.key,
      mbSeller: 'responder',
      mbBytes: 1_000n * MiB,
      sats: 100_000n,
      mbMinUnit: 10n * MiB,
      satsMinUnit: 3_000n,
    }
    // As the daemon does on a match: the responder prepares, the proposer proposes.
    await sellerSettlement.onMatch(t)
    const sellerDone = sellerSettlement.settled(t.tradeId)
    await buyerSettlement.onMatch(t)
    const t0 = Date.now()
    expect((await mineWhile(buyerSettlement.settled(t.tradeId))).phase).toBe('completed')
    expect((await mineWhile(sellerDone)).phase).toBe('completed')
    console.log(`trade W1 settled in ${Date.now() - t0} ms (real chain, blocks every 500 ms)`)
    expect(buyerSettlement.snapshot(t.tradeId)).toMatchObject({ paid: t.sats, received: t.mbBytes })
    expect(sellerSettlement.snapshot(t.tradeId)).toMatchObject({ paid: t.mbBytes, received: t.sats })

    const schedule = paymentSchedule({
      first: { total: t.mbBytes, minUnit: t.mbMinUnit },
      second: { total: t.sats, minUnit: t.satsMinUnit },
    })
    const mbSteps = schedule.filter((s) => s.payer === 'first')
    const btcSteps = schedule.filter((s) => s.payer === 'second')
    expect(mbSteps.length).toBeGreaterThan(1)
    expect(btcSteps.length).toBeGreaterThan(1)

    // MB, from both ledgers: one countersigned transfer per MB step, of the step's amount, in order.
    for (const who of [seller, buyer]) {
      const store = who.node.ledger.store()
      if (store === undefined) throw new Error('ledger not running')
      const blocks = transfersTo(store, seller.identity.publicKey, buyer.identity.publicKey)
      expect(
        blocks.map((b) => decodeBandwidthTx(b.transaction)?.down),
        `${who.name}'s copy of the transfers`,
      ).toEqual(mbSteps.map((s) => s.amount))
      for (const b of blocks)
        expect(store.agreementsOf(b.publicKey, b.sequenceNumber).length, `${who.name} countersigned`).toBe(1)
    }
    expect(seller.node.ledger.ledger()?.balance().bytes).toBe(EARNED - t.mbBytes)
    expect(buyer.node.ledger.ledger()?.balance().bytes).toBe(t.mbBytes)
    // Nothing left for the seller to claim on the buyer's ledger.
    expect(buyer.node.ledger.expectations.outstanding(seller.identity.publicKey)).toEqual([])

    // Sats, from the buyer's wallet and the chain: one payment per Bitcoin step under its own key,
    // each a confirmed transaction paying the step's amount to the trade's address.
    // The world counts up to 100,000 sats of a trade unconfirmed (WORLD_CONFIRMATIONS), so the last
    // payments may still be in the mempool when both sides settle: one more block, then every payment
    // must be in it or an earlier one.
    await chain.mine(1)
    const address = tradeAddress(seller.home, t.tradeId)
    if (address === undefined) throw new Error('no trade address in the seller index')
    const payments = buyerWallet
      .history()
      .payments.filter((p) => p.purpose.startsWith(`market ${t.tradeId}:`))
    expect(Object.fromEntries(payments.map((p) => [p.purpose, p.amountSats]))).toEqual(
      Object.fromEntries(btcSteps.map((s, i) => [tradePurpose(`${t.tradeId}:btc:${i + 1}`), s.amount])),
    )
    let onChain = 0n
    for (const p of payments) {
      const tx = await backend.getTransaction(p.txid)
      expect(tx?.confirmations, p.purpose).toBeGreaterThan(0)
      const paid = satsPaidTo(tx?.hex ?? '', address)
      expect(paid, p.purpose).toBe(p.amountSats)
      onChain += paid
    }
    expect(onChain).toBe(t.sats)
    // Both settlements count exactly the trade.
    expect(sellerSettlement.stats()).toMatchObject({
      completed: 1,
      satsReceived: t.sats,
      mbSoldBytes: t.mbBytes,
    })
    expect(buyerSettlement.stats()).toMatchObject({
      completed: 1,
      satsPaid: t.sats,
      mbBoughtBytes: t.mbBytes,
    })

    // `plebnet market audit` of each home: journal against ledger, wallet and chain, exact.
    for (const [who, role] of [
      [seller, 'mb'],
      [buyer, 'btc'],
    ] as const) {
      const store = who.node.ledger.store()
      if (store === undefined) throw new Error('ledger not running')
      const rows = await auditTrades({
        ourKey: who.identity.publicKey,
        entries: await createFileTradeJournal(join(who.home, TRADES_FILE)).readAll(),
        ledger: store,
        payments: who.trader?.walletStore.listPayments() ?? [],
        txHex: async (txid) => (await backend.getTransaction(txid))?.hex,
      })
      expect(rows, who.name).toHaveLength(1)
      expect(rows[0], who.name).toMatchObject({
        tradeId: t.tradeId,
        role,
        outcome: 'completed',
        termsMbBytes: t.mbBytes,
        termsSats: t.sats,
        ledgerMbBytes: t.mbBytes,
        journalMbBytes: t.mbBytes,
        chainSats: t.sats,
        problems: [],
      })
    }
  }, 600_000)
})

/** JSON.stringify replacer for bigints. */
function big(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? String(v) : v
}
