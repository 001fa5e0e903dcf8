import { DollyError } from '@dolly/base'

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

/** Errors of `@dolly/world`. */
export class WorldError extends DollyError<WorldErrorCode> {}
