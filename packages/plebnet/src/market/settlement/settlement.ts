import { join } from 'node:path'
import {
  bytesEqual,
  bytesToHex,
  createSignatureVerifier,
  noCheckpoint,
  type BlockSigner,
  type Checkpoint,
  type Clock,
  type Logger,
  type SignatureVerifier,
} from '@dolly/base'
import type { Expectations } from '@dolly/ledger'
import {
  checkTradeTerms,
  createFileTradeJournal,
  createTradeEngine,
  createTradeTrustPolicy,
  MarketError,
  marketCodeOf,
  roleOf,
  TRADE_ENGINE_DEFAULTS,
  TRADE_TRUST_DEFAULTS,
  type JournalEntry,
  type Negotiator,
  type StrangerAdmission,
  type TokenLedger,
  type TradeEngine,
  type TradeEngineOptions,
  type TradeJournal,
  type TradeRole,
  type TradeSnapshot,
  type TradeTerms,
  type TradeTrustOptions,
} from '@dolly/market'
import type { ChainBackend, Wallet } from '@dolly/wallet'
import { MODEL0_DEFAULTS, type Model0Params } from '../../trust/model0.ts'
import { createLedgerTokens, keyBytes, seqOfRef, type LedgerAccess } from './ledger-tokens.ts'
import { openSettlementIndex, SETTLEMENT_INDEX_FILE, type SettlementIndex } from './settlement-index.ts'
import type { TradeChannel } from './trade-channel.ts'
import { createModel0Admission } from './trade-trust.ts'
import { createWalletPayer } from './wallet-payer.ts'

/** The trade journal's file name in the agent's home. */
export const TRADES_FILE = 'trades.jsonl'

/** Ports of the settlement: the agent's identity, ledger, wallet and a trade channel. */
export interface SettlementDeps {
  /** Agent home: `trades.jsonl` and `market-settlement.jsonl` live there. */
  readonly home: string
  /** Our key: signs trade messages (the agent's identity, the ledger's key too). */
  readonly identity: BlockSigner
  readonly verifier?: SignatureVerifier
  readonly clock: Clock
  readonly log: Logger
  /** The daemon's ledger component (or the same three accessors plus its expectations). */
  readonly ledger: LedgerAccess & { readonly expectations: Expectations }
  readonly wallet: Wallet
  /** The wallet's chain backend: incoming payments are read from it. */
  readonly chain: ChainBackend
  readonly channel: TradeChannel
  /** Answers proposals; default: accept the match's terms. */
  readonly negotiator?: Negotiator
  /** The trade journal; default the file journal `<home>/trades.jsonl` (fault injection in tests). */
  readonly journal?: TradeJournal
  /** The settlement index; default `<home>/market-settlement.jsonl` (fault injection in tests). */
  readonly index?: SettlementIndex
  /**
   * Fault injection at the named steps of TRADE_KILL_POINTS (each right after its line is on disk or
   * its effect happened); production passes nothing (the no-op). The wallet's own steps
   * (`wallet-insert`, `broadcast`) come from the wallet's checkpoint.
   */
  readonly checkpoint?: Checkpoint
}

/** Options of the settlement. */
export interface SettlementOptions {
  /** Engine options (world time); default TRADE_ENGINE_DEFAULTS. */
  readonly engine?: Partial<TradeEngineOptions>
  /** Exposure caps and the open-responsibility cap; default TRADE_TRUST_DEFAULTS. */
  readonly trust?: TradeTrustOptions
  /** Model 0 for strangers; default MODEL0_DEFAULTS. */
  readonly model0?: Model0Params
  /** How often `checkTimeouts()` runs on the clock, ms; default a quarter of the round timeout. */
  readonly checkIntervalMs?: number
  /** How long the ledger expects a trade's MB transfers, ms; default 24 h. */
  readonly expectationTtlMs?: number
}

/** What the settlement has done (from the trade journal, so it survives restarts). */
export interface SettlementStats {
  /** Trades negotiating or settling. */
  readonly open: number
  readonly completed: number
  readonly aborted: number
  /** Sats counted as received for MB we sold. */
  readonly satsReceived: bigint
  /** Sats we paid for MB we bought. */
  readonly satsPaid: bigint
  /** MB we transferred to buyers, bytes (MB = bytes / 2^20). */
  readonly mbSoldBytes: bigint
  /** MB transferred to us, bytes. */
  readonly mbBoughtBytes: bigint
}

/** The agent's trade settlement: the trade engine over its ledger, wallet and trade channel. */
export interface Settlement {
  /** Loads the journals, recovers open trades (engine.recover()), starts the channel and the timeout loop; returns open trades. */
  start(): Promise<number>
  /**
   * A match for us: proposes it when we are the proposer; as the responder, only prepares (the
   * proposer's message starts the trade). Rejects MARKET_TRADE_TERMS_INVALID for malformed terms or when we are no party,
   * MARKET_TRADE_UNTRUSTED when trust refuses the counterparty.
   */
  onMatch(terms: TradeTerms): Promise<void>
  /** One round of retransmissions, retries of failed payments and timeouts (the loop calls it). */
  checkTimeouts(): Promise<void>
  /** The trade's state, or undefined. */
  snapshot(tradeId: string): TradeSnapshot | undefined
  /**
   * Resolves when the trade completed or aborted; for a match we answer, first waits (one round at
   * most) for the proposer's message that starts it. Rejects MARKET_TRADE_UNKNOWN for a trade that
   * never started.
   */
  settled(tradeId: string): Promise<TradeSnapshot>
  stats(): SettlementStats
  /**
   * Transfer refs held as counted (so a seller cannot announce one block in two trades): only those a
   * trade still open with their seller could accept; the rest is refused by the trades' floors.
   */
  claimedRefs(): number
  /** Stops the loop, the channel and any confirmation wait. */
  stop(): Promise<void>
}

interface Seen {
  terms: TradeTerms
  readonly role: TradeRole
  readonly peer: string
  phase: 'negotiating' | 'settling' | 'completed' | 'aborted'
  /** When the trade opened (its `open` entry), ms. */
  openedMs: number
  paid: bigint
  received: bigint
}

const DAY_MS = 86_400_000

type Totals = { -readonly [K in keyof SettlementStats]: SettlementStats[K] }

/** Adds a trade's movements to `t`. */
function add(t: Totals, s: Seen): void {
  if (s.role === 'mb') {
    t.mbSoldBytes += s.paid
    t.satsReceived += s.received
  } else {
    t.satsPaid += s.paid
    t.mbBoughtBytes += s.received
  }
}
const expectationRef = (tradeId: string): string => `trade:${tradeId}`

/** Builds the settlement (nothing runs before `start()`). */
export function createSettlement(deps: SettlementDeps, options: SettlementOptions = {}): Settlement {
  const me = bytesToHex(deps.identity.publicKey)
  const log = deps.log.child({ component: 'settlement' })
  const engineOptions: TradeEngineOptions = { ...TRADE_ENGINE_DEFAULTS, ...options.engine }
  const intervalMs = options.checkIntervalMs ?? Math.max(1, Math.floor(engineOptions.roundTimeoutMs / 4))
  const ttlMs = options.expectationTtlMs ?? DAY_MS
  const checkpoint = deps.checkpoint ?? noCheckpoint
  const rawIndex = deps.index ?? openSettlementIndex(join(deps.home, SETTLEMENT_INDEX_FILE), log)
  const index: SettlementIndex = {
    ...rawIndex,
    async append(entry) {
      await rawIndex.append(entry)
      checkpoint(`index-${entry.kind}`)
    },
  }
  const file = deps.journal ?? createFileTradeJournal(join(deps.home, TRADES_FILE), log)
  /** Open trades (negotiating or settling) by id. */
  const seen = new Map<string, Seen>()
  const closedTotals: Totals = {
    open: 0,
    completed: 0,
    aborted: 0,
    satsReceived: 0n,
    satsPaid: 0n,
    mbSoldBytes: 0n,
    mbBoughtBytes: 0n,
  }
  /** Matches we answer (responder), until the proposer's message starts them: who waits for each. */
  const awaited = new Map<string, (() => void)[]>()
  const wakeArrived = (): void => {
    for (const [tradeId, waiting] of awaited) {
      if (engine.snapshot(tradeId) === undefined) continue
      for (const wake of waiting.splice(0)) wake()
    }
  }
  /**
   * Transfer refs counted as received, per payer: ref → the seq of our agreement to it (Infinity when
   * unknown). A ref pays one payment of one trade. Bounded: a trade counts a transfer only if we
   * countersigned it after the trade's floor (our latest seq before its first entry, in the index),
   * so a claim at or below the lowest floor of the payer's open trades — or below our latest seq when
   * none is open — can never be accepted again and is dropped.
   */
  const claimed = new Map<string, Map<string, number>>()
  const claim = (peer: string, ref: string, at: number): void => {
    const refs = claimed.get(peer) ?? new Map<string, number>()
    refs.set(ref, at)
    claimed.set(peer, refs)
  }
  /** Seq of our agreement to `from`'s transfer `ref`, if stored. */
  const agreementSeq = (from: string, ref: string): number | undefined => {
    const seq = seqOfRef(ref)
    const ledger = deps.ledger.ledger()
    const store = deps.ledger.store()
    if (seq === undefined || ledger === undefined || store === undefined) return undefined
    return store.agreementsOf(keyBytes(from), seq).find((a) => bytesEqual(a.publicKey, ledger.publicKey))
      ?.sequenceNumber
  }
  /** The lowest floor of our open trades buying MB from `peer` (0 for a trade without one), or undefined. */
  const floorOf = (peer: string): number | undefined => {
    let floor: number | undefined
    for (const s of seen.values()) {
      if (s.role !== 'btc' || s.peer !== peer) continue
      const f = index.floor(s.terms.tradeId) ?? 0
      if (floor === undefined || f < floor) floor = f
    }
    return floor
  }
  const prune = (peer: string): void => {
    const refs = claimed.get(peer)
    if (refs === undefined) return
    const floor = floorOf(peer) ?? deps.ledger.ledger()?.latest()?.sequenceNumber ?? 0
    for (const [ref, at] of refs) if (at <= floor) refs.delete(ref)
    if (refs.size === 0) claimed.delete(peer)
  }

  /** What the ledger may countersign for a trade where we buy MB: the rest of its MB, from its seller. */
  let replaying = false
  const expectRest = (s: Seen): void => {
    if (s.role !== 'btc' || replaying) return
    const peer = keyBytes(s.peer)
    const ref = expectationRef(s.terms.tradeId)
    deps.ledger.expectations.cancel(peer, ref)
    const rest = s.terms.mbBytes - s.received
    if (s.phase !== 'negotiating' && s.phase !== 'settling') return
    if (rest <= 0n) return
    const r = deps.ledger.expectations.expect(peer, { ref, upBytes: rest, downBytes: 0n, ttlMs })
    if (!r.ok)
      log.warn('market.expectation_refused', { tradeId: s.terms.tradeId, code: r.code, reason: r.reason })
  }

  /** Folds one journal entry into the settlement's view (stats, expectations, claimed refs). */
  const observe = (e: JournalEntry): void => {
    if (e.kind === 'offered' || e.kind === 'open') {
      const role = roleOf(e.terms, me)
      if (role === undefined) return
      const peer = e.terms.proposer === me ? e.terms.responder : e.terms.proposer
      const prev = seen.get(e.terms.tradeId)
      const s: Seen = prev ?? {
        terms: e.terms,
        role,
        peer,
        phase: 'negotiating',
        openedMs: 0,
        paid: 0n,
        received: 0n,
      }
      s.terms = e.terms
      s.phase = e.kind === 'open' ? 'settling' : 'negotiating'
      if (e.kind === 'open') s.openedMs = e.atMs
      seen.set(e.terms.tradeId, s)
      expectRest(s)
      return
    }
    const s = seen.get(e.tradeId)
    if (s === undefined) return
    if (e.kind === 'pay-done') s.paid += e.amount
    else if (e.kind === 'received') {
      s.received += e.amount
      if (s.role === 'btc') claim(s.peer, e.ref, agreementSeq(s.peer, e.ref) ?? Infinity)
    } else if (e.kind === 'closed') {
      // Replaying: Model 0 learns again what the engine told it when the trade closed (trade.ts close()).
      if (replaying && s.phase === 'settling')
        model0.settle(s.peer, e.outcome === 'completed', e.atMs - s.openedMs)
      s.phase = e.outcome
      expectRest(s)
      // A closed trade lives on in the totals only: the map holds open trades, so it stays bounded.
      if (e.outcome === 'completed') closedTotals.completed++
      else closedTotals.aborted++
      add(closedTotals, s)
      seen.delete(e.tradeId)
      if (!replaying) prune(s.peer)
    }
  }

  const journal: TradeJournal = {
    async append(entry) {
      // A trade where we buy MB: its floor before its first entry (from then on we may countersign its transfers).
      if (entry.kind === 'offered' || entry.kind === 'open') {
        const id = entry.terms.tradeId
        const ledger = deps.ledger.ledger()
        if (roleOf(entry.terms, me) === 'btc' && !seen.has(id) && index.floor(id) === undefined && ledger)
          await index.append({ kind: 'trade-floor', tradeId: id, seq: ledger.latest()?.sequenceNumber ?? 0 })
      }
      await file.append(entry)
      checkpoint(`trade-${entry.kind}`)
      observe(entry)
    },
    readAll: () => file.readAll(),
  }

  const ledgerTokens = createLedgerTokens({ ledger: deps.ledger, index, checkpoint })
  const tokens: TokenLedger = {
    transfer: (to, bytes, key, opts) => ledgerTokens.transfer(to, bytes, key, opts),
    findTransfer: (key) => ledgerTokens.findTransfer(key),
    async received(from, ref) {
      // A transfer counts for one payment only: a seller cannot announce one block in two trades.
      if (claimed.get(from)?.has(ref) === true) return undefined
      const bytes = await ledgerTokens.received(from, ref)
      if (bytes === undefined) return undefined
      // Countersigned after the floor of a trade open with `from`: older blocks belong to no trade of theirs.
      const at = agreementSeq(from, ref)
      if (at === undefined || at <= (floorOf(from) ?? Infinity)) return undefined
      claim(from, ref, at)
      return bytes
    },
  }

  const model0Params = options.model0 ?? MODEL0_DEFAULTS
  /** Model 0 of strangers: rebuilt at start() from the journal's closed trades, so it survives restarts. */
  let model0 = createModel0Admission(deps.clock.nowMs(), model0Params)
  const strangers: StrangerAdmission = {
    isKnown: (peer) => model0.isKnown(peer),
    accept: (peer, nowMs) => model0.accept(peer, nowMs),
    settle: (peer, ok, exposedMs) => model0.settle(peer, ok, exposedMs),
  }
  const trust = createTradeTrustPolicy(
    {
      strangers,
      responsibilities: {
        // Our ledger holds bandwidth blocks only (no tx_init/tx_done), so we count our own open trades with the peer.
        openTrades: (peer) =>
          Promise.resolve(
            [...seen.values()].filter(
              (s) => s.peer === peer && (s.phase === 'negotiating' || s.phase === 'settling'),
            ).length,
          ),
      },
    },
    options.trust ?? TRADE_TRUST_DEFAULTS,
  )

  const engine: TradeEngine = createTradeEngine(
    {
      identity: deps.identity,
      verifier: deps.verifier ?? createSignatureVerifier(),
      ledger: tokens,
      payer: createWalletPayer({ wallet: deps.wallet, chain: deps.chain, index }),
      trust,
      clock: deps.clock,
      journal,
      transport: deps.channel.transport,
      ...(deps.negotiator === undefined ? {} : { negotiator: deps.negotiator }),
      logger: log,
    },
    engineOptions,
  )

  let loop: AbortController | undefined
  /** Ends the channel's peer-seen subscription. */
  let unseen: (() => void) | undefined
  let looping: Promise<void> | undefined

  const runLoop = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      try {
        await deps.clock.sleep(intervalMs, { signal })
      } catch {
        return
      }
      try {
        await engine.checkTimeouts()
      } catch (err) {
        log.warn('market.check_timeouts_failed', { error: String(err) })
      }
    }
  }

  return {
    async start() {
      if (loop !== undefined) return 0
      await index.load()
      // Replay the journal, then expect of each open trade's seller only the MB it still owes. Model 0's
      // window starts at our first journaled trade; replaying the closed trades gives back β, τ and who is known.
      const entries = await file.readAll()
      const first = entries.find((e) => e.kind === 'offered' || e.kind === 'open' || e.kind === 'closed')
      const now = deps.clock.nowMs()
      const t0 = first !== undefined && 'atMs' in first ? Math.min(first.atMs, now) : now
      model0 = createModel0Admission(t0, model0Params)
      replaying = true
      try {
        for (const e of entries) observe(e)
      } finally {
        replaying = false
      }
      for (const peer of [...claimed.keys()]) prune(peer)
      for (const s of seen.values()) expectRest(s)
      deps.channel.onMessage((bytes, fromKey) => {
        engine.receive(bytes).then(wakeArrived, (err: unknown) => {
          log.debug('market.trade_message_refused', { from: fromKey, code: marketCodeOf(err) ?? String(err) })
        })
      })
      // A counterparty seen again (restarted, or at a new address) gets what it may have missed now.
      unseen = deps.channel.onPeerSeen((key) => {
        engine.peerSeen(key).catch((err: unknown) => {
          log.warn('market.peer_seen_failed', { peer: key, error: String(err) })
        })
      })
      await deps.channel.start()
      const open = await engine.recover()
      loop = new AbortController()
      looping = runLoop(loop.signal)
      return open
    },
    async onMatch(terms) {
      checkTradeTerms(terms)
      const role = roleOf(terms, me)
      if (role === undefined)
        throw new MarketError('MARKET_TRADE_TERMS_INVALID', 'we are not a party to this match', {
          tradeId: terms.tradeId,
        })
      if (terms.proposer === me) await engine.propose(terms)
      else awaited.set(terms.tradeId, awaited.get(terms.tradeId) ?? [])
    },
    checkTimeouts: () => engine.checkTimeouts(),
    snapshot: (tradeId) => engine.snapshot(tradeId),
    async settled(tradeId) {
      // As the responder the trade exists once the proposer's message came: wait for it, one round at most.
      const waiting = awaited.get(tradeId)
      if (waiting !== undefined && engine.snapshot(tradeId) === undefined) {
        const arrived = new AbortController()
        waiting.push(() => arrived.abort())
        await deps.clock
          .sleep(engineOptions.roundTimeoutMs, { signal: arrived.signal })
          .catch(() => undefined)
      }
      awaited.delete(tradeId)
      return engine.settled(tradeId)
    },
    claimedRefs() {
      let n = 0
      for (const refs of claimed.values()) n += refs.size
      return n
    },
    stats() {
      const t = { ...closedTotals, open: 0 }
      for (const s of seen.values()) {
        t.open++
        add(t, s)
      }
      return t
    },
    async stop() {
      unseen?.()
      unseen = undefined
      loop?.abort()
      engine.stop()
      await looping
      loop = undefined
      looping = undefined
      await deps.channel.stop()
    },
  }
}
