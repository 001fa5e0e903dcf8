import { DollyError } from '@dolly/base'

/** Codes thrown by the world's providers (shops, gateways, API providers). */
export type ProviderErrorCode =
  | 'WORLD_PROVIDER_INVALID_OPTION'
  | 'WORLD_PROVIDER_CHAIN_REPLY_MALFORMED'
  | 'WORLD_PROVIDER_PROVISION_FAILED'
  | 'WORLD_PROVIDER_START_FAILED'
  | 'WORLD_PROVIDER_HOST_ACTION_FAILED'

/** Errors of the world's providers; callers branch on `code` (STYLE.md §1.7). */
export class ProviderError extends DollyError<ProviderErrorCode> {}
