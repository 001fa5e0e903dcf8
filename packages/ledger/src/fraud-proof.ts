import { bytesEqual, type SignatureVerifier } from '@dolly/base'
import { MAX_BLOCK_BYTES } from './constants.ts'
import { decodeBlock } from './half-block.ts'
import { checkInvariants, isProposal, type FraudKind, type FraudProof } from './validation.ts'

/**
 * Fraud proofs travel between agents (gossip) as two encoded blocks. Whoever receives one checks it
 * alone, trusting nobody: both blocks validly signed by one key and conflicting as their kind says.
 * Wire: u8 kind (1 double sign, 2 double countersign), then per block u16 length + bytes.
 */

const KIND_TAG: Readonly<Record<FraudKind, number>> = { double_sign: 1, double_countersign: 2 }

/** True when the two blocks really prove `proof.kind` against `proof.publicKey`. Pure. */
export function verifyFraudProof(proof: FraudProof, verifier: SignatureVerifier): boolean {
  const [a, b] = proof.blocks
  if (!bytesEqual(a.publicKey, proof.publicKey) || !bytesEqual(b.publicKey, proof.publicKey)) return false
  if (bytesEqual(a.hash, b.hash)) return false
  if (checkInvariants(a, verifier) !== undefined || checkInvariants(b, verifier) !== undefined) return false
  if (proof.kind === 'double_sign') return a.sequenceNumber === b.sequenceNumber
  // Two agreements by one key to one proposal, at different positions of its chain.
  return (
    !isProposal(a) &&
    !isProposal(b) &&
    bytesEqual(a.linkPublicKey, b.linkPublicKey) &&
    a.linkSequenceNumber === b.linkSequenceNumber &&
    a.sequenceNumber !== b.sequenceNumber
  )
}

/** Encodes a proof for the wire. */
export function encodeFraudProof(proof: FraudProof): Uint8Array {
  const [a, b] = proof.blocks
  const out = new Uint8Array(1 + 2 + a.bytes.byteLength + 2 + b.bytes.byteLength)
  out[0] = KIND_TAG[proof.kind]
  let o = 1
  for (const block of [a, b]) {
    out[o] = block.bytes.byteLength >> 8
    out[o + 1] = block.bytes.byteLength & 0xff
    out.set(block.bytes, o + 2)
    o += 2 + block.bytes.byteLength
  }
  return out
}

/** Decodes a proof from a peer (not yet verified: call `verifyFraudProof`); undefined when malformed. */
export function decodeFraudProof(bytes: Uint8Array): FraudProof | undefined {
  const kind = bytes[0] === 1 ? 'double_sign' : bytes[0] === 2 ? 'double_countersign' : undefined
  if (kind === undefined) return undefined
  const blocks = []
  let o = 1
  for (let i = 0; i < 2; i++) {
    if (o + 2 > bytes.byteLength) return undefined
    const length = ((bytes[o] ?? 0) << 8) | (bytes[o + 1] ?? 0)
    if (length > MAX_BLOCK_BYTES || o + 2 + length > bytes.byteLength) return undefined
    const decoded = decodeBlock(bytes.subarray(o + 2, o + 2 + length))
    if (!decoded.ok) return undefined
    blocks.push(decoded.block)
    o += 2 + length
  }
  const [a, b] = blocks
  if (a === undefined || b === undefined || o !== bytes.byteLength) return undefined
  return { kind, publicKey: a.publicKey, blocks: [a, b] }
}
