/** The world VPN provider's server side: a host running wireguard-go with NAT to the world bridge. */
export {
  startVpnEndpoint,
  type VpnEndpoint,
  type VpnEndpointDeps,
  type VpnEndpointOptions,
  type VpnPeerGrant,
} from './endpoint.ts'
export { renderWgQuickConfig, parseWireGuardKey, type WireGuardPeerConfig } from './tunnel-plan.ts'
export { VpnEndpointError, type VpnEndpointErrorCode } from './errors.ts'
