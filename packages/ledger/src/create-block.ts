import { EMPTY_SIG, GENESIS_HASH, GENESIS_SEQ, UNKNOWN_SEQ } from './constants.ts'
import type { BlockSigner } from '@dolly/base'
import { encodeFields, SIGNATURE_OFFSET, sha256, type HalfBlock, type HalfBlockFields } from './half-block.ts'

/** What a new block needs besides its position in the creator's chain. */
export interface NewBlock {
  /** Counterparty's key (proposal) or the proposer's key (agreement). */
  readonly linkPublicKey: Uint8Array
  /** 0 for a proposal; the proposal's seq for an agreement. */
  readonly linkSequenceNumber: number
  /** Transaction type. */
  readonly type: string
  /** Encoded transaction. */
  readonly transaction: Uint8Array
  /** Creation time, ms since the epoch (from the Clock port). */
  readonly timestampMs: number
}

/** Signs the fields with `signer`: Ed25519 over the packing with `EMPTY_SIG`, then packs and hashes the result. */
export function signBlock(
  fields: Omit<HalfBlockFields, 'signature' | 'publicKey'>,
  signer: BlockSigner,
): HalfBlock {
  const bytes = encodeFields({ ...fields, publicKey: signer.publicKey, signature: EMPTY_SIG })
  const signature = signer.sign(bytes)
  bytes.set(signature, SIGNATURE_OFFSET)
  return {
    publicKey: signer.publicKey,
    sequenceNumber: fields.sequenceNumber,
    linkPublicKey: fields.linkPublicKey,
    linkSequenceNumber: fields.linkSequenceNumber,
    previousHash: fields.previousHash,
    signature,
    type: fields.type,
    transaction: fields.transaction,
    timestampMs: fields.timestampMs,
    bytes,
    hash: sha256(bytes),
  }
}

/** The next block of the signer's chain, whose latest block is `latest` (undefined for genesis). */
export function createNextBlock(
  signer: BlockSigner,
  latest: HalfBlock | undefined,
  block: NewBlock,
): HalfBlock {
  return signBlock(
    {
      sequenceNumber: latest === undefined ? GENESIS_SEQ : latest.sequenceNumber + 1,
      previousHash: latest === undefined ? GENESIS_HASH : latest.hash,
      linkPublicKey: block.linkPublicKey,
      linkSequenceNumber: block.linkSequenceNumber,
      type: block.type,
      transaction: block.transaction,
      timestampMs: block.timestampMs,
    },
    signer,
  )
}

/** A proposal to `counterparty` (link seq 0). */
export function createProposal(
  signer: BlockSigner,
  latest: HalfBlock | undefined,
  proposal: Omit<NewBlock, 'linkSequenceNumber'>,
): HalfBlock {
  return createNextBlock(signer, latest, { ...proposal, linkSequenceNumber: UNKNOWN_SEQ })
}

/** The signer's agreement to `proposal`: links to its creator and seq, same type. */
export function createAgreement(
  signer: BlockSigner,
  latest: HalfBlock | undefined,
  proposal: HalfBlock,
  transaction: Uint8Array,
  timestampMs: number,
): HalfBlock {
  return createNextBlock(signer, latest, {
    linkPublicKey: proposal.publicKey,
    linkSequenceNumber: proposal.sequenceNumber,
    type: proposal.type,
    transaction,
    timestampMs,
  })
}
