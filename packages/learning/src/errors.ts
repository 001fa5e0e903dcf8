import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/**
 * Codes of the agent's decision core (learning, strategies, trust). Kept in one union so callers
 * branch on `err.code` (STYLE.md §1.7); a CLI's exit status for each is in `DECISION_EXIT_STATUS`.
 */
export type DecisionErrorCode =
  | 'PLEBNET_QTABLE_MALFORMED'
  | 'PLEBNET_QTABLE_VERSION_UNKNOWN'
  | 'PLEBNET_QTABLE_OFFER_UNKNOWN'
  | 'PLEBNET_GENOME_MALFORMED'
  | 'PLEBNET_GENOME_VERSION_UNKNOWN'
  | 'PLEBNET_OPTIONS_INVALID'
  | 'PLEBNET_STRATEGY_INPUT_INVALID'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input): every code is listed, so a new one needs a decision. */
export const DECISION_EXIT_STATUS: ExitStatusMap<DecisionErrorCode> = Object.freeze({
  PLEBNET_QTABLE_MALFORMED: EXIT.FAILURE,
  PLEBNET_QTABLE_VERSION_UNKNOWN: EXIT.FAILURE,
  PLEBNET_QTABLE_OFFER_UNKNOWN: EXIT.FAILURE,
  PLEBNET_GENOME_MALFORMED: EXIT.FAILURE,
  PLEBNET_GENOME_VERSION_UNKNOWN: EXIT.FAILURE,
  PLEBNET_OPTIONS_INVALID: EXIT.USAGE,
  PLEBNET_STRATEGY_INPUT_INVALID: EXIT.FAILURE,
})

/** Errors of the decision core: a malformed hand-over or gossip payload, or bad options. */
export class DecisionError extends DollyError<DecisionErrorCode> {}
