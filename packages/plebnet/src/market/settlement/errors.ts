import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/** Codes of the trade settlement adapters (the market's ports over the agent's ledger and wallet). */
export type SettlementErrorCode =
  /** The ledger or the wallet is not running (the daemon has not started it yet, or stopped it). */
  | 'SETTLEMENT_NOT_RUNNING'
  /** The counterparty did not countersign our MB transfer (refused, or silent past the sign timeout). */
  | 'SETTLEMENT_TRANSFER_REFUSED'
  /** A line of the settlement index does not parse: restore the file from a backup. */
  | 'SETTLEMENT_INDEX_CORRUPT'
  /** `plebnet market audit` found a trade whose journal, ledger and chain do not match. */
  | 'SETTLEMENT_AUDIT_MISMATCH'

/** Exit status per code (STYLE.md §1.7): none is a usage error. */
export const SETTLEMENT_EXIT_STATUS: ExitStatusMap<SettlementErrorCode> = Object.freeze({
  SETTLEMENT_NOT_RUNNING: EXIT.FAILURE,
  SETTLEMENT_TRANSFER_REFUSED: EXIT.FAILURE,
  SETTLEMENT_INDEX_CORRUPT: EXIT.FAILURE,
  SETTLEMENT_AUDIT_MISMATCH: EXIT.FAILURE,
})

/** Errors of the settlement adapters. */
export class SettlementError extends DollyError<SettlementErrorCode> {}
