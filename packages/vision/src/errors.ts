import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/**
 * Codes of Vision. A reply, a `tracker.data` line or a request Vision cannot use is rejected with one
 * of these, never with a crash.
 */
export type VisionErrorCode =
  | 'VISION_OPTIONS_INVALID'
  | 'VISION_REPLY_UNKNOWN'
  | 'VISION_REPLY_MALFORMED'
  | 'VISION_TREE_INVALID'
  | 'VISION_DATA_MALFORMED'
  | 'VISION_NODE_UNKNOWN'
  | 'VISION_METRIC_UNKNOWN'
  | 'VISION_IRC_FAILED'
  | 'VISION_STORE_FAILED'
  | 'VISION_LISTEN_FAILED'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input). */
export const VISION_EXIT_STATUS: ExitStatusMap<VisionErrorCode> = Object.freeze({
  VISION_OPTIONS_INVALID: EXIT.USAGE,
  // Replies and data lines come from the network or an old file, not from the operator.
  VISION_REPLY_UNKNOWN: EXIT.FAILURE,
  VISION_REPLY_MALFORMED: EXIT.FAILURE,
  VISION_TREE_INVALID: EXIT.FAILURE,
  VISION_DATA_MALFORMED: EXIT.FAILURE,
  VISION_NODE_UNKNOWN: EXIT.FAILURE,
  VISION_METRIC_UNKNOWN: EXIT.FAILURE,
  VISION_IRC_FAILED: EXIT.FAILURE,
  VISION_STORE_FAILED: EXIT.FAILURE,
  VISION_LISTEN_FAILED: EXIT.FAILURE,
})

/** Errors of `@dolly/vision`. */
export class VisionError extends DollyError<VisionErrorCode> {}
