import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/** Codes of the lifecycle (tick, state store, agent wiring). */
export type LifecycleErrorCode =
  | 'LIFECYCLE_STATE_MALFORMED'
  | 'LIFECYCLE_CONFIG_INVALID'
  | 'LIFECYCLE_NOT_SET_UP'
  | 'LIFECYCLE_TICK_BUSY'
  /** A shop error without a code of its own (the tick retries the item with backoff). */
  | 'LIFECYCLE_SHOP_UNREADABLE'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input): every code is listed, so a new one needs a decision. */
export const LIFECYCLE_EXIT_STATUS: ExitStatusMap<LifecycleErrorCode> = Object.freeze({
  LIFECYCLE_STATE_MALFORMED: EXIT.FAILURE,
  LIFECYCLE_CONFIG_INVALID: EXIT.USAGE,
  LIFECYCLE_NOT_SET_UP: EXIT.FAILURE,
  LIFECYCLE_TICK_BUSY: EXIT.FAILURE,
  LIFECYCLE_SHOP_UNREADABLE: EXIT.FAILURE,
})

/** Errors of the lifecycle. */
export class LifecycleError extends DollyError<LifecycleErrorCode> {}
