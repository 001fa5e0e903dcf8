import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/** Codes thrown by the world's providers (shops, gateways, API providers). */
export type ProviderErrorCode =
  | 'WORLD_PROVIDER_INVALID_OPTION'
  | 'WORLD_PROVIDER_CHAIN_REPLY_MALFORMED'
  | 'WORLD_PROVIDER_PROVISION_FAILED'
  | 'WORLD_PROVIDER_START_FAILED'
  | 'WORLD_PROVIDER_HOST_ACTION_FAILED'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input): every code is listed, so a new one needs a decision. */
export const PROVIDER_EXIT_STATUS: ExitStatusMap<ProviderErrorCode> = Object.freeze({
  WORLD_PROVIDER_INVALID_OPTION: EXIT.USAGE,
  WORLD_PROVIDER_CHAIN_REPLY_MALFORMED: EXIT.FAILURE,
  WORLD_PROVIDER_PROVISION_FAILED: EXIT.FAILURE,
  WORLD_PROVIDER_START_FAILED: EXIT.FAILURE,
  WORLD_PROVIDER_HOST_ACTION_FAILED: EXIT.FAILURE,
})

/** Errors of the world's providers; callers branch on `code` (STYLE.md §1.7). */
export class ProviderError extends DollyError<ProviderErrorCode> {}
