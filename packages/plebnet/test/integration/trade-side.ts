/**
 * One side of a market trade as its own process, for the kill-at-every-trade-step test
 * (trade-kill-points.test.ts): the daemon's settlement wiring (agent-daemon.ts `withWallet`) — the
 * network component on loopback, the ledger served on it, a wallet on the world's chain, the
 * settlement with the libp2p trade channel — and `DOLLY_KILL_AT` as the daemon reads it, given to the
 * settlement and to the wallet. Restarted on the same home it recovers from its files alone.
 *
 * Control, through files in the shared directory `dir`: it writes `<name>.json` (its key, addresses
 * and receive addresses) once it listens, learns the other sides' addresses from theirs (again and
 * again: a restarted side listens on a new port), enters the trade once `go` exists (first run only),
 * writes `<name>.out` with the trade's outcome when it closes, and stops once `stop` exists.
 *
 * Usage: node trade-side.ts <config.json>
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  bytesToHex,
  createCryptoRng,
  createPinoLogger,
  createSystemClock,
  loadOrCreateIdentity,
  realSleep,
  writeFileAtomic,
} from '@dolly/base'
import { createFileTradeJournal, type JournalEntry, type TradeTerms } from '@dolly/market'
import { createBitcoinCoreRpcChain } from '@dolly/wallet'
import { killCheckpointFromEnv } from '../../src/lifecycle/adapters/kill-checkpoint.ts'
import { TRADES_FILE } from '../../src/market/settlement/settlement.ts'
import { createTrader, startLedgerNode } from './trade-helpers.ts'

/** The side's configuration (bigints as decimal strings). */
export interface TradeSideConfig {
  readonly name: string
  readonly home: string
  /** The shared control directory. */
  readonly dir: string
  readonly words: string
  readonly rpc: { readonly url: string; readonly user: string; readonly password: string }
  /** The other sides' names (their `<name>.json` files). */
  readonly peers: readonly string[]
  readonly terms: Record<keyof TradeTerms, string>
  /** The key (hex) and bytes of a relay block to countersign: the MB this side earned. */
  readonly earnFrom?: { readonly key: string; readonly bytes: string }
  /** Receive addresses to publish for funding. */
  readonly receiveAddresses: number
  /** The engine's round, real ms (a silent peer is retried at half of it). */
  readonly roundTimeoutMs: number
}

/** What `<name>.json` holds. */
export interface SideCard {
  readonly key: string
  readonly addrs: readonly string[]
  readonly receive: readonly string[]
  readonly pid: number
}

/** What `<name>.out` holds: the trade's outcome on this side, as its journal says. */
export interface SideOutcome {
  readonly outcome: 'completed' | 'aborted' | 'none'
  readonly reason?: string
}

const LOOP_MS = 100
/** Bounded: a side gives up after 5 real minutes. */
const MAX_LOOPS = 3_000

async function main(): Promise<void> {
  const path = process.argv[2]
  if (path === undefined) throw new Error('usage: trade-side <config.json>')
  const config = JSON.parse(readFileSync(path, 'utf8')) as TradeSideConfig
  const terms: TradeTerms = {
    tradeId: config.terms.tradeId,
    proposer: config.terms.proposer,
    responder: config.terms.responder,
    mbSeller: config.terms.mbSeller === 'proposer' ? 'proposer' : 'responder',
    mbBytes: BigInt(config.terms.mbBytes),
    sats: BigInt(config.terms.sats),
    mbMinUnit: BigInt(config.terms.mbMinUnit),
    satsMinUnit: BigInt(config.terms.satsMinUnit),
  }
  const clock = createSystemClock()
  // JSON lines on stderr: the test shows their tail when a case fails.
  const log = createPinoLogger({ clock }, { level: 'info' })
  const checkpoint = killCheckpointFromEnv(process.env)
  const identity = await loadOrCreateIdentity(config.home, createCryptoRng())
  const node = await startLedgerNode({ clock, log, identity }, config.home, config.name)
  const { host, ledger } = node
  if (config.earnFrom !== undefined) {
    ledger.expectations.expect(Buffer.from(config.earnFrom.key, 'hex'), {
      ref: 'relay',
      upBytes: BigInt(config.earnFrom.bytes),
      downBytes: 0n,
    })
  }
  const chain = createBitcoinCoreRpcChain(
    { clock },
    { url: config.rpc.url, user: config.rpc.user, password: config.rpc.password, timeoutMs: 30_000 },
  )
  const trader = createTrader({ clock, log, identity, chain, checkpoint }, node, {
    home: config.home,
    words: config.words,
    roundTimeoutMs: config.roundTimeoutMs,
  })
  const { wallet, settlement } = trader
  const learned = new Map<string, string>()
  const learnPeers = (): void => {
    for (const peer of config.peers) {
      const file = join(config.dir, `${peer}.json`)
      if (!existsSync(file)) continue
      const text = readFileSync(file, 'utf8')
      if (learned.get(peer) === text) continue
      let card: SideCard
      try {
        card = JSON.parse(text) as SideCard
      } catch {
        continue // a card being written: read it again on the next look
      }
      host.learn(Buffer.from(card.key, 'hex'), card.addrs)
      learned.set(peer, text)
    }
  }
  const receive: string[] = []
  for (let i = 0; i < config.receiveAddresses; i++) receive.push((await wallet.receiveAddress()).address)
  const card: SideCard = {
    key: bytesToHex(identity.publicKey),
    addrs: host.addresses(),
    receive,
    pid: process.pid,
  }
  learnPeers()
  const journal = createFileTradeJournal(join(config.home, TRADES_FILE))
  /** This trade's entries in the trade journal. */
  const entriesOfTrade = async (): Promise<JournalEntry[]> =>
    (await journal.readAll()).filter(
      (e) => (e.kind === 'offered' || e.kind === 'open' ? e.terms.tradeId : e.tradeId) === terms.tradeId,
    )
  await settlement.start()
  await writeFileAtomic(join(config.dir, `${config.name}.json`), JSON.stringify(card), { mode: 0o644 })
  // The match is in memory only, as in the daemon: a side entered it once, and a restart finds the
  // trade in its journal or not at all (then the match is lost, as a killed daemon's would be).
  const entered = join(config.home, 'entered-match')
  if (!existsSync(entered)) {
    // First run: wait for `go` (the test funded and earned), then enter the trade as the daemon does on a match.
    for (let i = 0; i < MAX_LOOPS && !existsSync(join(config.dir, 'go')); i++) {
      learnPeers()
      await realSleep(LOOP_MS)
    }
    if (terms.proposer === card.key) {
      // A payment spends confirmed coins only: wait until the funding is confirmed.
      for (let i = 0; i < MAX_LOOPS && (await wallet.balance()).confirmedSats < terms.sats; i++)
        await realSleep(LOOP_MS)
    }
    await writeFileAtomic(entered, '', { mode: 0o644 })
    await settlement.onMatch(terms)
  }
  /** The trade's outcome as the journal says (read once per look); undefined while it is open. */
  const outcomeNow = async (sinceMs: number): Promise<SideOutcome | undefined> => {
    const entries = await entriesOfTrade()
    const closed = entries.find((e) => e.kind === 'closed')
    if (closed?.kind === 'closed')
      return closed.outcome === 'completed'
        ? { outcome: 'completed' }
        : { outcome: 'aborted', reason: closed.reason }
    // A trade this side never journaled two rounds after it entered or restarted: there is none
    // (the proposer died before its proposal was on disk, so nothing was ever sent).
    return entries.length === 0 && Date.now() - sinceMs > 2 * config.roundTimeoutMs
      ? { outcome: 'none' }
      : undefined
  }
  let outcome: SideOutcome | undefined
  const startedMs = Date.now()
  for (let i = 0; i < MAX_LOOPS && !existsSync(join(config.dir, 'stop')); i++) {
    learnPeers()
    if (outcome === undefined) {
      outcome = await outcomeNow(startedMs)
      if (outcome !== undefined)
        await writeFileAtomic(join(config.dir, `${config.name}.out`), JSON.stringify(outcome), {
          mode: 0o644,
        })
    }
    await realSleep(LOOP_MS)
  }
  await trader.stop()
  await node.stop()
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
