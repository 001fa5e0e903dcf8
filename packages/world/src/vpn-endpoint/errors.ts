import { DollyError } from '@dolly/base'

/** Codes thrown by the VPN endpoint host. */
export type VpnEndpointErrorCode =
  | 'WORLD_VPN_INVALID_KEY'
  | 'WORLD_VPN_INVALID_OPTION'
  | 'WORLD_VPN_NO_FREE_ADDRESS'
  | 'WORLD_VPN_START_FAILED'
  | 'WORLD_VPN_COMMAND_FAILED'
  | 'WORLD_VPN_STOPPED'

/** Errors of the world's WireGuard endpoint; callers branch on `code` (STYLE.md §1.7). */
export class VpnEndpointError extends DollyError<VpnEndpointErrorCode> {}
