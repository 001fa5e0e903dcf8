import { bytesEqual, type SignatureVerifier } from '@dolly/base'
import { EMPTY_PK, GENESIS_HASH, GENESIS_SEQ, UNKNOWN_SEQ } from './constants.ts'
import type { LedgerErrorCode } from './errors.ts'
import { signingBytes, type HalfBlock } from './half-block.ts'

/**
 * Validation of a half-block against what is known of its chain (ALGORITHMS.md §8, after py-ipv8
 * `TrustChainBlock.validate`: invariants, then consistency with the same, linked, previous and next
 * blocks, then the transaction's own rules, then how much of the chain around it is known).
 * Pure: the store gathers the context, this decides.
 */

/** Outcomes of a consistent block: how much of the chain around it is known. */
export type ValidationLevel = 'valid' | 'partial' | 'partial_next' | 'partial_previous' | 'no_info'

/** Kinds of fraud a pair of blocks proves. */
export type FraudKind = 'double_sign' | 'double_countersign'

/** Two validly signed blocks by one key that cannot both be honest: kept as proof. */
export interface FraudProof {
  /** Which rule the pair breaks. */
  readonly kind: FraudKind
  /** The cheater's key. */
  readonly publicKey: Uint8Array
  /** The block already known first, then the conflicting one. */
  readonly blocks: readonly [HalfBlock, HalfBlock]
}

/** The verdict on a block. */
export type Validation =
  | { readonly state: ValidationLevel }
  | {
      readonly state: 'invalid'
      readonly code: LedgerErrorCode
      readonly reason: string
      readonly fraud?: FraudProof
    }

/** What the store knows around a block; every field is a stored (hence already valid) block. */
export interface BlockContext {
  /** The stored block with the same (public key, sequence number). */
  readonly same?: HalfBlock | undefined
  /** The creator's stored block with the highest seq below this one. */
  readonly previous?: HalfBlock | undefined
  /** The creator's stored block with the lowest seq above this one. */
  readonly next?: HalfBlock | undefined
  /** The creator's nearest stored block below this one with the same type. */
  readonly previousOfType?: HalfBlock | undefined
  /** The creator's nearest stored block above this one with the same type. */
  readonly nextOfType?: HalfBlock | undefined
  /** For an agreement: its proposal, when stored. */
  readonly proposal?: HalfBlock | undefined
  /** Stored agreements of the proposal this block is or answers. */
  readonly agreements: readonly HalfBlock[]
}

/** Outcome of a transaction type's own rules. */
export type TxCheck =
  { readonly ok: true } | { readonly ok: false; readonly code: LedgerErrorCode; readonly reason: string }

/** The rules of one transaction type (e.g. bandwidth). */
export interface TransactionRules {
  /** Checks the block's transaction against its context (totals, mirror, ...). Pure. */
  check(block: HalfBlock, context: BlockContext): TxCheck
}

/** Transaction rules by block type; a type without rules is refused (we only store what we can check). */
export type TransactionRuleSet = Readonly<Record<string, TransactionRules>>

/** True for a proposal (link seq 0), false for an agreement. */
export function isProposal(block: HalfBlock): boolean {
  return block.linkSequenceNumber === UNKNOWN_SEQ
}

/** Checks the block's own invariants and signature (no context needed). */
export function checkInvariants(block: HalfBlock, verifier: SignatureVerifier): Validation | undefined {
  if (block.sequenceNumber < GENESIS_SEQ)
    return invalid('LEDGER_SEQ_INVALID', `sequence number ${block.sequenceNumber} < ${GENESIS_SEQ}`)
  if (!Number.isSafeInteger(block.timestampMs) || block.timestampMs < 0) {
    return invalid('LEDGER_TIMESTAMP_INVALID', `timestamp ${block.timestampMs} is negative`)
  }
  if (bytesEqual(block.publicKey, EMPTY_PK))
    return invalid('LEDGER_KEY_INVALID', 'the creator key is EMPTY_PK')
  if (!isProposal(block) && bytesEqual(block.linkPublicKey, EMPTY_PK)) {
    return invalid('LEDGER_KEY_INVALID', 'an agreement must name its proposer, not ANY_COUNTERPARTY')
  }
  if (!bytesEqual(block.linkPublicKey, EMPTY_PK) && !verifier.isValidKey(block.linkPublicKey)) {
    return invalid('LEDGER_KEY_INVALID', 'the link public key is not an Ed25519 point')
  }
  if (!verifier.verify(block.publicKey, signingBytes(block.bytes), block.signature)) {
    return invalid(
      'LEDGER_SIGNATURE_BAD',
      `signature of block ${block.sequenceNumber} does not verify under its public key`,
    )
  }
  if (bytesEqual(block.publicKey, block.linkPublicKey))
    return invalid('LEDGER_SELF_SIGNED', 'a block may not link to its own creator')
  const genesisHash = bytesEqual(block.previousHash, GENESIS_HASH)
  if ((block.sequenceNumber === GENESIS_SEQ) !== genesisHash) {
    return invalid(
      'LEDGER_GENESIS_INVALID',
      `seq ${block.sequenceNumber} with ${genesisHash ? 'the' : 'a non-'}genesis previous hash`,
    )
  }
  return undefined
}

/** Validates a block against its context with the given transaction rules. */
export function validateBlock(
  block: HalfBlock,
  context: BlockContext,
  verifier: SignatureVerifier,
  rules: TransactionRuleSet,
): Validation {
  return checkInvariants(block, verifier) ?? validateInContext(block, context, rules)
}

/**
 * The context-dependent part of `validateBlock`, for a block whose invariants and signature
 * `checkInvariants` already passed (the ledger checks those before taking the store's write lock).
 */
export function validateInContext(
  block: HalfBlock,
  context: BlockContext,
  rules: TransactionRuleSet,
): Validation {
  const typeRules = rules[block.type]
  if (typeRules === undefined)
    return invalid(
      'LEDGER_TYPE_INVALID',
      `no rules for block type ${block.type}; refusing what cannot be checked`,
    )
  const inconsistent = checkSame(block, context) ?? checkLinked(block, context) ?? checkChain(block, context)
  if (inconsistent !== undefined) return inconsistent
  const tx = typeRules.check(block, context)
  if (!tx.ok) return invalid(tx.code, tx.reason)
  return { state: validationLevel(block, context) }
}

function checkSame(block: HalfBlock, { same }: BlockContext): Validation | undefined {
  if (same === undefined || bytesEqual(same.hash, block.hash)) return undefined
  // Both carry valid signatures of one key at one position: the creator forked its chain.
  return invalid('LEDGER_DOUBLE_SIGN', `two different blocks signed at seq ${block.sequenceNumber}`, {
    kind: 'double_sign',
    publicKey: block.publicKey,
    blocks: [same, block],
  })
}

function checkLinked(block: HalfBlock, { proposal, agreements }: BlockContext): Validation | undefined {
  if (isProposal(block)) {
    for (const agreement of agreements) {
      const mismatch = agreementMismatch(block, agreement)
      if (mismatch !== undefined) return invalid('LEDGER_LINK_MISMATCH', mismatch)
    }
    return undefined
  }
  if (proposal !== undefined) {
    if (!isProposal(proposal))
      return invalid('LEDGER_LINK_MISMATCH', 'an agreement must link to a proposal, not to an agreement')
    const mismatch = agreementMismatch(proposal, block)
    if (mismatch !== undefined) return invalid('LEDGER_LINK_MISMATCH', mismatch)
  }
  for (const other of agreements) {
    if (bytesEqual(other.hash, block.hash)) continue
    if (bytesEqual(other.publicKey, block.publicKey)) {
      return invalid(
        'LEDGER_DOUBLE_COUNTERSIGN',
        `a second agreement to proposal ${block.linkSequenceNumber} by the same key`,
        {
          kind: 'double_countersign',
          publicKey: block.publicKey,
          blocks: [other, block],
        },
      )
    }
    return invalid(
      'LEDGER_LINK_MISMATCH',
      `proposal ${block.linkSequenceNumber} was already agreed by another key`,
    )
  }
  return undefined
}

function agreementMismatch(proposal: HalfBlock, agreement: HalfBlock): string | undefined {
  if (!bytesEqual(agreement.linkPublicKey, proposal.publicKey)) return 'the agreement names another proposer'
  if (agreement.linkSequenceNumber !== proposal.sequenceNumber)
    return 'the agreement names another proposal seq'
  const open = bytesEqual(proposal.linkPublicKey, EMPTY_PK)
  if (!open && !bytesEqual(proposal.linkPublicKey, agreement.publicKey))
    return 'the agreement is signed by a key the proposal did not name'
  if (proposal.type !== agreement.type)
    return `the agreement's type ${agreement.type} differs from the proposal's ${proposal.type}`
  return undefined
}

function checkChain(block: HalfBlock, { previous, next }: BlockContext): Validation | undefined {
  if (previous !== undefined) {
    if (!bytesEqual(previous.publicKey, block.publicKey) || previous.sequenceNumber >= block.sequenceNumber) {
      return invalid('LEDGER_CHAIN_BROKEN', 'the previous block belongs to another key or position')
    }
    if (
      previous.sequenceNumber === block.sequenceNumber - 1 &&
      !bytesEqual(previous.hash, block.previousHash)
    ) {
      return invalid(
        'LEDGER_CHAIN_BROKEN',
        `previous hash does not match the stored block ${previous.sequenceNumber}`,
      )
    }
  }
  if (next !== undefined) {
    if (!bytesEqual(next.publicKey, block.publicKey) || next.sequenceNumber <= block.sequenceNumber) {
      return invalid('LEDGER_CHAIN_BROKEN', 'the next block belongs to another key or position')
    }
    if (next.sequenceNumber === block.sequenceNumber + 1 && !bytesEqual(next.previousHash, block.hash)) {
      return invalid(
        'LEDGER_CHAIN_BROKEN',
        `the stored block ${next.sequenceNumber} does not chain to this one`,
      )
    }
  }
  return undefined
}

function validationLevel(block: HalfBlock, { previous, next }: BlockContext): ValidationLevel {
  const genesis = block.sequenceNumber === GENESIS_SEQ
  if (previous === undefined && next === undefined && !genesis) return 'no_info'
  const prevKnown = genesis || previous?.sequenceNumber === block.sequenceNumber - 1
  const nextKnown = next?.sequenceNumber === block.sequenceNumber + 1
  if (prevKnown && nextKnown) return 'valid'
  if (prevKnown) return 'partial_next'
  if (nextKnown) return 'partial_previous'
  return 'partial'
}

function invalid(code: LedgerErrorCode, reason: string, fraud?: FraudProof): Validation {
  return fraud === undefined ? { state: 'invalid', code, reason } : { state: 'invalid', code, reason, fraud }
}
