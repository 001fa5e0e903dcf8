import { DollyError } from '@dolly/base'

/** Codes of the lifecycle (tick, state store, agent wiring). */
export type LifecycleErrorCode =
  | 'LIFECYCLE_STATE_MALFORMED'
  | 'LIFECYCLE_CONFIG_INVALID'
  | 'LIFECYCLE_NOT_SET_UP'
  | 'LIFECYCLE_TICK_BUSY'
  /** A shop error without a code of its own (the tick retries the item with backoff). */
  | 'LIFECYCLE_SHOP_UNREADABLE'

/** Errors of the lifecycle. */
export class LifecycleError extends DollyError<LifecycleErrorCode> {}
