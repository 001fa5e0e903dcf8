/**
 * The world's providers: WHMCS-like shops with their payment gateways, the SporeStack-like and
 * BitLaunch-like API providers, and the Mullvad-like VPN provider. Each `start*` returns a handle
 * with `info()` for `dolly world status` and an idempotent `stop()`.
 */
export {
  startProvider,
  quirkNames,
  type ProviderDeps,
  type ProviderOptions,
  type ProviderInfo,
  type RunningProvider,
} from './provider.ts'
export { startProviders, type StandardProvidersOptions, type RunningProviders } from './standard.ts'
export { standardShops, NO_QUIRKS } from './catalog.ts'
export {
  startApiProvider,
  type ApiProviderOptions,
  type RunningApiProvider,
} from './api/start-api-provider.ts'
export {
  startVpnProvider,
  VPN_MONTH_CENTS,
  type VpnProviderDeps,
  type VpnProviderOptions,
  type RunningVpnProvider,
} from './vpn/start-vpn-provider.ts'
export type { VpnEndpointPort } from './vpn/mullvad.ts'
export { createSshRootPasswordChanger } from './adapters/ssh-root-password.ts'
export type {
  ProviderChain,
  ProviderProvisioner,
  ProviderHostSpec,
  ProvidedHost,
  RootPasswordChanger,
} from './ports.ts'
export type {
  ShopConfig,
  Quirks,
  Product,
  ConfigOption,
  GatewayKind,
  TemplateName,
  BillingCycle,
} from './types.ts'
export { ProviderError, type ProviderErrorCode } from './errors.ts'
export {
  SATS_PER_USD,
  MONTH_MS,
  POLL_INTERVAL_MS,
  PROVISIONING_DELAY_MS,
  INVOICE_EXPIRY_MS,
} from './constants.ts'
