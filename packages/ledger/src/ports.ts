import type { AbortOptions } from '@dolly/base'
import type { HalfBlock } from './half-block.ts'
import type { BlockContext, FraudProof } from './validation.ts'

/**
 * Ports of the ledger (STYLE.md §1.2): the block store (sqlite adapter in adapters/) and the
 * transport the signing and crawl protocols talk through (memory adapter now; libp2p later).
 */

/** A stored row as the store holds it: the block's bytes plus the columns it is indexed by. */
export interface StoredRow {
  /** Canonical block bytes. */
  readonly bytes: Uint8Array
  /** Indexed copy of the creator key. */
  readonly publicKey: Uint8Array
  /** Indexed copy of the seq. */
  readonly sequenceNumber: number
  /** Indexed copy of the link key. */
  readonly linkPublicKey: Uint8Array
  /** Indexed copy of the link seq. */
  readonly linkSequenceNumber: number
  /** Indexed copy of the type. */
  readonly type: string
  /** Stored hash of the bytes. */
  readonly hash: Uint8Array
}

/** A fraud proof as stored, with when it was found. */
export interface FraudRecord extends FraudProof {
  /** Clock time of detection, ms. */
  readonly detectedMs: number
}

/**
 * Where blocks live. Synchronous: node:sqlite is, and validation needs several lookups per block.
 * The store never validates; the ledger only inserts blocks it validated.
 */
export interface LedgerStore {
  /** Everything validation needs around `block` (same, neighbours, linked blocks). */
  context(block: HalfBlock): BlockContext
  /** The stored block at (publicKey, seq). */
  get(publicKey: Uint8Array, sequenceNumber: number): HalfBlock | undefined
  /** The key's block with the highest seq. */
  latest(publicKey: Uint8Array): HalfBlock | undefined
  /** The key's block with the highest seq of the given type. */
  latestOfType(publicKey: Uint8Array, type: string): HalfBlock | undefined
  /** Agreements stored for the proposal (publicKey, seq). */
  agreementsOf(publicKey: Uint8Array, sequenceNumber: number): readonly HalfBlock[]
  /** The key's blocks with startSeq ≤ seq ≤ endSeq, ascending, at most `limit`. */
  range(publicKey: Uint8Array, startSeq: number, endSeq: number, limit: number): readonly HalfBlock[]
  /** Raw rows of a key with seq > afterSeq, ascending, at most `limit` (for verification). */
  rows(publicKey: Uint8Array, afterSeq: number, limit: number): readonly StoredRow[]
  /** Every creator key with at least one block. */
  publicKeys(): readonly Uint8Array[]
  /** Number of stored blocks (as this connection counted them; `prune` recounts). */
  count(): number
  /** Adds a validated block. */
  insert(block: HalfBlock): void
  /** Keeps a fraud proof (idempotent; the oldest go when more than the store's limit). */
  insertFraud(proof: FraudProof, detectedMs: number): void
  /** Stored fraud proofs, oldest first. */
  fraudProofs(): readonly FraudRecord[]
  /**
   * Deletes the oldest-inserted blocks neither created by nor linked to `keep` until at most
   * `maxBlocks` remain; returns how many went.
   */
  prune(keep: Uint8Array, maxBlocks: number): number
  /** Runs `fn` in one transaction (rolled back if it throws); a nested call joins the outer one. */
  transaction<T>(fn: () => T): T
  /** Closes the store; idempotent. */
  close(): void
}

/** A request one agent sends another over the ledger protocol. */
export type LedgerRequest =
  | { readonly kind: 'propose'; readonly proposal: Uint8Array }
  | {
      readonly kind: 'crawl'
      readonly publicKey: Uint8Array
      readonly startSeq: number
      readonly endSeq: number
    }

/** The answer to a request. */
export type LedgerResponse =
  | { readonly kind: 'agreement'; readonly agreement: Uint8Array }
  | { readonly kind: 'refused'; readonly code: string; readonly reason: string }
  | { readonly kind: 'blocks'; readonly blocks: readonly Uint8Array[] }

/** Serves requests from peers; `peer` is the requester's raw public key as the transport authenticated it. */
export type LedgerRequestHandler = (
  peer: Uint8Array,
  request: Uint8Array,
  options: AbortOptions,
) => Promise<Uint8Array>

/**
 * Request/response messaging between agents, addressed by raw public key. Messages are encoded
 * bytes (protocol/messages.ts), so every adapter carries exactly what the network would.
 */
export interface LedgerTransport {
  /** Sends `request` to `peer` and resolves with its reply; rejects LEDGER_PEER_UNREACHABLE, or with the signal's reason. */
  request(peer: Uint8Array, request: Uint8Array, options: AbortOptions): Promise<Uint8Array>
  /** Serves incoming requests with `handler` until the returned function is called. */
  serve(handler: LedgerRequestHandler): () => void
  /**
   * Calls `handler` with a peer's key whenever that peer is seen again (it connected, came online
   * or its addresses changed), until the returned function is called. Optional: without it a
   * proposal to an unreachable peer waits out its attempt delay before it is sent again.
   */
  onPeerSeen?(handler: (peer: Uint8Array) => void): () => void
}

/**
 * What countersigning a proposal would record in our chain: the agreement's deltas, which mirror
 * the proposal (`upBytes` = the proposer's `down`, bytes we gave it; `downBytes` = its `up`).
 */
export interface CountersignTerms {
  /** The proposer's key (the transport-authenticated peer). */
  readonly peer: Uint8Array
  /** Block type of the proposal. */
  readonly type: string
  /** Bytes the agreement says we gave the proposer. */
  readonly upBytes: bigint
  /** Bytes the agreement says we took from the proposer. */
  readonly downBytes: bigint
}

/** A policy's answer: countersign, or refuse with a code (nothing is stored for a refusal). */
export type CountersignVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false
      readonly code: 'LEDGER_PROPOSAL_UNEXPECTED' | 'LEDGER_PROPOSAL_EXCEEDS_EXPECTATION'
      readonly reason: string
    }

/**
 * Which proposals the agent countersigns (issue 14): only what it has reason to sign, traffic it
 * measured itself or a trade it is in. The component that measured the traffic records what it
 * expects; `expectations.ts` is the implementation. Synchronous: `check` and `consume` run in the
 * same turn as the agreement, so two proposals cannot both claim one expectation.
 */
export interface CountersignPolicy {
  /** True while we expect anything of `peer` (the rate limiter then treats it as a counterparty, not a stranger). */
  expects(peer: Uint8Array): boolean
  /** Whether to countersign `terms`; consumes nothing. */
  check(terms: CountersignTerms): CountersignVerdict
  /** Records that an agreement to `terms` (checked ok in this turn) was committed. */
  consume(terms: CountersignTerms): void
}
