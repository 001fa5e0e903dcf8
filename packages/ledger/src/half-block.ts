import { createHash } from 'node:crypto'
import {
  EMPTY_SIG,
  FIXED_BLOCK_BYTES,
  HASH_BYTES,
  MAX_BLOCK_BYTES,
  MAX_SEQ,
  MAX_TRANSACTION_BYTES,
  MAX_TYPE_BYTES,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
} from './constants.ts'
import { LedgerError, type LedgerErrorCode } from './errors.ts'

/**
 * A TrustChain half-block (ALGORITHMS.md §8). Wire layout, big-endian, after py-ipv8's
 * `HalfBlockPayload` (`74s I 74s I 32s 64s varlenH varlenH Q`) with 32-byte Ed25519 keys:
 * public_key(32) seq(u32) link_public_key(32) link_seq(u32) previous_hash(32) signature(64)
 * type(u16 length + ASCII) transaction(u16 length + bytes) timestamp(u64 ms).
 */

/** The signed fields of a half-block. */
export interface HalfBlockFields {
  /** Creator's raw Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** Position in the creator's chain; genesis = 1. */
  readonly sequenceNumber: number
  /** Counterparty's key (`ANY_COUNTERPARTY_PK` for an open proposal). */
  readonly linkPublicKey: Uint8Array
  /** 0 in a proposal; the proposal's seq in an agreement. */
  readonly linkSequenceNumber: number
  /** Hash of the creator's previous block; `GENESIS_HASH` in the first. */
  readonly previousHash: Uint8Array
  /** Ed25519 over the packed block with `EMPTY_SIG` in this field. */
  readonly signature: Uint8Array
  /** Transaction type, e.g. `tribler_bandwidth`. */
  readonly type: string
  /** The encoded transaction (for bandwidth: a canonical dict, see tx-dict.ts). */
  readonly transaction: Uint8Array
  /** Creation time, ms since the epoch (wire uint64; we keep it within Number.MAX_SAFE_INTEGER). */
  readonly timestampMs: number
}

/** A packed half-block: its fields plus its canonical bytes and SHA-256 hash (signature included). */
export interface HalfBlock extends HalfBlockFields {
  /** Canonical encoding. */
  readonly bytes: Uint8Array
  /** SHA-256 of `bytes`. */
  readonly hash: Uint8Array
}

/** Outcome of decoding untrusted bytes. */
export type DecodeResult =
  | { readonly ok: true; readonly block: HalfBlock }
  | { readonly ok: false; readonly code: LedgerErrorCode; readonly reason: string }

/** Byte offset of the signature field in an encoded block. */
export const SIGNATURE_OFFSET = PUBLIC_KEY_BYTES * 2 + 8 + HASH_BYTES

const TYPE_RE = /^[a-z0-9_]{1,64}$/

/** True for a type name we encode: 1–64 of `[a-z0-9_]`. */
export function isValidBlockType(type: string): boolean {
  return TYPE_RE.test(type)
}

/** SHA-256 of `bytes`. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}

/**
 * Encodes and hashes a block. Throws LEDGER_BLOCK_MALFORMED when a field does not fit the wire
 * format: callers build blocks from their own values, so that is a bug, not bad input.
 */
export function packBlock(fields: HalfBlockFields): HalfBlock {
  const bytes = encodeFields(fields)
  return { ...copyFields(fields), bytes, hash: sha256(bytes) }
}

/** The canonical bytes of the fields, unhashed (signing needs the bytes before the hash exists). */
export function encodeFields(fields: HalfBlockFields): Uint8Array {
  const problem = fieldProblem(fields)
  if (problem !== undefined) {
    throw new LedgerError('LEDGER_BLOCK_MALFORMED', `cannot encode half-block: ${problem}`, {
      sequenceNumber: fields.sequenceNumber,
    })
  }
  const typeBytes = Buffer.from(fields.type, 'ascii')
  const buf = Buffer.allocUnsafe(FIXED_BLOCK_BYTES + typeBytes.length + fields.transaction.byteLength)
  let o = 0
  buf.set(fields.publicKey, o)
  o += PUBLIC_KEY_BYTES
  buf.writeUInt32BE(fields.sequenceNumber, o)
  o += 4
  buf.set(fields.linkPublicKey, o)
  o += PUBLIC_KEY_BYTES
  buf.writeUInt32BE(fields.linkSequenceNumber, o)
  o += 4
  buf.set(fields.previousHash, o)
  o += HASH_BYTES
  buf.set(fields.signature, o)
  o += SIGNATURE_BYTES
  buf.writeUInt16BE(typeBytes.length, o)
  o += 2
  buf.set(typeBytes, o)
  o += typeBytes.length
  buf.writeUInt16BE(fields.transaction.byteLength, o)
  o += 2
  buf.set(fields.transaction, o)
  o += fields.transaction.byteLength
  buf.writeBigUInt64BE(BigInt(fields.timestampMs), o)
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}

/** The bytes a signature covers: the encoding with `EMPTY_SIG` in the signature field. */
export function signingBytes(encoded: Uint8Array): Uint8Array {
  const copy = new Uint8Array(encoded)
  copy.set(EMPTY_SIG, SIGNATURE_OFFSET)
  return copy
}

/** Decodes untrusted bytes into a block; truncated, oversized or non-canonical input is refused with a code. */
export function decodeBlock(bytes: Uint8Array): DecodeResult {
  return decodeWithHash(bytes, undefined)
}

/**
 * Decodes bytes this process stored itself, taking the hash stored beside them (re-verification,
 * `verifyStoredChain`, recomputes it); a failure means the store was corrupted.
 */
export function decodeTrustedBlock(bytes: Uint8Array, storedHash?: Uint8Array): HalfBlock {
  const result = decodeWithHash(bytes, storedHash)
  if (!result.ok) {
    throw new LedgerError(
      'LEDGER_STORE_CORRUPT',
      `stored block does not decode: ${result.code} ${result.reason}`,
      {
        decodeCode: result.code,
      },
    )
  }
  return result.block
}

function decodeWithHash(input: Uint8Array, knownHash: Uint8Array | undefined): DecodeResult {
  if (input.byteLength > MAX_BLOCK_BYTES) {
    return fail(
      'LEDGER_BLOCK_OVERSIZED',
      `block is ${input.byteLength} bytes, at most ${MAX_BLOCK_BYTES} allowed`,
    )
  }
  if (input.byteLength < FIXED_BLOCK_BYTES) {
    return fail(
      'LEDGER_BLOCK_TRUNCATED',
      `block is ${input.byteLength} bytes, at least ${FIXED_BLOCK_BYTES} needed`,
    )
  }
  // Trusted rows are fresh copies already; otherwise take one private copy. The fields are views
  // into it, so nobody else's buffer can change the block afterwards.
  const bytes = knownHash === undefined ? new Uint8Array(input) : input
  // Plain byte arithmetic rather than Buffer/DataView: decoding sits on every validation's path.
  const u16 = (at: number): number => ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0)
  const u32 = (at: number): number => u16(at) * 0x10000 + u16(at + 2)
  let o = 0
  const take = (n: number): Uint8Array => {
    const out = bytes.subarray(o, o + n)
    o += n
    return out
  }
  const publicKey = take(PUBLIC_KEY_BYTES)
  const sequenceNumber = u32(o)
  o += 4
  const linkPublicKey = take(PUBLIC_KEY_BYTES)
  const linkSequenceNumber = u32(o)
  o += 4
  const previousHash = take(HASH_BYTES)
  const signature = take(SIGNATURE_BYTES)
  const typeLength = u16(o)
  o += 2
  if (typeLength > MAX_TYPE_BYTES)
    return fail('LEDGER_BLOCK_OVERSIZED', `type is ${typeLength} bytes, at most ${MAX_TYPE_BYTES}`)
  if (o + typeLength + 2 + 8 > bytes.byteLength)
    return fail('LEDGER_BLOCK_TRUNCATED', 'block ends inside the type field')
  const type = asciiType(bytes, o, typeLength)
  o += typeLength
  if (type === undefined) return fail('LEDGER_TYPE_INVALID', `type is not 1-64 of [a-z0-9_]`)
  const txLength = u16(o)
  o += 2
  if (txLength > MAX_TRANSACTION_BYTES) {
    return fail(
      'LEDGER_BLOCK_OVERSIZED',
      `transaction is ${txLength} bytes, at most ${MAX_TRANSACTION_BYTES}`,
    )
  }
  if (o + txLength + 8 > bytes.byteLength)
    return fail('LEDGER_BLOCK_TRUNCATED', 'block ends inside the transaction')
  const transaction = take(txLength)
  const timestampHigh = u32(o)
  const timestampMs = timestampHigh * 0x1_0000_0000 + u32(o + 4)
  o += 8
  if (o !== bytes.byteLength)
    return fail('LEDGER_BLOCK_MALFORMED', `${bytes.byteLength - o} trailing bytes after the timestamp`)
  // 2^53 = 0x20_0000 in the high word: beyond it a number is no longer exact.
  if (timestampHigh >= 0x20_0000) {
    return fail('LEDGER_TIMESTAMP_INVALID', `timestamp is beyond ${Number.MAX_SAFE_INTEGER} ms`)
  }
  const block: HalfBlock = {
    publicKey,
    sequenceNumber,
    linkPublicKey,
    linkSequenceNumber,
    previousHash,
    signature,
    type,
    transaction,
    timestampMs,
    bytes,
    hash: knownHash ?? sha256(bytes),
  }
  return { ok: true, block }
}

function fieldProblem(f: HalfBlockFields): string | undefined {
  if (f.publicKey.byteLength !== PUBLIC_KEY_BYTES)
    return `public key is ${f.publicKey.byteLength} bytes, expected ${PUBLIC_KEY_BYTES}`
  if (f.linkPublicKey.byteLength !== PUBLIC_KEY_BYTES)
    return `link public key is ${f.linkPublicKey.byteLength} bytes`
  if (f.previousHash.byteLength !== HASH_BYTES) return `previous hash is ${f.previousHash.byteLength} bytes`
  if (f.signature.byteLength !== SIGNATURE_BYTES) return `signature is ${f.signature.byteLength} bytes`
  if (!isUint32(f.sequenceNumber) || !isUint32(f.linkSequenceNumber)) return 'sequence numbers must be uint32'
  if (!isValidBlockType(f.type)) return `type ${JSON.stringify(f.type)} is not 1-64 of [a-z0-9_]`
  if (f.transaction.byteLength > MAX_TRANSACTION_BYTES)
    return `transaction is ${f.transaction.byteLength} bytes`
  if (!Number.isSafeInteger(f.timestampMs) || f.timestampMs < 0)
    return `timestamp ${f.timestampMs} is not a non-negative integer`
  return undefined
}

/** The type name at bytes[at..at+length) if it is 1-64 of [a-z0-9_]; undefined otherwise. */
function asciiType(bytes: Uint8Array, at: number, length: number): string | undefined {
  if (length < 1) return undefined
  let out = ''
  for (let i = at; i < at + length; i++) {
    const c = bytes[i] ?? 0
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f
    if (!ok) return undefined
    out += String.fromCharCode(c)
  }
  return out
}

function isUint32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_SEQ
}

function copyFields(f: HalfBlockFields): HalfBlockFields {
  return {
    publicKey: f.publicKey,
    sequenceNumber: f.sequenceNumber,
    linkPublicKey: f.linkPublicKey,
    linkSequenceNumber: f.linkSequenceNumber,
    previousHash: f.previousHash,
    signature: f.signature,
    type: f.type,
    transaction: f.transaction,
    timestampMs: f.timestampMs,
  }
}

function fail(code: LedgerErrorCode, reason: string): DecodeResult {
  return { ok: false, code, reason }
}
