import { createNullLogger, type Clock, type Logger } from '@dolly/base'
import {
  balanceBytes,
  bandwidthRules,
  bandwidthTxOf,
  bytesToMbFloor,
  decodeBandwidthTx,
  encodeBandwidthTx,
  mirrorDeltas,
  nextBandwidthTx,
  transferDeltas,
} from './bandwidth.ts'
import {
  bytesEqual,
  bytesToHex,
  createSignatureVerifier,
  type BlockSigner,
  type SignatureVerifier,
} from '@dolly/base'
import { ANY_COUNTERPARTY_PK, BANDWIDTH_TYPE, MAX_DB_BLOCKS } from './constants.ts'
import { createAgreement, createProposal } from './create-block.ts'
import { refuseAllPolicy } from './expectations.ts'
import type { LedgerErrorCode } from './errors.ts'
import { LedgerError } from './errors.ts'
import { decodeBlock, type HalfBlock } from './half-block.ts'
import { verifyFraudProof } from './fraud-proof.ts'
import type { CountersignPolicy, CountersignTerms, FraudRecord, LedgerStore } from './ports.ts'
import {
  checkInvariants,
  isProposal,
  validateBlock,
  validateInContext,
  type FraudProof,
  type TransactionRuleSet,
  type Validation,
  type ValidationLevel,
} from './validation.ts'

/** Ports the ledger uses. */
export interface LedgerDeps {
  /** Where blocks live. */
  readonly store: LedgerStore
  /** The agent's identity. */
  readonly signer: BlockSigner
  /** Block timestamps and fraud detection times. */
  readonly clock: Clock
  /** Fraud and signing events; default silent. */
  readonly logger?: Logger
  /** Signature checks; default a fresh verifier with its own key cache. */
  readonly verifier?: SignatureVerifier
}

/** Options of the ledger. */
export interface LedgerOptions {
  /** Transaction rules by type; default bandwidth only. */
  readonly rules?: TransactionRuleSet
  /** Blocks kept before other agents' blocks are pruned; default MAX_DB_BLOCKS (py-ipv8 `max_db_blocks`). */
  readonly maxDbBlocks?: number
  /**
   * Which proposals to countersign (issue 14): an `Expectations` accountant fed by whoever measured
   * the traffic or entered the trade. Default: refuse every proposal (LEDGER_PROPOSAL_UNEXPECTED).
   * The policy is asked before anything is stored, so a refused proposal leaves no trace on disk.
   */
  readonly policy?: CountersignPolicy
}

/** Outcome of adding a block. */
export type AddResult =
  | { readonly ok: true; readonly state: ValidationLevel; readonly block: HalfBlock }
  | {
      readonly ok: false
      readonly code: LedgerErrorCode
      readonly reason: string
      readonly fraud?: FraudProof
    }

/** Outcome of asking the ledger to countersign. */
export type AgreeResult =
  | { readonly ok: true; readonly agreement: HalfBlock }
  | { readonly ok: false; readonly code: LedgerErrorCode; readonly reason: string }

/** A balance in bytes and whole MB tokens. */
export interface Balance {
  /** total_up − total_down of the latest bandwidth block. */
  readonly bytes: bigint
  /** floor(bytes / 2^20). */
  readonly mb: bigint
}

/** One agent's view of TrustChain: its own chain plus what it learnt of others. */
export interface Ledger {
  /** The agent's key. */
  readonly publicKey: Uint8Array
  /** Validates a block against the store without storing it. */
  validate(block: HalfBlock): Validation
  /** Validates and stores a block; invalid blocks are never stored, fraud is recorded with its proof. */
  add(block: HalfBlock): AddResult
  /** Decodes untrusted bytes, then `add`s. */
  addBytes(bytes: Uint8Array): AddResult
  /** Signs, validates and stores our next block: a proposal to `counterparty` (ANY_COUNTERPARTY_PK for anyone). */
  propose(counterparty: Uint8Array, type: string, transaction: Uint8Array): HalfBlock
  /** A bandwidth proposal: we gave `up` and took `down` bytes; totals carry on from our chain. */
  proposeBandwidth(counterparty: Uint8Array, up: bigint, down: bigint): HalfBlock
  /** A market transfer of `mb` MB tokens to `payee`: our proposal `{up: 0, down: mb·2^20}`. */
  proposeTransfer(payee: Uint8Array, mb: bigint): HalfBlock
  /**
   * Countersigns a proposal the policy expects and we can validate (its previous block known);
   * idempotent per proposal. Refused by the policy (LEDGER_PROPOSAL_UNEXPECTED,
   * LEDGER_PROPOSAL_EXCEEDS_EXPECTATION) before anything is stored.
   */
  agree(proposal: HalfBlock): AgreeResult
  /** True while the policy expects a transaction from `peer` (it is a counterparty, not a stranger). */
  expects(peer: Uint8Array): boolean
  /**
   * Runs `fn` (several adds or proposals) in one store transaction: one commit instead of one per
   * block. Never send a block from inside: a block leaves the process only once committed, so a
   * crash can never make us re-sign a position someone has already seen.
   */
  batch<T>(fn: () => T): T
  /** Balance of `publicKey` (default ours) from its latest stored bandwidth block. */
  balance(publicKey?: Uint8Array): Balance
  /** Latest stored block of `publicKey` (default ours). */
  latest(publicKey?: Uint8Array): HalfBlock | undefined
  /** Fraud proofs found so far. */
  fraudProofs(): readonly FraudRecord[]
  /** Keeps a proof received from a peer if it verifies on its own; false (nothing kept) otherwise. */
  addFraudProof(proof: FraudProof): boolean
}

/** Builds a ledger over a store. */
export function createLedger(deps: LedgerDeps, options: LedgerOptions = {}): Ledger {
  const { store, signer, clock } = deps
  const logger = deps.logger ?? createNullLogger()
  const verifier = deps.verifier ?? createSignatureVerifier()
  const rules = Object.freeze({ ...(options.rules ?? { [BANDWIDTH_TYPE]: bandwidthRules }) })
  const maxDbBlocks = options.maxDbBlocks ?? MAX_DB_BLOCKS
  if (!Number.isSafeInteger(maxDbBlocks) || maxDbBlocks < 1) {
    throw new LedgerError(
      'LEDGER_OPTION_INVALID',
      `maxDbBlocks must be a positive integer, got ${maxDbBlocks}`,
    )
  }
  const policy = options.policy ?? refuseAllPolicy
  const me = signer.publicKey
  const nowMs = (): number => Math.floor(clock.nowMs())

  // Our own latest block, kept to save a lookup per block; null = unknown, reload from the store.
  // Reset whenever the store may hold something else (a failed batch, our own block from outside).
  let ownLatest: HalfBlock | undefined | null = null
  const latestOwn = (): HalfBlock | undefined => {
    if (ownLatest === null) ownLatest = store.latest(me)
    return ownLatest
  }

  const validate = (block: HalfBlock): Validation =>
    validateBlock(block, store.context(block), verifier, rules)

  const add = (block: HalfBlock): AddResult => addBlock(block, true)

  const addBlock = (block: HalfBlock, recordFraud: boolean): AddResult => {
    // The signature check (most of the cost) runs before the write lock is taken.
    const broken = checkInvariants(block, verifier)
    if (broken !== undefined && broken.state === 'invalid')
      return { ok: false, code: broken.code, reason: broken.reason }
    // Check-then-insert in one transaction: another process on the same database cannot slip a
    // conflicting block in between (and it is one commit instead of a read and a write).
    return store.transaction((): AddResult => {
      const context = store.context(block)
      if (context.same !== undefined && bytesEqual(context.same.hash, block.hash)) {
        return {
          ok: false,
          code: 'LEDGER_BLOCK_DUPLICATE',
          reason: `block ${block.sequenceNumber} is already stored`,
        }
      }
      const verdict = validateInContext(block, context, rules)
      if (verdict.state === 'invalid') {
        if (verdict.fraud === undefined || !recordFraud)
          return { ok: false, code: verdict.code, reason: verdict.reason }
        store.insertFraud(verdict.fraud, nowMs())
        logger.warn('ledger.fraud', {
          kind: verdict.fraud.kind,
          publicKey: bytesToHex(verdict.fraud.publicKey),
          seq: block.sequenceNumber,
        })
        return { ok: false, code: verdict.code, reason: verdict.reason, fraud: verdict.fraud }
      }
      store.insert(block)
      if (bytesEqual(block.publicKey, me)) ownLatest = null
      // Prune 5% below the limit at once, so a full store does not prune (and scan) on every block.
      if (store.count() > maxDbBlocks)
        store.prune(me, maxDbBlocks - Math.max(1, Math.floor(maxDbBlocks / 20)))
      return { ok: true, state: verdict.state, block }
    })
  }

  /**
   * Creates our next block from our latest one and stores it. Another process sharing the database
   * may have appended meanwhile (our cached latest is then stale): the block we made would fork our
   * chain, so it is dropped, never recorded as fraud (it never left the process), and made again
   * once from the store's latest.
   */
  const appendOwn = (make: (latest: HalfBlock | undefined) => HalfBlock): HalfBlock => {
    for (let attempt = 0; ; attempt++) {
      const block = make(latestOwn())
      const result = addBlock(block, false)
      if (result.ok) {
        ownLatest = block
        return block
      }
      ownLatest = null
      const stale = result.code === 'LEDGER_DOUBLE_SIGN' || result.code === 'LEDGER_CHAIN_BROKEN'
      // Failing again with a fresh latest is a broken invariant (a corrupted store), not input.
      if (!stale || attempt > 0)
        throw new LedgerError(
          result.code,
          `our own block ${block.sequenceNumber} is invalid: ${result.reason}`,
        )
    }
  }

  const latestBandwidth = (latest: HalfBlock | undefined): HalfBlock | undefined =>
    latest === undefined || latest.type === BANDWIDTH_TYPE ? latest : store.latestOfType(me, BANDWIDTH_TYPE)

  const proposeBandwidth = (counterparty: Uint8Array, up: bigint, down: bigint): HalfBlock =>
    appendOwn((latest) => {
      const previous = latestBandwidth(latest)
      const tx = nextBandwidthTx(previous === undefined ? undefined : bandwidthTxOf(previous), up, down)
      return createProposal(signer, latest, {
        linkPublicKey: counterparty,
        type: BANDWIDTH_TYPE,
        transaction: encodeBandwidthTx(tx),
        timestampMs: nowMs(),
      })
    })

  /** agreeNow's result: `consume` is set when a new agreement was made and the policy must be charged once it commits. */
  type Agreeing = AgreeResult & { readonly consume?: CountersignTerms }

  const agreeNow = (proposal: HalfBlock): Agreeing => {
    if (!isProposal(proposal))
      return refuse('LEDGER_PROPOSAL_REFUSED', 'an agreement cannot be countersigned')
    if (!bytesEqual(proposal.linkPublicKey, me) && !bytesEqual(proposal.linkPublicKey, ANY_COUNTERPARTY_PK)) {
      return refuse('LEDGER_NOT_ADDRESSED', 'the proposal names another counterparty')
    }
    const mine = store
      .agreementsOf(proposal.publicKey, proposal.sequenceNumber)
      .find((b) => bytesEqual(b.publicKey, me))
    if (mine !== undefined) {
      // Same proposal again (a retry): answer with the agreement we signed; a second one would be fraud.
      const stored = store.get(proposal.publicKey, proposal.sequenceNumber)
      if (stored !== undefined && bytesEqual(stored.hash, proposal.hash)) return { ok: true, agreement: mine }
      // A different proposal at a position we already countersigned: adding it records the fork.
      const forked = add(proposal)
      return forked.ok
        ? refuse('LEDGER_PROPOSAL_REFUSED', 'we already countersigned this position')
        : refuse(forked.code, forked.reason)
    }
    if (proposal.type !== BANDWIDTH_TYPE)
      return refuse('LEDGER_PROPOSAL_REFUSED', `we do not countersign ${proposal.type} blocks`)
    const tx = decodeBandwidthTx(proposal.transaction)
    if (tx === undefined) return refuse('LEDGER_TX_MALFORMED', 'the proposal has no bandwidth transaction')
    const deltas = mirrorDeltas(tx)
    const terms: CountersignTerms = {
      peer: proposal.publicKey,
      type: proposal.type,
      upBytes: deltas.up,
      downBytes: deltas.down,
    }
    // Policy first: a proposal nobody expects is refused before its signature is checked, before it
    // is stored and before we crawl its creator, so a flood of them costs a lookup each and no disk.
    const verdict = policy.check(terms)
    if (!verdict.ok) return refuse(verdict.code, verdict.reason)
    const added = add(proposal)
    if (!added.ok && added.code !== 'LEDGER_BLOCK_DUPLICATE') return refuse(added.code, added.reason)
    // Stored now (or before), so its signature passed; only the context may have changed.
    const level = validateInContext(proposal, store.context(proposal), rules)
    if (level.state === 'invalid') return refuse(level.code, level.reason)
    if (level.state !== 'valid' && level.state !== 'partial_next') {
      return refuse(
        'LEDGER_PROPOSAL_UNVERIFIABLE',
        `the proposer's previous block is unknown (${level.state}); crawl its chain first`,
      )
    }
    const agreement = appendOwn((latest) => {
      const previous = latestBandwidth(latest)
      const tx = nextBandwidthTx(
        previous === undefined ? undefined : bandwidthTxOf(previous),
        deltas.up,
        deltas.down,
      )
      return createAgreement(signer, latest, proposal, encodeBandwidthTx(tx), nowMs())
    })
    logger.info('ledger.agreed', {
      proposer: bytesToHex(proposal.publicKey),
      seq: proposal.sequenceNumber,
      upBytes: deltas.up,
      downBytes: deltas.down,
    })
    return { ok: true, agreement, consume: terms }
  }

  const batch = <T>(fn: () => T): T => {
    try {
      return store.transaction(fn)
    } catch (err) {
      ownLatest = null
      throw err
    }
  }

  return {
    publicKey: me,
    validate,
    add,
    addBytes(bytes) {
      const decoded = decodeBlock(bytes)
      return decoded.ok ? add(decoded.block) : { ok: false, code: decoded.code, reason: decoded.reason }
    },
    propose: (counterparty, type, transaction) =>
      appendOwn((latest) =>
        createProposal(signer, latest, {
          linkPublicKey: counterparty,
          type,
          transaction,
          timestampMs: nowMs(),
        }),
      ),
    proposeBandwidth,
    proposeTransfer(payee, mb) {
      const deltas = transferDeltas(mb)
      return proposeBandwidth(payee, deltas.up, deltas.down)
    },
    // One commit for the proposal and our agreement; it completes before the agreement is returned
    // to be sent. The expectation is charged after the commit, in the same synchronous turn as the check.
    agree(proposal) {
      const result = batch(() => agreeNow(proposal))
      if (!result.ok) return { ok: false, code: result.code, reason: result.reason }
      if (result.consume !== undefined) policy.consume(result.consume)
      return { ok: true, agreement: result.agreement }
    },
    expects: (peer) => policy.expects(peer),
    batch,
    balance(publicKey = me) {
      const latest = store.latestOfType(publicKey, BANDWIDTH_TYPE)
      const bytes = balanceBytes(latest === undefined ? undefined : bandwidthTxOf(latest))
      return { bytes, mb: bytesToMbFloor(bytes) }
    },
    latest: (publicKey = me) => (bytesEqual(publicKey, me) ? latestOwn() : store.latest(publicKey)),
    fraudProofs: () => store.fraudProofs(),
    addFraudProof(proof) {
      if (!verifyFraudProof(proof, verifier)) return false
      store.insertFraud(proof, nowMs())
      logger.warn('ledger.fraud', {
        kind: proof.kind,
        publicKey: bytesToHex(proof.publicKey),
        received: true,
      })
      return true
    },
  }
}

function refuse(code: LedgerErrorCode, reason: string): AgreeResult {
  return { ok: false, code, reason }
}
