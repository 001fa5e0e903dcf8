import { DollyError } from '@dolly/base'

/**
 * Codes of the ledger (stable API, STYLE.md §1.7). Validation outcomes carry the same codes as
 * values (`{ state: 'invalid', code }`); exceptions use them for bugs and broken I/O.
 */
export type LedgerErrorCode =
  | 'LEDGER_BLOCK_TRUNCATED'
  | 'LEDGER_BLOCK_OVERSIZED'
  | 'LEDGER_BLOCK_MALFORMED'
  | 'LEDGER_SIGNATURE_BAD'
  | 'LEDGER_KEY_INVALID'
  | 'LEDGER_SEQ_INVALID'
  | 'LEDGER_TIMESTAMP_INVALID'
  | 'LEDGER_SELF_SIGNED'
  | 'LEDGER_GENESIS_INVALID'
  | 'LEDGER_DOUBLE_SIGN'
  | 'LEDGER_DOUBLE_COUNTERSIGN'
  | 'LEDGER_LINK_MISMATCH'
  | 'LEDGER_CHAIN_BROKEN'
  | 'LEDGER_BLOCK_DUPLICATE'
  | 'LEDGER_TYPE_INVALID'
  | 'LEDGER_TX_MALFORMED'
  | 'LEDGER_TX_ZERO'
  | 'LEDGER_TX_TOTALS_BAD'
  | 'LEDGER_TX_MIRROR_BAD'
  | 'LEDGER_TX_AMOUNT_INVALID'
  | 'LEDGER_NOT_ADDRESSED'
  | 'LEDGER_PROPOSAL_UNVERIFIABLE'
  | 'LEDGER_PROPOSAL_REFUSED'
  | 'LEDGER_AGREEMENT_BAD'
  | 'LEDGER_TIMEOUT'
  | 'LEDGER_PEER_UNREACHABLE'
  | 'LEDGER_MESSAGE_MALFORMED'
  | 'LEDGER_RANGE_INVALID'
  | 'LEDGER_OPTION_INVALID'
  | 'LEDGER_STORE_CORRUPT'

/** Errors of the ledger. */
export class LedgerError extends DollyError<LedgerErrorCode> {}
