import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/** Codes thrown by the VPN endpoint host. */
export type VpnEndpointErrorCode =
  | 'WORLD_VPN_INVALID_KEY'
  | 'WORLD_VPN_INVALID_OPTION'
  | 'WORLD_VPN_NO_FREE_ADDRESS'
  | 'WORLD_VPN_START_FAILED'
  | 'WORLD_VPN_COMMAND_FAILED'
  | 'WORLD_VPN_STOPPED'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input): every code is listed, so a new one needs a decision. */
export const VPN_ENDPOINT_EXIT_STATUS: ExitStatusMap<VpnEndpointErrorCode> = Object.freeze({
  WORLD_VPN_INVALID_KEY: EXIT.USAGE,
  WORLD_VPN_INVALID_OPTION: EXIT.USAGE,
  WORLD_VPN_NO_FREE_ADDRESS: EXIT.FAILURE,
  WORLD_VPN_START_FAILED: EXIT.FAILURE,
  WORLD_VPN_COMMAND_FAILED: EXIT.FAILURE,
  WORLD_VPN_STOPPED: EXIT.FAILURE,
})

/** Errors of the world's WireGuard endpoint; callers branch on `code` (STYLE.md §1.7). */
export class VpnEndpointError extends DollyError<VpnEndpointErrorCode> {}
