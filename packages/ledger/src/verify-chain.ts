import { bytesEqual, type SignatureVerifier } from '@dolly/base'
import { errorCode } from '@dolly/base'
import { decodeBlock, type HalfBlock } from './half-block.ts'
import type { LedgerStore, StoredRow } from './ports.ts'
import { validateBlock, type TransactionRuleSet } from './validation.ts'

/** One problem found in a stored chain. */
export interface ChainProblem {
  /** Seq of the offending row (as its column says). */
  readonly sequenceNumber: number
  /** Error code, e.g. LEDGER_SIGNATURE_BAD or LEDGER_STORE_CORRUPT. */
  readonly code: string
  /** What is wrong. */
  readonly reason: string
}

/** The result of re-verifying one stored chain. */
export interface ChainReport {
  /** The chain's key. */
  readonly publicKey: Uint8Array
  /** Rows examined. */
  readonly blocks: number
  /** Highest seq seen. */
  readonly latestSeq: number
  /** Everything that failed; empty when the chain verifies. */
  readonly problems: readonly ChainProblem[]
}

/** Rows read per page, so a long chain is verified in bounded memory. */
export const VERIFY_PAGE_ROWS = 1000

/**
 * Re-verifies every stored block of `publicKey` from scratch: decoding, the indexed columns against
 * the bytes, the hash, the signature and invariants, the link to the previous block, the
 * transaction rules and the mirror with linked blocks. Never trusts what the store says.
 */
export function verifyStoredChain(
  store: LedgerStore,
  publicKey: Uint8Array,
  verifier: SignatureVerifier,
  rules: TransactionRuleSet,
): ChainReport {
  const problems: ChainProblem[] = []
  const lastOfType = new Map<string, HalfBlock>()
  let previous: HalfBlock | undefined
  let afterSeq = 0
  let blocks = 0
  for (;;) {
    const page = store.rows(publicKey, afterSeq, VERIFY_PAGE_ROWS)
    if (page.length === 0) break
    for (const row of page) {
      blocks++
      afterSeq = row.sequenceNumber
      const block = checkRow(row, problems)
      if (block === undefined) continue
      try {
        const verdict = validateBlock(
          block,
          {
            previous,
            previousOfType: lastOfType.get(block.type),
            proposal:
              block.linkSequenceNumber === 0
                ? undefined
                : store.get(block.linkPublicKey, block.linkSequenceNumber),
            agreements:
              block.linkSequenceNumber === 0 ? store.agreementsOf(block.publicKey, block.sequenceNumber) : [],
          },
          verifier,
          rules,
        )
        if (verdict.state === 'invalid')
          problems.push({ sequenceNumber: row.sequenceNumber, code: verdict.code, reason: verdict.reason })
      } catch (err) {
        // A corrupted linked row surfaces here as LEDGER_STORE_CORRUPT: report it against this block.
        problems.push({
          sequenceNumber: row.sequenceNumber,
          code: errorCode(err) ?? 'LEDGER_STORE_CORRUPT',
          reason: String(err),
        })
      }
      previous = block
      lastOfType.set(block.type, block)
    }
  }
  return { publicKey, blocks, latestSeq: afterSeq, problems }
}

function checkRow(row: StoredRow, problems: ChainProblem[]): HalfBlock | undefined {
  const decoded = decodeBlock(row.bytes)
  const seq = row.sequenceNumber
  if (!decoded.ok) {
    problems.push({
      sequenceNumber: seq,
      code: decoded.code,
      reason: `stored bytes do not decode: ${decoded.reason}`,
    })
    return undefined
  }
  const b = decoded.block
  const columnsMatch =
    bytesEqual(b.publicKey, row.publicKey) &&
    b.sequenceNumber === row.sequenceNumber &&
    bytesEqual(b.linkPublicKey, row.linkPublicKey) &&
    b.linkSequenceNumber === row.linkSequenceNumber &&
    b.type === row.type &&
    bytesEqual(b.hash, row.hash)
  if (!columnsMatch) {
    problems.push({
      sequenceNumber: seq,
      code: 'LEDGER_STORE_CORRUPT',
      reason: 'the indexed columns or stored hash differ from the block bytes',
    })
    return undefined
  }
  return b
}
