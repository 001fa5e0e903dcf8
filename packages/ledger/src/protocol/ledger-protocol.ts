import { createNullLogger, errorCode, type AbortOptions, type Clock, type Logger } from '@dolly/base'
import { bytesEqual, bytesToHex } from '@dolly/base'
import {
  ANY_COUNTERPARTY_PK,
  CRAWL_REPLY_BYTES_PER_TOKEN,
  CRAWL_TIMEOUT_MS,
  GENESIS_SEQ,
  SIGN_ATTEMPT_DELAY_MS,
  SIGN_TIMEOUT_MS,
  VALIDATION_RANGE,
} from '../constants.ts'
import { LedgerError, type LedgerErrorCode } from '../errors.ts'
import { decodeBlock, type HalfBlock } from '../half-block.ts'
import type { Ledger } from '../ledger.ts'
import type { LedgerResponse, LedgerStore, LedgerTransport } from '../ports.ts'
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from './messages.ts'
import { createCrawler, type CrawlResult } from './crawler.ts'
import { createRateLimiter, type RateLimitOptions } from './rate-limiter.ts'
import { withTimeout } from './timeout.ts'

/**
 * The two-party signing protocol and the crawl (ALGORITHMS.md §8): A sends its stored proposal; B
 * validates it (crawling A's previous blocks when it lacks them, py-ipv8 `validation_range`),
 * countersigns only what validates, stores both halves and answers with its agreement; A stores the
 * agreement. A crawl asks a peer for a range of a chain, at most 100 blocks per reply.
 */

/** Ports of the protocol. */
export interface LedgerProtocolDeps {
  /** The agent's ledger. */
  readonly ledger: Ledger
  /** The ledger's store (crawl replies read it). */
  readonly store: LedgerStore
  /** How to reach peers. */
  readonly transport: LedgerTransport
  /** Timeouts and retry delays. */
  readonly clock: Clock
  /** Protocol events; default silent. */
  readonly logger?: Logger
}

/** Timeouts of the protocol (defaults from py-ipv8's settings). */
export interface LedgerProtocolOptions {
  /** Re-send an unanswered proposal after this long, ms; default SIGN_ATTEMPT_DELAY_MS. */
  readonly signAttemptDelayMs?: number
  /** Give up on a counterparty after this long, ms; default SIGN_TIMEOUT_MS. */
  readonly signTimeoutMs?: number
  /** Give up on one crawl request after this long, ms; default CRAWL_TIMEOUT_MS. */
  readonly crawlTimeoutMs?: number
  /** Limits on requests from peers (per peer and for all strangers); defaults in constants.ts. */
  readonly limits?: RateLimitOptions
}

/** What the protocol has answered since it was built (counters only, so bounded). */
export interface LedgerProtocolStats {
  /** Proposals countersigned (a repeated proposal answered with its stored agreement counts again). */
  readonly agreed: number
  /** Requests refused, by code (LEDGER_RATE_LIMITED included). */
  readonly refused: Readonly<Record<string, number>>
  /** Crawl requests answered. */
  readonly crawlsServed: number
  /** Peers whose request bucket the rate limiter holds now (at most `limits.maxPeers`). */
  readonly limiterPeers: number
}

/** Outcome of asking a counterparty to sign. */
export type SignResult =
  | { readonly ok: true; readonly agreement: HalfBlock }
  | { readonly ok: false; readonly code: string; readonly reason: string }

/** One agent's end of the ledger protocol. */
export interface LedgerProtocol {
  /** Starts answering proposals and crawls; idempotent. */
  start(): void
  /** Stops answering; idempotent. */
  stop(): void
  /** Sends our stored `proposal` to `counterparty` until it agrees, refuses or the sign timeout passes. */
  requestSignature(counterparty: Uint8Array, proposal: HalfBlock, options?: AbortOptions): Promise<SignResult>
  /** Proposes a bandwidth transaction (we gave `up`, took `down` bytes) and has it countersigned. */
  transact(counterparty: Uint8Array, up: bigint, down: bigint, options?: AbortOptions): Promise<SignResult>
  /** Asks `peer` for blocks of `publicKey` with seq in [startSeq, endSeq] (negative: from the latest) and stores the valid ones. */
  crawl(
    peer: Uint8Array,
    publicKey: Uint8Array,
    startSeq: number,
    endSeq: number,
    options?: AbortOptions,
  ): Promise<CrawlResult>
  /** Crawls `publicKey`'s chain from `peer` in batches, from after our latest known block to the peer's latest. */
  crawlChain(peer: Uint8Array, publicKey: Uint8Array, options?: AbortOptions): Promise<CrawlResult>
  /** Counters of what we answered. */
  stats(): LedgerProtocolStats
}

/** Sends of one proposal, beyond the attempt delay's schedule, that a peer seen again may bring forward. */
const MAX_EARLY_ATTEMPTS = 4

/** Builds the protocol end of one agent. */
export function createLedgerProtocol(
  deps: LedgerProtocolDeps,
  options: LedgerProtocolOptions = {},
): LedgerProtocol {
  const { ledger, store, transport, clock } = deps
  const logger = deps.logger ?? createNullLogger()
  const attemptDelayMs = positive(options.signAttemptDelayMs ?? SIGN_ATTEMPT_DELAY_MS, 'signAttemptDelayMs')
  const signTimeoutMs = positive(options.signTimeoutMs ?? SIGN_TIMEOUT_MS, 'signTimeoutMs')
  const crawlTimeoutMs = positive(options.crawlTimeoutMs ?? CRAWL_TIMEOUT_MS, 'crawlTimeoutMs')
  const me = ledger.publicKey
  const limiter = createRateLimiter(options.limits)
  let agreed = 0
  let crawlsServed = 0
  const refusals = new Map<string, number>()
  const refused = (code: LedgerErrorCode, reason: string): Uint8Array => {
    refusals.set(code, (refusals.get(code) ?? 0) + 1)
    return encodeResponse({ kind: 'refused', code, reason })
  }
  let unserve: (() => void) | undefined
  let unseen: (() => void) | undefined
  /**
   * Proposals waiting to be sent again to a peer that did not answer, by the peer's key (hex): each
   * ends its wait the moment the transport sees that peer again (a restarted agent is back in
   * seconds, the attempt delay is 10).
   */
  const waitingFor = new Map<string, Set<() => void>>()
  const onPeerSeen = (peer: Uint8Array): void => {
    if (waitingFor.size === 0) return
    for (const wake of [...(waitingFor.get(bytesToHex(peer)) ?? [])]) wake()
  }
  /** Sleeps `ms` of clock time, less when `peerHex` is seen meanwhile; true when it was seen. */
  const sleepUntilSeen = async (
    peerHex: string,
    ms: number,
    signal: AbortSignal | undefined,
  ): Promise<boolean> => {
    const seen = new AbortController()
    const wake = (): void => seen.abort()
    const waits = waitingFor.get(peerHex) ?? new Set()
    waitingFor.set(peerHex, waits)
    waits.add(wake)
    try {
      await clock.sleep(ms, {
        signal: signal === undefined ? seen.signal : AbortSignal.any([signal, seen.signal]),
      })
      return false
    } catch (err) {
      if (!seen.signal.aborted || signal?.aborted === true) throw err
      return true
    } finally {
      waits.delete(wake)
      if (waits.size === 0) waitingFor.delete(peerHex)
    }
  }
  const crawler = createCrawler({ ledger, store, transport, clock, logger }, crawlTimeoutMs)
  const { crawl } = crawler

  const handlePropose = async (
    peer: Uint8Array,
    bytes: Uint8Array,
    opts: AbortOptions,
  ): Promise<Uint8Array> => {
    const decoded = decodeBlock(bytes)
    if (!decoded.ok) return refused(decoded.code, decoded.reason)
    const proposal = decoded.block
    if (!bytesEqual(proposal.publicKey, peer))
      return refused('LEDGER_PROPOSAL_REFUSED', 'a proposal must come from its creator')
    let result = ledger.agree(proposal)
    if (
      !result.ok &&
      result.code === 'LEDGER_PROPOSAL_UNVERIFIABLE' &&
      proposal.sequenceNumber > GENESIS_SEQ
    ) {
      // Countersign only what we can validate: fetch the proposer's blocks just before it, then retry once.
      const start = Math.max(GENESIS_SEQ, proposal.sequenceNumber - VALIDATION_RANGE)
      const fetched = await crawl(peer, proposal.publicKey, start, proposal.sequenceNumber - 1, opts)
      if (fetched.ok) result = ledger.agree(proposal)
    }
    if (!result.ok) {
      // Debug for what strangers can cause in bulk (one line each would be a log flood); info otherwise.
      const bulk = result.code === 'LEDGER_PROPOSAL_UNEXPECTED'
      logger[bulk ? 'debug' : 'info']('ledger.refused', {
        peer: bytesToHex(peer),
        seq: proposal.sequenceNumber,
        code: result.code,
      })
      return refused(result.code, result.reason)
    }
    agreed++
    return encodeResponse({ kind: 'agreement', agreement: result.agreement.bytes })
  }

  const handle = async (peer: Uint8Array, bytes: Uint8Array, opts: AbortOptions): Promise<Uint8Array> => {
    // Rate first, before decoding or any lookup a request could make expensive (issue 14).
    const peerHex = bytesToHex(peer)
    const known = ledger.expects(peer)
    const admitted = limiter.admit(peerHex, known, clock.nowMs())
    if (!admitted.ok) {
      logger.debug('ledger.rate_limited', { peer: peerHex, scope: admitted.scope })
      return refused(
        'LEDGER_RATE_LIMITED',
        `too many ledger requests (${admitted.scope === 'peer' ? 'from you' : 'from peers we expect nothing of'}); retry in ${admitted.retryAfterMs} ms`,
      )
    }
    const request = decodeRequest(bytes)
    if (request === undefined) return refused('LEDGER_MESSAGE_MALFORMED', 'request does not decode')
    try {
      if (request.kind === 'propose') return await handlePropose(peer, request.proposal, opts)
      const reply = crawler.answer(request.publicKey, request.startSeq, request.endSeq)
      crawlsServed++
      // The reply's size is paid for too, so the bytes we serve follow the request rate.
      limiter.charge(
        peerHex,
        known,
        Math.floor(reply.byteLength / CRAWL_REPLY_BYTES_PER_TOKEN),
        clock.nowMs(),
      )
      return reply
    } catch (err) {
      // The request's deadline passed or the peer hung up (a loaded host): nothing for a human to fix.
      if (opts.signal?.aborted === true) {
        logger.warn('ledger.handler_aborted', {
          peer: bytesToHex(peer),
          kind: request.kind,
          reason: String(opts.signal.reason),
        })
        return refused('LEDGER_PROPOSAL_REFUSED', 'the request was aborted before it was handled')
      }
      // A peer must never be able to crash us; our own failure is logged for a human and refused.
      logger.error('ledger.handler_failed', {
        peer: bytesToHex(peer),
        kind: request.kind,
        code: errorCode(err),
        message: String(err),
      })
      return refused('LEDGER_PROPOSAL_REFUSED', 'the peer could not handle the request')
    }
  }

  const requestSignature = async (
    counterparty: Uint8Array,
    proposal: HalfBlock,
    opts: AbortOptions = {},
  ): Promise<SignResult> => {
    const request = encodeRequest({ kind: 'propose', proposal: proposal.bytes })
    const deadlineMs = clock.nowMs() + signTimeoutMs
    const peerHex = bytesToHex(counterparty)
    // Attempts on the delay's schedule, plus a bounded few when the peer is seen before it is due.
    let earlyLeft = MAX_EARLY_ATTEMPTS
    const maxAttempts = Math.ceil(signTimeoutMs / attemptDelayMs) + 1 + MAX_EARLY_ATTEMPTS
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const remainingMs = deadlineMs - clock.nowMs()
      if (remainingMs <= 0) break
      const attemptStartMs = clock.nowMs()
      let reply: Uint8Array
      try {
        const waitMs = Math.min(attemptDelayMs, remainingMs)
        reply = await withTimeout(clock, waitMs, opts.signal, 'proposal', (signal) =>
          transport.request(counterparty, request, { signal }),
        )
      } catch (err) {
        const code = errorCode(err)
        if (code !== 'LEDGER_TIMEOUT' && code !== 'LEDGER_PEER_UNREACHABLE') throw err
        logger.info('ledger.sign_retry', {
          counterparty: peerHex,
          seq: proposal.sequenceNumber,
          attempt,
          code,
        })
        // An unreachable peer fails at once: wait out the attempt delay rather than spin, unless the
        // peer is seen again first (it restarted, or we learned where it listens now).
        const leftMs = Math.min(attemptDelayMs - (clock.nowMs() - attemptStartMs), deadlineMs - clock.nowMs())
        if (leftMs <= 0) continue
        if (earlyLeft <= 0)
          await clock.sleep(leftMs, opts.signal === undefined ? {} : { signal: opts.signal })
        else if (await sleepUntilSeen(peerHex, leftMs, opts.signal)) {
          earlyLeft--
          logger.info('ledger.sign_peer_seen', { counterparty: peerHex, seq: proposal.sequenceNumber })
        }
        continue
      }
      const response = decodeResponse(reply)
      if (response?.kind === 'refused' && response.code === 'LEDGER_RATE_LIMITED') {
        // Busy, not a no: wait out the attempt delay and propose again within the sign timeout.
        logger.info('ledger.sign_retry', {
          counterparty: peerHex,
          seq: proposal.sequenceNumber,
          attempt,
          code: response.code,
        })
        const leftMs = Math.min(attemptDelayMs - (clock.nowMs() - attemptStartMs), deadlineMs - clock.nowMs())
        if (leftMs > 0) await clock.sleep(leftMs, opts.signal === undefined ? {} : { signal: opts.signal })
        continue
      }
      return acceptAgreement(proposal, counterparty, response)
    }
    return {
      ok: false,
      code: 'LEDGER_TIMEOUT',
      reason: `no agreement from the counterparty within ${signTimeoutMs} ms`,
    }
  }

  const acceptAgreement = (
    proposal: HalfBlock,
    counterparty: Uint8Array,
    response: LedgerResponse | undefined,
  ): SignResult => {
    if (response?.kind === 'refused') return { ok: false, code: response.code, reason: response.reason }
    if (response?.kind !== 'agreement')
      return {
        ok: false,
        code: 'LEDGER_MESSAGE_MALFORMED',
        reason: 'the answer to a proposal must be an agreement or a refusal',
      }
    const decoded = decodeBlock(response.agreement)
    if (!decoded.ok) return { ok: false, code: decoded.code, reason: decoded.reason }
    const agreement = decoded.block
    const open = bytesEqual(proposal.linkPublicKey, ANY_COUNTERPARTY_PK)
    if (
      !bytesEqual(agreement.linkPublicKey, me) ||
      agreement.linkSequenceNumber !== proposal.sequenceNumber ||
      (!open && !bytesEqual(agreement.publicKey, counterparty))
    ) {
      return { ok: false, code: 'LEDGER_AGREEMENT_BAD', reason: 'the agreement does not answer our proposal' }
    }
    const added = ledger.add(agreement)
    if (!added.ok && added.code !== 'LEDGER_BLOCK_DUPLICATE')
      return { ok: false, code: added.code, reason: added.reason }
    return { ok: true, agreement }
  }

  return {
    start() {
      unserve ??= transport.serve(handle)
      unseen ??= transport.onPeerSeen?.(onPeerSeen)
    },
    stop() {
      unserve?.()
      unserve = undefined
      unseen?.()
      unseen = undefined
    },
    requestSignature,
    transact: (counterparty, up, down, opts) =>
      requestSignature(counterparty, ledger.proposeBandwidth(counterparty, up, down), opts),
    crawl,
    crawlChain: crawler.crawlChain,
    stats: () => ({
      agreed,
      refused: Object.fromEntries(refusals),
      crawlsServed,
      limiterPeers: limiter.trackedPeers(),
    }),
  }
}

function positive(ms: number, name: string): number {
  if (!Number.isFinite(ms) || ms <= 0)
    throw new LedgerError('LEDGER_OPTION_INVALID', `${name} must be a positive number of ms, got ${ms}`, {
      [name]: ms,
    })
  return ms
}
