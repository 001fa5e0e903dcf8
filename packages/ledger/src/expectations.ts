import type { Clock } from '@dolly/base'
import { bytesToHex } from '@dolly/base'
import {
  EXPECTATION_TTL_MS,
  MAX_EXPECTATIONS,
  MAX_EXPECTATIONS_PER_PEER,
  PUBLIC_KEY_BYTES,
} from './constants.ts'
import { LedgerError } from './errors.ts'
import type { CountersignPolicy, CountersignTerms, CountersignVerdict } from './ports.ts'

/**
 * The expectations accountant: the countersign policy of a running agent (issue 14). Whoever
 * measured traffic or entered a trade records "peer P will propose up to X bytes we gave and Y bytes
 * we took, for circuit/trade `ref`"; a proposal is countersigned only when one unexpired expectation
 * of P covers both its amounts, and the amounts are then taken off that expectation (it goes when
 * nothing is left). Without an expectation a proposal is refused LEDGER_PROPOSAL_UNEXPECTED, above
 * every one LEDGER_PROPOSAL_EXCEEDS_EXPECTATION. Both directions are bounded: a proposal inflating
 * what we gave would mint tokens for us (the Sybil attack of issue 14), one inflating what we took
 * would spend ours.
 *
 * Held in memory: after a restart nothing is expected and proposals are refused until the tunnels
 * or the market record again; the refused peer retries or re-proposes.
 */

/** One outstanding expectation. */
export interface Expectation {
  /** Raw key of the peer expected to propose. */
  readonly peer: Uint8Array
  /** The circuit or trade it is for (free text, ≤ 128 characters). */
  readonly ref: string
  /** Bytes we gave that the peer may still have us record, at most. */
  readonly upBytes: bigint
  /** Bytes we took that the peer may still have us record, at most. */
  readonly downBytes: bigint
  /** Clock time after which it can no longer be claimed, ms. */
  readonly expiresMs: number
}

/** What a caller expects of a peer. */
export interface ExpectationInput {
  /** The circuit or trade this is for; a second `expect` with the same peer and ref adds to it. */
  readonly ref: string
  /** Bytes we gave the peer (it proposes them as its `down`). */
  readonly upBytes: bigint
  /** Bytes we took from the peer (it proposes them as its `up`). */
  readonly downBytes: bigint
  /** How long it may be claimed, ms; default EXPECTATION_TTL_MS. */
  readonly ttlMs?: number
}

/** Outcome of recording an expectation. */
export type ExpectResult =
  | { readonly ok: true; readonly expectation: Expectation }
  | { readonly ok: false; readonly code: 'LEDGER_EXPECTATIONS_FULL'; readonly reason: string }

/** Limits of the accountant. */
export interface ExpectationsOptions {
  /** Outstanding expectations at most; default MAX_EXPECTATIONS. */
  readonly maxEntries?: number
  /** Outstanding expectations per peer at most; default MAX_EXPECTATIONS_PER_PEER. */
  readonly maxPerPeer?: number
}

/** The accountant: a countersign policy plus the calls that feed it. */
export interface Expectations extends CountersignPolicy {
  /**
   * Records that `peer` may propose up to the given amounts. Throws LEDGER_EXPECTATION_INVALID for
   * a bad key, ref, amount or ttl; returns LEDGER_EXPECTATIONS_FULL when the table is full of
   * unexpired entries (nothing is evicted: that would drop a real claim).
   */
  expect(peer: Uint8Array, input: ExpectationInput): ExpectResult
  /** Drops the expectation (peer, ref), e.g. when its circuit was torn down unpaid; true if there was one. */
  cancel(peer: Uint8Array, ref: string): boolean
  /** Unexpired expectations of `peer` (default all), oldest first. */
  outstanding(peer?: Uint8Array): readonly Expectation[]
}

interface Entry {
  ref: string
  upBytes: bigint
  downBytes: bigint
  expiresMs: number
  readonly peer: Uint8Array
}

const MAX_REF_CHARS = 128

/** Builds an empty accountant. */
export function createExpectations(
  deps: { readonly clock: Clock },
  options: ExpectationsOptions = {},
): Expectations {
  const maxEntries = positiveInt(options.maxEntries ?? MAX_EXPECTATIONS, 'maxEntries')
  const maxPerPeer = positiveInt(options.maxPerPeer ?? MAX_EXPECTATIONS_PER_PEER, 'maxPerPeer')
  const byPeer = new Map<string, Entry[]>()
  let count = 0

  const live = (key: string, nowMs: number): Entry[] => {
    const entries = byPeer.get(key)
    if (entries === undefined) return []
    const kept = entries.filter((e) => e.expiresMs > nowMs)
    if (kept.length !== entries.length) {
      count -= entries.length - kept.length
      if (kept.length === 0) byPeer.delete(key)
      else byPeer.set(key, kept)
    }
    return kept
  }
  const purgeExpired = (nowMs: number): void => {
    for (const key of [...byPeer.keys()]) live(key, nowMs)
  }
  const covering = (terms: CountersignTerms, entries: readonly Entry[]): Entry | undefined =>
    entries.find((e) => terms.upBytes <= e.upBytes && terms.downBytes <= e.downBytes)

  const check = (terms: CountersignTerms): CountersignVerdict => {
    const entries = live(bytesToHex(terms.peer), deps.clock.nowMs())
    if (entries.length === 0)
      return {
        ok: false,
        code: 'LEDGER_PROPOSAL_UNEXPECTED',
        reason:
          'we expect no transaction from you: we countersign only traffic we measured or a trade we are in',
      }
    if (covering(terms, entries) === undefined)
      return {
        ok: false,
        code: 'LEDGER_PROPOSAL_EXCEEDS_EXPECTATION',
        reason: `the proposal (we gave ${terms.upBytes}, took ${terms.downBytes} bytes) exceeds what we expect from you`,
      }
    return { ok: true }
  }

  return {
    expects: (peer) => live(bytesToHex(peer), deps.clock.nowMs()).length > 0,
    check,
    consume(terms) {
      const key = bytesToHex(terms.peer)
      const entries = live(key, deps.clock.nowMs())
      const entry = covering(terms, entries)
      // `consume` follows a `check` that passed in the same turn; anything else is a bug in the caller.
      if (entry === undefined)
        throw new LedgerError('LEDGER_PROPOSAL_UNEXPECTED', 'consume without a covering expectation', {
          peer: key,
        })
      entry.upBytes -= terms.upBytes
      entry.downBytes -= terms.downBytes
      if (entry.upBytes === 0n && entry.downBytes === 0n) {
        const rest = entries.filter((e) => e !== entry)
        count--
        if (rest.length === 0) byPeer.delete(key)
        else byPeer.set(key, rest)
      }
    },
    expect(peer, input) {
      const nowMs = deps.clock.nowMs()
      const ttlMs = input.ttlMs ?? EXPECTATION_TTL_MS
      if (peer.byteLength !== PUBLIC_KEY_BYTES)
        invalid(`a peer key is ${PUBLIC_KEY_BYTES} bytes, got ${peer.byteLength}`)
      if (input.ref.length === 0 || input.ref.length > MAX_REF_CHARS)
        invalid(`ref must be 1-${MAX_REF_CHARS} characters, got ${input.ref.length}`)
      if (input.upBytes < 0n || input.downBytes < 0n || (input.upBytes === 0n && input.downBytes === 0n))
        invalid(
          `amounts must be non-negative and not both zero, got up ${input.upBytes}, down ${input.downBytes}`,
        )
      if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)
        invalid(`ttlMs must be a positive integer, got ${ttlMs}`)
      const key = bytesToHex(peer)
      const expiresMs = nowMs + ttlMs
      const entries = live(key, nowMs)
      const same = entries.find((e) => e.ref === input.ref)
      if (same !== undefined) {
        same.upBytes += input.upBytes
        same.downBytes += input.downBytes
        same.expiresMs = Math.max(same.expiresMs, expiresMs)
        return { ok: true, expectation: view(same) }
      }
      if (count >= maxEntries) purgeExpired(nowMs)
      if (count >= maxEntries || entries.length >= maxPerPeer)
        return {
          ok: false,
          code: 'LEDGER_EXPECTATIONS_FULL',
          reason: `${count} expectations outstanding (at most ${maxEntries}), ${entries.length} of this peer (at most ${maxPerPeer}); let some be claimed, expire or be cancelled`,
        }
      const entry: Entry = {
        peer: new Uint8Array(peer),
        ref: input.ref,
        upBytes: input.upBytes,
        downBytes: input.downBytes,
        expiresMs,
      }
      byPeer.set(key, [...entries, entry])
      count++
      return { ok: true, expectation: view(entry) }
    },
    cancel(peer, ref) {
      const key = bytesToHex(peer)
      const entries = live(key, deps.clock.nowMs())
      const rest = entries.filter((e) => e.ref !== ref)
      if (rest.length === entries.length) return false
      count -= entries.length - rest.length
      if (rest.length === 0) byPeer.delete(key)
      else byPeer.set(key, rest)
      return true
    },
    outstanding(peer) {
      const nowMs = deps.clock.nowMs()
      const keys = peer === undefined ? [...byPeer.keys()] : [bytesToHex(peer)]
      return keys.flatMap((k) => live(k, nowMs).map(view))
    },
  }
}

/** The policy of an agent that expects nothing: every proposal is refused LEDGER_PROPOSAL_UNEXPECTED. */
export const refuseAllPolicy: CountersignPolicy = Object.freeze({
  expects: () => false,
  check: (): CountersignVerdict => ({
    ok: false,
    code: 'LEDGER_PROPOSAL_UNEXPECTED',
    reason: 'this agent countersigns nothing (no expectations are recorded here)',
  }),
  consume: () => {
    throw new LedgerError('LEDGER_PROPOSAL_UNEXPECTED', 'the refuse-all policy never agrees')
  },
})

function view(e: Entry): Expectation {
  return {
    peer: new Uint8Array(e.peer),
    ref: e.ref,
    upBytes: e.upBytes,
    downBytes: e.downBytes,
    expiresMs: e.expiresMs,
  }
}

function invalid(reason: string): never {
  throw new LedgerError('LEDGER_EXPECTATION_INVALID', reason)
}

function positiveInt(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new LedgerError('LEDGER_OPTION_INVALID', `${name} must be a positive integer, got ${n}`, {
      [name]: n,
    })
  return n
}
