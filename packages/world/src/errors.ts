import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/** Codes thrown by the world. */
export type WorldErrorCode =
  | 'WORLD_CHAIN_RPC'
  | 'WORLD_CHAIN_UNREACHABLE'
  | 'WORLD_CHAIN_START'
  | 'WORLD_LITECOIND_MISSING'
  | 'WORLD_ALREADY_RUNNING'
  | 'WORLD_NOT_RUNNING'
  | 'WORLD_START_TIMEOUT'
  | 'WORLD_INVALID_ADDRESS'
  | 'WORLD_INVALID_OPTION'
  | 'WORLD_FAUCET_EMPTY'
  | 'WORLD_STATE_MALFORMED'
  | 'WORLD_CONTENT_START'
  | 'WORLD_USERS_PROXY_START'
  | 'WORLD_BUYBOT_FAILED'
  /** The world's IRC server (ngircd) did not start or listen. */
  | 'WORLD_IRC_START'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input): every code is listed, so a new one needs a decision. */
export const WORLD_EXIT_STATUS: ExitStatusMap<WorldErrorCode> = Object.freeze({
  WORLD_CHAIN_RPC: EXIT.FAILURE,
  WORLD_CHAIN_UNREACHABLE: EXIT.FAILURE,
  WORLD_CHAIN_START: EXIT.FAILURE,
  WORLD_LITECOIND_MISSING: EXIT.FAILURE,
  WORLD_ALREADY_RUNNING: EXIT.FAILURE,
  WORLD_NOT_RUNNING: EXIT.FAILURE,
  WORLD_START_TIMEOUT: EXIT.FAILURE,
  WORLD_INVALID_ADDRESS: EXIT.USAGE,
  WORLD_INVALID_OPTION: EXIT.USAGE,
  WORLD_FAUCET_EMPTY: EXIT.FAILURE,
  WORLD_STATE_MALFORMED: EXIT.FAILURE,
  WORLD_CONTENT_START: EXIT.FAILURE,
  WORLD_USERS_PROXY_START: EXIT.FAILURE,
  WORLD_BUYBOT_FAILED: EXIT.FAILURE,
  WORLD_IRC_START: EXIT.FAILURE,
})

/** Errors of `@dolly/world`. */
export class WorldError extends DollyError<WorldErrorCode> {}
