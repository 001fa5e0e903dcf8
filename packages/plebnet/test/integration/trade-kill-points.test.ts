/**
 * kill -9 of either side at every named trade step, in real processes on the world's chain (issue 17).
 * Each side of a 1,000 MB for 100,000 sats trade is its own process (trade-side.ts: the daemon's
 * settlement wiring, ledger served over libp2p on loopback, wallet on the world's litecoind); the
 * victim runs with `DOLLY_KILL_AT=<step>:<n>` (TRADE_KILL_POINTS and the wallet's steps) and SIGKILLs
 * itself right after that step; the test starts it again on the same home, unarmed. Then, from the
 * homes and the chain alone: the trade completed on both sides (or, when the proposer died before its
 * proposal was on disk, never existed on either); every MB transfer is one countersigned block and
 * every Bitcoin payment one transaction under its own key; what moved is what each journal says, and
 * for a completed trade exactly the terms; each side's audit finds nothing. Needs litecoind, no
 * namespaces.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bytesToHex,
  createNullLogger,
  createSeededRng,
  createSystemClock,
  generateIdentity,
  IDENTITY_FILE,
  realSleep,
  writeFileAtomic,
} from '@dolly/base'
import { decodeBandwidthTx, openSqliteLedgerStore, STATE_DB_FILE, type LedgerStore } from '@dolly/ledger'
import { createFileTradeJournal, paymentSchedule, type TradeTerms } from '@dolly/market'
import {
  createBitcoinCoreRpcChain,
  generateMnemonic,
  networkParams,
  openSqliteWalletStore,
  satsPaidTo,
  type ChainBackend,
} from '@dolly/wallet'
import { startChain, type ChainHandle } from '@dolly/world'
import { KILL_AT_ENV, KILL_LOG_ENV } from '../../src/lifecycle/adapters/kill-checkpoint.ts'
import { TRADE_KILL_POINTS } from '../../src/lifecycle/kill-points.ts'
import { auditTrades } from '../../src/market/settlement/audit.ts'
import { TRADES_FILE } from '../../src/market/settlement/settlement.ts'
import { startLedgerNode, tradeAddress, transfersTo, type LedgerNode } from './trade-helpers.ts'
import type { SideCard, SideOutcome, TradeSideConfig } from './trade-side.ts'

const MiB = 1n << 20n
const world = networkParams('world')
const EARNED = 2_000n * MiB
const SIDE = join(import.meta.dirname, 'trade-side.ts')
/**
 * The engine's round in the side processes: a peer silent for 10 s is sent to again, one silent for
 * a whole round is given up on (a restarted side is back in a few seconds, more on a busy machine).
 */
const ROUND_MS = 20_000
/** Real ms from the go to both outcomes. */
const CASE_MS = 150_000

type Side = 'seller' | 'buyer'
/**
 * Every step a side passes in one trade, at its first occurrence, and a later one where the step
 * repeats per increment (the schedule has four of each side's payments): the seller pays MB, the
 * buyer pays sats. The seller accepts the proposal as it comes, so its first line is `open` (it
 * journals `offered` only for a counter-proposal of its own).
 */
const CASES: readonly { readonly victim: Side; readonly step: string; readonly nth: number }[] = [
  ...(
    [
      ['trade-open', 1],
      ['index-address', 1],
      ['trade-address', 1],
      ['trade-pay-intent', 1],
      ['index-transfer-intent', 1],
      ['index-transfer-proposed', 1],
      ['transfer-countersigned', 1],
      ['transfer-countersigned', 3],
      ['index-transfer-done', 1],
      ['trade-pay-done', 1],
      ['trade-received', 1],
      ['trade-received', 4],
      ['trade-closed', 1],
    ] as const
  ).map(([step, nth]) => ({ victim: 'seller' as const, step, nth })),
  ...(
    [
      ['index-trade-floor', 1],
      ['trade-offered', 1],
      ['trade-open', 1],
      ['trade-address', 1],
      ['trade-received', 1],
      ['trade-pay-intent', 1],
      ['wallet-insert', 1],
      ['broadcast', 1],
      ['broadcast', 3],
      ['trade-pay-done', 1],
      ['trade-pay-done', 4],
      ['trade-closed', 1],
    ] as const
  ).map(([step, nth]) => ({ victim: 'buyer' as const, step, nth })),
]
/** The buyer dies before its proposal is on disk: nothing was sent, the trade never existed. */
const NEVER_STARTED = new Set(['buyer index-trade-floor'])

describe('kill -9 at every named trade step, in real processes on the world chain', () => {
  const clock = createSystemClock()
  let root: string
  let chain: ChainHandle
  let backend: ChainBackend
  const running = new Set<ChildProcess>()
  const relayers: LedgerNode[] = []

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dolly-trade-kill-'))
    chain = await startChain({ dir: join(root, 'chain') })
    backend = createBitcoinCoreRpcChain(
      { clock },
      { url: chain.rpcUrl, user: chain.agentRpcUser, password: chain.agentRpcPassword, timeoutMs: 30_000 },
    )
  }, 120_000)

  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL')
    for (const r of relayers) await r.stop()
    await chain?.stop()
    if (root !== undefined) await rm(root, { recursive: true, force: true })
  }, 120_000)

  it('covers every trade step of TRADE_KILL_POINTS, on the side that reaches it', () => {
    const covered = new Set(CASES.map((c) => c.step))
    for (const step of TRADE_KILL_POINTS) expect(covered, step).toContain(step)
  })

  it.each(CASES.map((c) => [c.victim, c.step, c.nth] as const))(
    '%s killed at %s:%i resumes or aborts, pays nothing twice, conserves MB and sats',
    async (victim, step, nth) => {
      const name = `${victim}-${step}-${nth}`
      const dir = join(root, name)
      await mkdir(dir)
      const tradeId = `K-${name}`
      const words: Record<Side, string> = {
        seller: generateMnemonic(createSeededRng(`${name}-seller`), world),
        buyer: generateMnemonic(createSeededRng(`${name}-buyer`), world),
      }
      // The relayer (this process) pays the seller 2,000 MB for relaying: the seller's earnings.
      const relayerIdentity = generateIdentity(createSeededRng(`${name}-relayer`))
      const relayer = await startLedgerNode(
        { clock, log: createNullLogger(), identity: relayerIdentity },
        join(dir, 'relayer'),
        'relayer',
      )
      relayers.push(relayer)

      // Identities first, so the terms can name both keys: each side's identity file in its home.
      const homes: Record<Side, string> = { seller: join(dir, 'seller'), buyer: join(dir, 'buyer') }
      const keys = {} as Record<Side, string>
      for (const side of ['seller', 'buyer'] as const) {
        await mkdir(homes[side])
        const id = generateIdentity(createSeededRng(`${name}-${side}-identity`))
        await writeFile(join(homes[side], IDENTITY_FILE), id.toPem(), { mode: 0o600 })
        keys[side] = bytesToHex(id.publicKey)
      }
      const terms: TradeTerms = {
        tradeId,
        proposer: keys.buyer,
        responder: keys.seller,
        mbSeller: 'responder',
        mbBytes: 1_000n * MiB,
        sats: 100_000n,
        mbMinUnit: 10n * MiB,
        satsMinUnit: 3_000n,
      }
      const configOf = (side: Side): string => {
        const config: TradeSideConfig = {
          name: side,
          home: homes[side],
          dir,
          words: words[side],
          rpc: { url: chain.rpcUrl, user: chain.agentRpcUser, password: chain.agentRpcPassword },
          peers: side === 'seller' ? ['buyer', 'relayer'] : ['seller'],
          terms: Object.fromEntries(
            Object.entries(terms).map(([k, v]) => [k, String(v)]),
          ) as TradeSideConfig['terms'],
          ...(side === 'seller'
            ? { earnFrom: { key: bytesToHex(relayerIdentity.publicKey), bytes: String(EARNED) } }
            : {}),
          receiveAddresses: side === 'buyer' ? 12 : 0,
          roundTimeoutMs: ROUND_MS,
        }
        return JSON.stringify(config)
      }
      for (const side of ['seller', 'buyer'] as const)
        await writeFile(join(dir, `${side}.config.json`), configOf(side))
      const logs: Record<Side, string[]> = { seller: [], buyer: [] }
      const exits: Record<Side, { code: number | null; signal: NodeJS.Signals | null }[]> = {
        seller: [],
        buyer: [],
      }
      const procs = {} as Record<Side, ChildProcess>
      const start = (side: Side, armed: boolean): void => {
        const env: Record<string, string> = {}
        for (const [k, v] of Object.entries(process.env))
          if (v !== undefined && k !== KILL_AT_ENV && k !== KILL_LOG_ENV) env[k] = v
        if (armed) {
          env[KILL_AT_ENV] = `${step}:${nth}`
          env[KILL_LOG_ENV] = join(dir, 'killed.log')
        }
        const child = spawn(process.execPath, [SIDE, join(dir, `${side}.config.json`)], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        running.add(child)
        child.stdout?.on('data', (d: Buffer) => logs[side].push(d.toString()))
        child.stderr?.on('data', (d: Buffer) => logs[side].push(d.toString()))
        child.on('exit', (code, signal) => {
          running.delete(child)
          exits[side].push({ code, signal })
        })
        procs[side] = child
      }
      const card = (side: string): SideCard | undefined => {
        const file = join(dir, `${side}.json`)
        return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SideCard) : undefined
      }
      const outcome = (side: Side): SideOutcome | undefined => {
        const file = join(dir, `${side}.out`)
        return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SideOutcome) : undefined
      }
      const failure = (why: string): Error =>
        new Error(
          `${name}: ${why}\n--- seller\n${logs.seller.join('').slice(-6000)}\n--- buyer\n${logs.buyer.join('').slice(-6000)}`,
        )
      const until = async (what: string, cond: () => boolean, ms: number, mine = false): Promise<void> => {
        const deadline = Date.now() + ms
        while (!cond()) {
          if (Date.now() > deadline) throw failure(`timed out waiting for ${what}`)
          if (
            exits.seller.some((e) => e.code !== null && e.code !== 0) ||
            exits.buyer.some((e) => e.code !== null && e.code !== 0)
          )
            throw failure('a side failed')
          await realSleep(mine ? 500 : 50)
          if (mine) await chain.mine(1)
        }
      }

      // Every wait below has a deadline, but an RPC or a libp2p stop can still hang under load: fail
      // with both sides' logs before the runner's timeout cuts the case off without them.
      let guard: NodeJS.Timeout | undefined
      const hung = new Promise<never>((_resolve, reject) => {
        guard = setTimeout(() => reject(failure('the case hung')), CASE_MS + 120_000)
      })
      const run = async (): Promise<void> => {
        start('seller', victim === 'seller')
        start('buyer', victim === 'buyer')
        await until(
          'both sides listening',
          () => card('seller') !== undefined && card('buyer') !== undefined,
          60_000,
        )
        const sellerCard = card('seller')
        const buyerCard = card('buyer')
        if (sellerCard === undefined || buyerCard === undefined) throw failure('no cards')
        // Atomically: the seller reads the card while it waits (a half-written one is not JSON).
        await writeFileAtomic(
          join(dir, 'relayer.json'),
          JSON.stringify({
            key: bytesToHex(relayerIdentity.publicKey),
            addrs: relayer.host.addresses(),
            receive: [],
            pid: process.pid,
          }),
          { mode: 0o644 },
        )
        relayer.host.learn(Buffer.from(sellerCard.key, 'hex'), sellerCard.addrs)
        const earned = await relayer.ledger
          .protocol()
          ?.transact(Buffer.from(sellerCard.key, 'hex'), 0n, EARNED)
        expect(
          earned?.ok,
          JSON.stringify(earned, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
        ).toBe(true)
        for (const address of buyerCard.receive) await chain.faucet(address, 30_000n)
        await chain.mine(1)
        await writeFile(join(dir, 'go'), '')

        // Mine a block every 500 ms; start the victim again, unarmed, once its kill took it down.
        let restarted = false
        await until(
          'both outcomes',
          () => {
            const dead = exits[victim].find((e) => e.signal === 'SIGKILL')
            if (dead !== undefined && !restarted) {
              restarted = true
              start(victim, false)
            }
            return outcome('seller') !== undefined && outcome('buyer') !== undefined
          },
          CASE_MS,
          true,
        )
        await writeFile(join(dir, 'stop'), '')
        await until(
          'both sides stopped',
          () => running.size === 0 || ![procs.seller, procs.buyer].some((p) => running.has(p)),
          30_000,
        )
        await relayer.stop()
      }
      try {
        await Promise.race([run(), hung])
      } finally {
        clearTimeout(guard)
      }

      // The kill happened, once, where it was armed.
      expect(readFileSync(join(dir, 'killed.log'), 'utf8'), 'kill log').toBe(`${step}:${nth}\n`)
      expect(exits[victim][0]?.signal).toBe('SIGKILL')
      const outcomes = `${outcome('seller')?.outcome}/${outcome('buyer')?.outcome}`
      const reasons = `seller ${JSON.stringify(outcome('seller'))}, buyer ${JSON.stringify(outcome('buyer'))}`
      const expected = NEVER_STARTED.has(`${victim} ${step}`) ? 'none/none' : 'completed/completed'
      expect(outcomes, failure(`outcomes: ${reasons}`).message).toBe(expected)

      // From the homes and the chain alone.
      const stores: Record<Side, LedgerStore> = {
        seller: openSqliteLedgerStore(join(homes.seller, STATE_DB_FILE)),
        buyer: openSqliteLedgerStore(join(homes.buyer, STATE_DB_FILE)),
      }
      const walletStore = openSqliteWalletStore(join(homes.buyer, 'wallet.sqlite'))
      try {
        const sellerKey = Buffer.from(keys.seller, 'hex')
        const buyerKey = Buffer.from(keys.buyer, 'hex')
        // MB: each of the seller's transfers to the buyer countersigned by it, in both stores.
        const blocks = transfersTo(stores.seller, sellerKey, buyerKey)
        for (const b of blocks) {
          expect(
            stores.seller.agreementsOf(b.publicKey, b.sequenceNumber).length,
            `seq ${b.sequenceNumber}`,
          ).toBe(1)
          expect(
            stores.buyer.agreementsOf(b.publicKey, b.sequenceNumber).length,
            `seq ${b.sequenceNumber}`,
          ).toBe(1)
        }
        const moved = blocks.reduce((a, b) => a + (decodeBandwidthTx(b.transaction)?.down ?? 0n), 0n)
        // Sats: at most one live payment per key, every one on chain to the trade's address.
        const payments = walletStore.listPayments().filter((p) => p.purpose.startsWith(`market ${tradeId}:`))
        const live = payments.filter((p) => p.state !== 'failed')
        expect(new Set(live.map((p) => p.purpose)).size, 'one payment per key').toBe(live.length)
        let onChain = 0n
        const address = tradeAddress(homes.seller, tradeId)
        for (const p of live)
          onChain += satsPaidTo((await backend.getTransaction(p.txid))?.hex ?? '', address ?? '')
        if (expected === 'completed/completed') {
          const schedule = paymentSchedule({
            first: { total: terms.mbBytes, minUnit: terms.mbMinUnit },
            second: { total: terms.sats, minUnit: terms.satsMinUnit },
          })
          expect(blocks.map((b) => decodeBandwidthTx(b.transaction)?.down)).toEqual(
            schedule.filter((s) => s.payer === 'first').map((s) => s.amount),
          )
          expect(moved).toBe(terms.mbBytes)
          expect(live.map((p) => p.amountSats)).toEqual(
            schedule.filter((s) => s.payer === 'second').map((s) => s.amount),
          )
          expect(onChain).toBe(terms.sats)
        } else {
          expect(moved).toBe(0n)
          expect(live).toEqual([])
          expect(address).toBeUndefined()
        }
        // Each side's audit: journal against ledger, wallet and chain.
        for (const side of ['seller', 'buyer'] as const) {
          const rows = await auditTrades({
            ourKey: Buffer.from(keys[side], 'hex'),
            entries: await createFileTradeJournal(join(homes[side], TRADES_FILE)).readAll(),
            ledger: stores[side],
            payments: side === 'buyer' ? walletStore.listPayments() : [],
            txHex: async (txid) => (await backend.getTransaction(txid))?.hex,
          })
          for (const row of rows) {
            expect(row.problems, `${side} audit`).toEqual([])
            expect(row).toMatchObject({
              outcome: 'completed',
              ledgerMbBytes: terms.mbBytes,
              chainSats: terms.sats,
            })
          }
          expect(rows.length, `${side} audit rows`).toBe(expected === 'completed/completed' ? 1 : 0)
        }
      } finally {
        stores.seller.close()
        stores.buyer.close()
        walletStore.close()
      }
    },
    CASE_MS + 150_000,
  )
})
