import { DollyError } from '@dolly/base'

/**
 * Codes of the agent's decision core (learning, strategies, trust). Kept in one union so callers
 * branch on `err.code` (STYLE.md §1.7); the `_INVALID`/`_MALFORMED` suffixes make a CLI exit 2.
 */
export type DecisionErrorCode =
  | 'PLEBNET_QTABLE_MALFORMED'
  | 'PLEBNET_QTABLE_VERSION_UNKNOWN'
  | 'PLEBNET_QTABLE_OFFER_UNKNOWN'
  | 'PLEBNET_GENOME_MALFORMED'
  | 'PLEBNET_GENOME_VERSION_UNKNOWN'
  | 'PLEBNET_OPTIONS_INVALID'
  | 'PLEBNET_STRATEGY_INPUT_INVALID'

/** Errors of the decision core: a malformed hand-over or gossip payload, or bad options. */
export class DecisionError extends DollyError<DecisionErrorCode> {}
