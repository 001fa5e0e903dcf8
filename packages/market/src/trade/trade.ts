/**
 * The trade protocol engine (ALGORITHMS.md §10 phases 3–5): one per agent, a state machine per trade
 * for either side, driven by signed messages and time over ports. Every intent is journaled before
 * its effect and its outcome after, so {@link TradeEngine.recover} after a kill -9 resumes each open
 * trade or aborts it and never pays twice (README "Crash recovery").
 */
import {
  bytesToHex,
  createNullLogger,
  type BlockSigner,
  type Clock,
  type Logger,
  type SignatureVerifier,
} from '@dolly/base'
import { MarketError } from '../errors.ts'
import { entryTradeId, type JournalEntry } from './journal.ts'
import { decodeTradeMessage, encodeTradeMessage, type TradeMessage } from './messages.ts'
import type {
  BitcoinPayer,
  Negotiator,
  TokenLedger,
  TradeJournal,
  TradeTransport,
  TrustPolicy,
} from './ports.ts'
import { maxExposure, paymentOf, paymentSchedule } from './schedule.ts'
import {
  answerTo,
  checkNextPayment,
  foldJournal,
  fullySettled,
  mine,
  myTurn,
  newTradeState,
  reject,
  snapshotOf,
  type Paid,
  type TradeSnapshot,
  type TradeState,
} from './state.ts'
import { checkTradeTerms, sameTerms, scheduleTermsOf, type TradeTerms } from './terms.ts'
import { paymentCounts, WORLD_CONFIRMATIONS, type ConfirmationPolicy } from './trust.ts'

export type { TradePhase, TradeSnapshot } from './state.ts'

/** Ports of the engine. */
export interface TradeEngineDeps {
  /** Our key: signs every message we send. */
  readonly identity: BlockSigner
  readonly verifier: SignatureVerifier
  readonly ledger: TokenLedger
  readonly payer: BitcoinPayer
  readonly trust: TrustPolicy
  readonly clock: Clock
  readonly journal: TradeJournal
  readonly transport: TradeTransport
  /** Answers proposals; default: accept. */
  readonly negotiator?: Negotiator
  readonly logger?: Logger
}

/** Options of the engine. */
export interface TradeEngineOptions {
  /** How long we wait for the counterparty's next message before retransmitting (half) and abandoning. */
  readonly roundTimeoutMs: number
  /** When incoming sats count. */
  readonly confirmations: ConfirmationPolicy
  /** How often a payment waiting for confirmations is looked at again. */
  readonly confirmationPollMs: number
  /** How long a payment may wait for its confirmations. */
  readonly confirmationTimeoutMs: number
  /** Counter-proposals before a negotiation is declined. */
  readonly maxCounters: number
  /** How long a closed trade is remembered (to answer a late retransmission) before it is dropped. */
  readonly retainClosedMs: number
}

/** Defaults (world time). */
export const TRADE_ENGINE_DEFAULTS: TradeEngineOptions = Object.freeze({
  roundTimeoutMs: 120_000,
  confirmations: WORLD_CONFIRMATIONS,
  confirmationPollMs: 1_000,
  confirmationTimeoutMs: 3_600_000,
  maxCounters: 2,
  retainClosedMs: 1_200_000,
})

/** The engine. */
export interface TradeEngine {
  /** Rebuilds every trade from the journal, reconciles unfinished payments and resumes. Returns open trades. */
  recover(): Promise<number>
  /** Proposes `terms` (we are `terms.proposer`). */
  propose(terms: TradeTerms): Promise<void>
  /** Handles one incoming message; rejects with a MarketError code when the message is refused. */
  receive(bytes: Uint8Array): Promise<void>
  /** Retransmits to silent counterparties and abandons those silent past the round timeout. */
  checkTimeouts(): Promise<void>
  /**
   * `peer` (hex key) was seen again (it connected, or we learned where it listens now): sends it at
   * once what it may have missed of our open trades with it, as the retransmission half a round
   * later would. A restarted counterparty resumes in seconds, not half a round. At most once a
   * second per trade, whatever the peer does.
   */
  peerSeen(peer: string): Promise<void>
  /** The trade's state, or undefined. */
  snapshot(tradeId: string): TradeSnapshot | undefined
  /** Resolves when the trade is completed or aborted. */
  settled(tradeId: string): Promise<TradeSnapshot>
  /** Ends confirmation waits. */
  stop(): void
}

/** A trade as the engine holds it: its state plus its work queue and waiters. */
interface Trade extends TradeState {
  queue: Promise<void>
  readonly waiters: ((s: TradeSnapshot) => void)[]
  /** When `peerSeen` last sent this trade's messages again (clock ms). */
  seenResentMs: number
}

/** The least time between two resends of one trade that seeing its peer again may cause, ms. */
const PEER_SEEN_RESEND_GAP_MS = 1_000

/** Builds the engine. */
export function createTradeEngine(
  deps: TradeEngineDeps,
  options: TradeEngineOptions = TRADE_ENGINE_DEFAULTS,
): TradeEngine {
  const me = bytesToHex(deps.identity.publicKey)
  const log = deps.logger ?? createNullLogger()
  const negotiator: Negotiator = deps.negotiator ?? (() => ({ kind: 'accept' }))
  const trades = new Map<string, Trade>()
  const stopper = new AbortController()

  const send = (t: Trade, body: Record<string, unknown> & { type: TradeMessage['type'] }): void => {
    const message = { ...body, tradeId: t.terms.tradeId, from: me, to: t.peer } as TradeMessage
    deps.transport.send(t.peer, encodeTradeMessage(message, deps.identity))
  }

  const snap = snapshotOf
  const wrap = (state: TradeState): Trade =>
    Object.assign(state, { queue: Promise.resolve(), waiters: [], seenResentMs: -Infinity })
  const newTrade = (terms: TradeTerms): Trade =>
    wrap(newTradeState(terms, me, deps.clock.nowMs() + options.roundTimeoutMs))

  /** Runs `fn` after the trade's earlier work: one step at a time per trade. */
  const serial = (t: Trade, fn: () => Promise<void>): Promise<void> => {
    const run = t.queue.then(fn)
    t.queue = run.catch(() => undefined)
    return run
  }

  const rearm = (t: Trade): void => {
    t.deadlineMs = deps.clock.nowMs() + options.roundTimeoutMs
    t.retransmitted = false
  }

  const close = async (
    t: Trade,
    outcome: 'completed' | 'aborted',
    reason: string,
    notify: boolean,
  ): Promise<void> => {
    const atMs = deps.clock.nowMs()
    await deps.journal.append({ kind: 'closed', tradeId: t.terms.tradeId, outcome, reason, atMs })
    const wasOpen = t.phase === 'settling'
    t.phase = outcome
    t.reason = reason
    t.closedMs = atMs
    if (outcome === 'completed') send(t, { type: 'done' })
    else if (notify) send(t, { type: 'abort', reason })
    if (wasOpen) deps.trust.settled(t.peer, outcome === 'completed', atMs - t.openedMs)
    log.info('market.trade_closed', { tradeId: t.terms.tradeId, outcome, reason })
    for (const w of t.waiters.splice(0)) w(snap(t))
  }

  const sendPaymentNotice = (t: Trade, p: Paid): void => {
    send(t, { type: 'payment', n: p.n, amount: p.amount, ref: p.ref })
  }

  /** Everything the counterparty may have missed of ours: accept, wallet, our last payment. */
  const resend = (t: Trade): void => {
    if (t.phase === 'negotiating') {
      if (t.awaitingPeer)
        send(t, { type: t.terms.proposer === me && t.counters === 0 ? 'propose' : 'counter', terms: t.terms })
      return
    }
    if (t.phase === 'aborted') {
      send(t, { type: 'abort', reason: t.reason })
      return
    }
    if (t.acceptedBy === 'me') send(t, { type: 'accept', terms: t.terms })
    if (t.role === 'mb' && t.address !== undefined) send(t, { type: 'wallet', address: t.address })
    const last = t.paid.at(-1)
    if (last !== undefined) sendPaymentNotice(t, last)
    if (t.phase === 'completed') send(t, { type: 'done' })
  }

  /** Our n-th payment: intent journaled first, the idempotent effect, then the outcome. */
  const pay = async (t: Trade): Promise<void> => {
    const n = t.paid.length + 1
    const amount = paymentOf(t.steps, mine(t), n)
    if (amount === undefined) return
    const key = `${t.terms.tradeId}:${t.role}:${n}`
    let ref: string | undefined
    if (t.pending === undefined) {
      await deps.journal.append({ kind: 'pay-intent', tradeId: t.terms.tradeId, n, amount, key })
      t.pending = { n, amount, key }
    } else {
      // Recovery: the intent is journaled but not its outcome. Ask before paying.
      ref = t.role === 'mb' ? await deps.ledger.findTransfer(key) : await deps.payer.findPayment(key)
    }
    if (ref === undefined) {
      if (t.role === 'mb') ref = await deps.ledger.transfer(t.peer, amount, key, { signal: stopper.signal })
      else {
        const address = t.address
        if (address === undefined) return
        ref = await deps.payer.pay(address, amount, key, { signal: stopper.signal })
      }
    }
    await deps.journal.append({ kind: 'pay-done', tradeId: t.terms.tradeId, n, amount, ref })
    const p = { n, amount, ref }
    t.paid.push(p)
    t.pending = undefined
    log.info('market.trade_paid', { tradeId: t.terms.tradeId, role: t.role, n, amount, ref })
    sendPaymentNotice(t, p)
    rearm(t)
  }

  /** Before abandoning: journals the outcome of a payment whose outcome is unknown, if it happened. */
  const resolvePending = async (t: Trade): Promise<void> => {
    const p = t.pending
    if (p === undefined) return
    try {
      const ref =
        t.role === 'mb' ? await deps.ledger.findTransfer(p.key) : await deps.payer.findPayment(p.key)
      if (ref === undefined) return
      await deps.journal.append({ kind: 'pay-done', tradeId: t.terms.tradeId, n: p.n, amount: p.amount, ref })
      t.paid.push({ n: p.n, amount: p.amount, ref })
      t.pending = undefined
    } catch (err) {
      log.error('market.trade_payment_unknown', { tradeId: t.terms.tradeId, key: p.key, error: String(err) })
    }
  }

  const advance = async (t: Trade): Promise<void> => {
    for (let guard = 0; guard < t.steps.length + 2 && t.phase === 'settling'; guard++) {
      if (fullySettled(t)) {
        await close(t, 'completed', 'completed', false)
        return
      }
      if (!myTurn(t) || (t.role === 'btc' && t.address === undefined)) return
      await pay(t)
    }
  }

  const open = async (t: Trade, terms: TradeTerms, acceptedBy: 'me' | 'peer'): Promise<void> => {
    const st = scheduleTermsOf(terms)
    const exposure = maxExposure(st, t.role === 'mb' ? 'first' : 'second', terms.sats)
    const verdict = await deps.trust.admit(t.peer, exposure, deps.clock.nowMs())
    if (!verdict.ok) {
      log.warn('market.trade_untrusted', { tradeId: terms.tradeId, peer: t.peer, reason: verdict.reason })
      if (acceptedBy === 'me') send(t, { type: 'decline', reason: 'MARKET_TRADE_UNTRUSTED' })
      await close(t, 'aborted', 'MARKET_TRADE_UNTRUSTED', acceptedBy === 'peer')
      return
    }
    const atMs = deps.clock.nowMs()
    await deps.journal.append({ kind: 'open', terms, acceptedBy, zeroConfSats: verdict.zeroConfSats, atMs })
    Object.assign(t, {
      terms,
      phase: 'settling',
      acceptedBy,
      steps: paymentSchedule(st),
      zeroConfAllowance: verdict.zeroConfSats,
      openedMs: atMs,
      awaitingPeer: false,
    })
    if (acceptedBy === 'me') send(t, { type: 'accept', terms })
    await ensureWallet(t)
    rearm(t)
    await advance(t)
  }

  /** The MB seller's WALLET_INFO: a receive address for the sats, journaled, then sent. */
  const ensureWallet = async (t: Trade): Promise<void> => {
    if (t.role !== 'mb' || t.address !== undefined || t.phase !== 'settling') return
    const address = await deps.payer.receiveAddress(t.terms.tradeId)
    await deps.journal.append({ kind: 'address', tradeId: t.terms.tradeId, address })
    t.address = address
    send(t, { type: 'wallet', address })
  }

  const answerOffer = async (t: Trade, offered: TradeTerms): Promise<void> => {
    const d =
      t.counters >= options.maxCounters
        ? { kind: 'decline' as const, reason: 'too many counters' }
        : negotiator(offered, t.counters)
    if (d.kind === 'accept') return open(t, offered, 'me')
    if (d.kind === 'decline') {
      send(t, { type: 'decline', reason: 'MARKET_TRADE_DECLINED' })
      return close(t, 'aborted', 'MARKET_TRADE_DECLINED', false)
    }
    const countered = { ...offered, mbBytes: d.mbBytes, sats: d.sats }
    checkTradeTerms(countered)
    await deps.journal.append({ kind: 'offered', terms: countered, atMs: deps.clock.nowMs() })
    t.terms = countered
    t.counters += 1
    t.awaitingPeer = true
    send(t, { type: 'counter', terms: countered })
    rearm(t)
  }

  const onPayment = async (t: Trade, m: Extract<TradeMessage, { type: 'payment' }>): Promise<void> => {
    const id = t.terms.tradeId
    if (t.phase === 'negotiating') reject('MARKET_TRADE_OUT_OF_ORDER', 'payment before the trade started', id)
    if (t.phase === 'aborted') {
      send(t, { type: 'abort', reason: t.reason })
      reject('MARKET_TRADE_OUT_OF_ORDER', 'payment for an aborted trade', id)
    }
    if (m.n <= t.received.length) {
      if (t.received[m.n - 1]?.ref === m.ref) {
        const answer = answerTo(t, m.n)
        if (answer !== undefined) sendPaymentNotice(t, answer)
        if (t.phase === 'completed') send(t, { type: 'done' })
      }
      reject('MARKET_TRADE_REPLAYED', `payment ${m.n} was already counted`, id)
    }
    if (t.phase !== 'settling') reject('MARKET_TRADE_OUT_OF_ORDER', 'payment after the trade ended', id)
    checkNextPayment(t, m.n, m.amount, m.ref)
    let zeroConf = false
    if (t.role === 'btc') {
      const got = await deps.ledger.received(t.peer, m.ref)
      if (got !== m.amount)
        reject('MARKET_TRADE_PAYMENT_UNVERIFIED', `ledger shows ${got ?? 'no'} transfer ${m.ref}`, id)
    } else {
      zeroConf = await awaitCounted(t, m.amount, m.ref)
    }
    await deps.journal.append({
      kind: 'received',
      tradeId: id,
      n: m.n,
      amount: m.amount,
      ref: m.ref,
      zeroConf,
    })
    t.received.push({ n: m.n, amount: m.amount, ref: m.ref })
    if (zeroConf) t.zeroConfCounted += m.amount
    rearm(t)
    await advance(t)
  }

  /** Polls the wallet until the incoming payment counts; returns whether it counted at 0-conf. */
  const awaitCounted = async (t: Trade, sats: bigint, txid: string): Promise<boolean> => {
    const id = t.terms.tradeId
    const address = t.address ?? reject('MARKET_TRADE_OUT_OF_ORDER', 'no address yet', id)
    const until = deps.clock.nowMs() + options.confirmationTimeoutMs
    for (;;) {
      const seen = await deps.payer.incoming(address, txid)
      if (seen !== undefined && seen.sats !== sats) {
        reject('MARKET_TRADE_PAYMENT_UNVERIFIED', `tx ${txid} pays ${seen.sats} sats, expected ${sats}`, id)
      }
      if (seen !== undefined) {
        const c = paymentCounts(
          sats,
          seen.confirmations,
          t.zeroConfCounted,
          t.zeroConfAllowance,
          options.confirmations,
        )
        if (c.counts) return c.zeroConf
      }
      if (deps.clock.nowMs() >= until)
        reject('MARKET_TRADE_PAYMENT_UNVERIFIED', `tx ${txid} did not count in time`, id)
      // Waiting for confirmations is not the counterparty's silence.
      t.deadlineMs = Math.max(t.deadlineMs, deps.clock.nowMs() + options.roundTimeoutMs)
      await deps.clock.sleep(options.confirmationPollMs, { signal: stopper.signal })
    }
  }

  const handle = async (t: Trade, m: TradeMessage): Promise<void> => {
    const id = t.terms.tradeId
    switch (m.type) {
      case 'propose':
        return reject('MARKET_TRADE_REPLAYED', 'trade was already proposed', id)
      case 'counter':
        if (t.phase !== 'negotiating' || !t.awaitingPeer)
          return reject('MARKET_TRADE_OUT_OF_ORDER', 'unexpected counter', id)
        if (!sameTerms({ ...m.terms, mbBytes: t.terms.mbBytes, sats: t.terms.sats }, t.terms)) {
          return reject('MARKET_TRADE_MALFORMED', 'a counter changes amounts only', id)
        }
        t.awaitingPeer = false
        t.counters += 1
        return answerOffer(t, m.terms)
      case 'decline':
        if (t.phase !== 'negotiating')
          return reject('MARKET_TRADE_OUT_OF_ORDER', 'decline after agreement', id)
        return close(t, 'aborted', 'MARKET_TRADE_DECLINED', false)
      case 'accept':
        if (t.phase === 'negotiating' && t.awaitingPeer) {
          if (!sameTerms(m.terms, t.terms))
            return reject('MARKET_TRADE_AMOUNT_INVALID', 'accepted terms differ from our offer', id)
          return open(t, m.terms, 'peer')
        }
        if (t.phase === 'aborted') send(t, { type: 'abort', reason: t.reason })
        if (sameTerms(m.terms, t.terms)) return reject('MARKET_TRADE_REPLAYED', 'trade already accepted', id)
        return reject('MARKET_TRADE_OUT_OF_ORDER', 'unexpected accept', id)
      case 'wallet':
        if (t.role !== 'btc' || t.phase === 'negotiating')
          return reject('MARKET_TRADE_OUT_OF_ORDER', 'unexpected wallet info', id)
        if (t.address !== undefined) {
          if (t.address === m.address) return reject('MARKET_TRADE_REPLAYED', 'wallet info already known', id)
          return reject('MARKET_TRADE_OUT_OF_ORDER', 'wallet address changed mid-trade', id)
        }
        if (t.phase !== 'settling')
          return reject('MARKET_TRADE_OUT_OF_ORDER', 'wallet info after the end', id)
        await deps.journal.append({ kind: 'address', tradeId: id, address: m.address })
        t.address = m.address
        rearm(t)
        return advance(t)
      case 'payment':
        return onPayment(t, m)
      case 'done':
        if (t.phase === 'completed') return
        return reject('MARKET_TRADE_OUT_OF_ORDER', 'done before we are done', id)
      case 'abort':
        if (t.phase === 'completed' || t.phase === 'aborted') return
        return close(t, 'aborted', 'MARKET_TRADE_PEER_ABORTED', false)
    }
  }

  return {
    async recover() {
      const entries = await deps.journal.readAll()
      const byTrade = new Map<string, JournalEntry[]>()
      for (const e of entries) {
        const id = entryTradeId(e)
        const list = byTrade.get(id) ?? []
        list.push(e)
        byTrade.set(id, list)
      }
      let openCount = 0
      for (const [id, list] of byTrade) {
        if (trades.has(id)) continue
        const state = foldJournal(list, me, deps.clock.nowMs() + options.roundTimeoutMs)
        if (state === undefined) continue
        const t = wrap(state)
        if (t.phase === 'completed' || t.phase === 'aborted') {
          if (deps.clock.nowMs() - t.closedMs < options.retainClosedMs) trades.set(id, t)
          continue
        }
        trades.set(id, t)
        openCount += 1
        rearm(t)
        await serial(t, async () => {
          if (t.phase === 'settling' && t.pending !== undefined) await pay(t)
          resend(t)
          await ensureWallet(t)
          await advance(t)
        })
      }
      log.info('market.trades_recovered', { open: openCount })
      return openCount
    },

    async propose(terms) {
      checkTradeTerms(terms)
      if (terms.proposer !== me)
        reject('MARKET_TRADE_TERMS_INVALID', 'we must be the proposer', terms.tradeId)
      if (trades.has(terms.tradeId)) reject('MARKET_TRADE_REPLAYED', 'trade id already used', terms.tradeId)
      const t = newTrade(terms)
      // Ask trust before offering, so an accept (after which an MB-selling responder pays at once)
      // is refused only if trust changed its mind in between.
      const exposure = maxExposure(scheduleTermsOf(terms), mine(t), terms.sats)
      const verdict = await deps.trust.admit(t.peer, exposure, deps.clock.nowMs())
      if (!verdict.ok)
        reject('MARKET_TRADE_UNTRUSTED', `not proposing to ${t.peer}: ${verdict.reason}`, terms.tradeId)
      trades.set(terms.tradeId, t)
      await serial(t, async () => {
        await deps.journal.append({ kind: 'offered', terms, atMs: deps.clock.nowMs() })
        t.awaitingPeer = true
        send(t, { type: 'propose', terms })
        rearm(t)
      })
    },

    async receive(bytes) {
      const m = decodeTradeMessage(bytes, deps.verifier)
      if (m.to !== me) reject('MARKET_TRADE_UNKNOWN', 'message is addressed to another trader', m.tradeId)
      const t = trades.get(m.tradeId)
      if (m.type === 'propose' && t === undefined) {
        if (m.terms.responder !== me || m.terms.proposer !== m.from) {
          reject('MARKET_TRADE_MALFORMED', 'a proposal comes from its proposer to its responder', m.tradeId)
        }
        const fresh = newTrade(m.terms)
        trades.set(m.tradeId, fresh)
        return serial(fresh, () => answerOffer(fresh, m.terms))
      }
      if (t === undefined) return reject('MARKET_TRADE_UNKNOWN', `no trade ${m.tradeId}`, m.tradeId)
      if (m.from !== t.peer)
        reject('MARKET_TRADE_UNKNOWN', 'sender is not our counterparty in this trade', m.tradeId)
      const trade = t
      return serial(trade, () => handle(trade, m))
    },

    async peerSeen(peer) {
      const now = deps.clock.nowMs()
      const work: Promise<void>[] = []
      for (const t of trades.values()) {
        if (t.peer !== peer || (t.phase !== 'negotiating' && t.phase !== 'settling')) continue
        if (now - t.seenResentMs < PEER_SEEN_RESEND_GAP_MS) continue
        t.seenResentMs = now
        work.push(
          serial(t, async () => {
            if (t.phase === 'negotiating' || t.phase === 'settling') resend(t)
          }),
        )
      }
      await Promise.all(work)
    },

    async checkTimeouts() {
      const now = deps.clock.nowMs()
      const work: Promise<void>[] = []
      for (const t of trades.values()) {
        if (t.phase !== 'negotiating' && t.phase !== 'settling') continue
        work.push(
          serial(t, async () => {
            if (t.phase === 'settling') {
              // A payment of ours that failed (wallet or ledger down, peer slow to countersign) is
              // retried here: pay() asks the port by its key first, so this never pays twice.
              try {
                await advance(t)
              } catch (err) {
                log.warn('market.trade_retry_failed', { tradeId: t.terms.tradeId, error: String(err) })
              }
            }
            if (t.phase !== 'negotiating' && t.phase !== 'settling') return
            if (now >= t.deadlineMs) {
              log.warn('market.trade_timeout', { tradeId: t.terms.tradeId, peer: t.peer })
              await resolvePending(t)
              await close(t, 'aborted', 'MARKET_TRADE_TIMEOUT', true)
            } else if (!t.retransmitted && now >= t.deadlineMs - options.roundTimeoutMs / 2) {
              t.retransmitted = true
              resend(t)
            }
          }),
        )
      }
      await Promise.all(work)
      for (const [id, t] of trades) {
        if (
          (t.phase === 'completed' || t.phase === 'aborted') &&
          now - t.closedMs >= options.retainClosedMs
        ) {
          trades.delete(id)
        }
      }
    },

    snapshot(tradeId) {
      const t = trades.get(tradeId)
      return t === undefined ? undefined : snap(t)
    },

    settled(tradeId) {
      const t = trades.get(tradeId)
      if (t === undefined)
        return Promise.reject(new MarketError('MARKET_TRADE_UNKNOWN', `no trade ${tradeId}`, { tradeId }))
      if (t.phase === 'completed' || t.phase === 'aborted') return Promise.resolve(snap(t))
      return new Promise((resolve) => t.waiters.push(resolve))
    },

    stop() {
      stopper.abort()
    },
  }
}
