import { BANDWIDTH_TYPE, BYTES_PER_MB, GENESIS_SEQ, MAX_UINT64, MIN_TRANSACTION_BYTES } from './constants.ts'
import { LedgerError, type LedgerErrorCode } from './errors.ts'
import type { HalfBlock } from './half-block.ts'
import { encodeTxDict } from './tx-dict.ts'
import type { BlockContext, TransactionRules, TxCheck } from './validation.ts'

/**
 * Bandwidth transactions (`tribler_bandwidth`, ALGORITHMS.md §9.1): bytes given (`up`) and taken
 * (`down`) in this block, plus the creator's running totals. Balance = total_up − total_down.
 */

/** One bandwidth transaction, in bytes. */
export interface BandwidthTx {
  /** Bytes this block's creator gave to the counterparty. */
  readonly up: bigint
  /** Bytes the creator took from the counterparty. */
  readonly down: bigint
  /** The creator's `up` summed over its bandwidth blocks up to and including this one. */
  readonly totalUp: bigint
  /** The creator's `down` summed likewise. */
  readonly totalDown: bigint
}

/** Encodes a bandwidth transaction as the canonical dict {down, total_down, total_up, up}. */
export function encodeBandwidthTx(tx: BandwidthTx): Uint8Array {
  return encodeTxDict({ up: tx.up, down: tx.down, total_up: tx.totalUp, total_down: tx.totalDown })
}

/**
 * The canonical bandwidth dict is fixed-size: the template with zero values, whose key and tag
 * bytes any valid encoding matches exactly (the values sit at VALUE_OFFSETS).
 */
const TEMPLATE = encodeTxDict({ up: 0n, down: 0n, total_up: 0n, total_down: 0n })
/** Offsets of down, total_down, total_up, up (keys sorted) in the template. */
const VALUE_OFFSETS = [7, 27, 45, 57] as const

/** Decodes a bandwidth transaction; undefined unless it is exactly the four uint64 fields. */
export function decodeBandwidthTx(bytes: Uint8Array): BandwidthTx | undefined {
  if (bytes.byteLength !== TEMPLATE.byteLength) return undefined
  let v = 0
  for (let i = 0; i < TEMPLATE.byteLength; i++) {
    if (i === VALUE_OFFSETS[v]) {
      i += 7
      v++
    } else if (bytes[i] !== TEMPLATE[i]) {
      return undefined
    }
  }
  const [down, totalDown, totalUp, up] = VALUE_OFFSETS.map((at) => readU64(bytes, at)) as [
    bigint,
    bigint,
    bigint,
    bigint,
  ]
  return { up, down, totalUp, totalDown }
}

function readU64(bytes: Uint8Array, at: number): bigint {
  let hi = 0
  let lo = 0
  for (let i = 0; i < 4; i++) {
    hi = hi * 256 + (bytes[at + i] ?? 0)
    lo = lo * 256 + (bytes[at + 4 + i] ?? 0)
  }
  return (BigInt(hi) << 32n) | BigInt(lo)
}

/** The transaction of a block that is known to be bandwidth (stored, hence validated). */
export function bandwidthTxOf(block: HalfBlock): BandwidthTx {
  const tx = decodeBandwidthTx(block.transaction)
  if (tx === undefined)
    throw new LedgerError(
      'LEDGER_STORE_CORRUPT',
      `stored bandwidth block ${block.sequenceNumber} has no bandwidth transaction`,
    )
  return tx
}

/**
 * The next transaction of a chain whose latest bandwidth transaction is `previous` (undefined for
 * the first): totals carry on. Throws LEDGER_TX_AMOUNT_INVALID for negative, all-zero or overflowing amounts.
 */
export function nextBandwidthTx(previous: BandwidthTx | undefined, up: bigint, down: bigint): BandwidthTx {
  if (up < 0n || down < 0n || (up === 0n && down === 0n)) {
    throw new LedgerError(
      'LEDGER_TX_AMOUNT_INVALID',
      `bandwidth amounts must be non-negative and not both zero, got up ${up}, down ${down}`,
      { up, down },
    )
  }
  const totalUp = (previous?.totalUp ?? 0n) + up
  const totalDown = (previous?.totalDown ?? 0n) + down
  if (totalUp > MAX_UINT64 || totalDown > MAX_UINT64) {
    throw new LedgerError('LEDGER_TX_AMOUNT_INVALID', 'bandwidth totals would overflow uint64', { up, down })
  }
  return { up, down, totalUp, totalDown }
}

/** The agreement's deltas for a proposal: it mirrors the proposal (`up = link.down`, `down = link.up`). */
export function mirrorDeltas(proposal: BandwidthTx): { readonly up: bigint; readonly down: bigint } {
  return { up: proposal.down, down: proposal.up }
}

/** Balance in bytes from the latest own bandwidth transaction (0 without one). */
export function balanceBytes(latest: BandwidthTx | undefined): bigint {
  return latest === undefined ? 0n : latest.totalUp - latest.totalDown
}

/** Whole MB tokens in a byte balance: floor(bytes / 2^20), rounding down also below zero (a debt is never understated). */
export function bytesToMbFloor(bytes: bigint): bigint {
  const q = bytes / BYTES_PER_MB
  return bytes < 0n && q * BYTES_PER_MB !== bytes ? q - 1n : q
}

/**
 * Deltas of the payer's proposal for a market transfer of `mb` MB tokens: `{up: 0, down: mb·2^20}`
 * (ALGORITHMS.md §9.1). Throws LEDGER_TX_AMOUNT_INVALID below the 1 MiB minimum.
 */
export function transferDeltas(mb: bigint): { readonly up: bigint; readonly down: bigint } {
  const down = mb * BYTES_PER_MB
  if (down < MIN_TRANSACTION_BYTES)
    throw new LedgerError('LEDGER_TX_AMOUNT_INVALID', `a transfer is at least 1 MB, got ${mb}`, { mb })
  return { up: 0n, down }
}

/** The validation rules of `tribler_bandwidth` blocks. */
export const bandwidthRules: TransactionRules = Object.freeze({ check: checkBandwidth })

function checkBandwidth(block: HalfBlock, context: BlockContext): TxCheck {
  const tx = decodeBandwidthTx(block.transaction)
  if (tx === undefined)
    return bad(
      'LEDGER_TX_MALFORMED',
      'a bandwidth transaction holds exactly up, down, total_up, total_down as uint64',
    )
  if (tx.up === 0n && tx.down === 0n) return bad('LEDGER_TX_ZERO', 'up = down = 0 transfers nothing')
  if (tx.totalUp < tx.up || tx.totalDown < tx.down)
    return bad('LEDGER_TX_TOTALS_BAD', 'a total is below its own delta')
  if (block.sequenceNumber === GENESIS_SEQ && (tx.totalUp !== tx.up || tx.totalDown !== tx.down)) {
    return bad('LEDGER_TX_TOTALS_BAD', 'in the genesis block the totals equal the deltas')
  }
  const { previousOfType: prev, nextOfType: next } = context
  if (prev !== undefined && prev.type === BANDWIDTH_TYPE) {
    const p = bandwidthTxOf(prev)
    if (!totalsFollow(p, tx, prev.sequenceNumber === block.sequenceNumber - 1)) {
      return bad('LEDGER_TX_TOTALS_BAD', `totals do not chain from block ${prev.sequenceNumber}`)
    }
  }
  if (next !== undefined && next.type === BANDWIDTH_TYPE) {
    const n = bandwidthTxOf(next)
    if (!totalsFollow(tx, n, next.sequenceNumber === block.sequenceNumber + 1)) {
      return bad('LEDGER_TX_TOTALS_BAD', `block ${next.sequenceNumber}'s totals do not chain from this one`)
    }
  }
  const counterpart = block.linkSequenceNumber === 0 ? context.agreements[0] : context.proposal
  if (counterpart !== undefined) {
    const c = decodeBandwidthTx(counterpart.transaction)
    if (c === undefined || c.up !== tx.down || c.down !== tx.up) {
      return bad(
        'LEDGER_TX_MIRROR_BAD',
        'the agreement must mirror the proposal: up = link.down, down = link.up',
      )
    }
  }
  return { ok: true }
}

/**
 * True when `later` can follow `earlier`: exactly (adjacent blocks) or, across a gap of unknown
 * blocks, at least by its own deltas (totals never decrease).
 */
function totalsFollow(earlier: BandwidthTx, later: BandwidthTx, adjacent: boolean): boolean {
  const up = earlier.totalUp + later.up
  const down = earlier.totalDown + later.down
  return adjacent
    ? later.totalUp === up && later.totalDown === down
    : later.totalUp >= up && later.totalDown >= down
}

function bad(code: LedgerErrorCode, reason: string): TxCheck {
  return { ok: false, code, reason }
}
