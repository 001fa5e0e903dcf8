/**
 * The one place cloudomate's tests reach into the world package. `@dolly/world`'s public index does
 * not export its providers, hosts and in-process test kit yet, so they are imported from its source
 * here; when the world exports them, only this file changes.
 */
export { startInProcessProvider, startInProcessApiProvider } from '../../../world/src/providers/test-kit.ts'
export { startProviders, type RunningProviders } from '../../../world/src/providers/standard.ts'
export { startProvider, type RunningProvider } from '../../../world/src/providers/provider.ts'
export {
  startApiProvider,
  type RunningApiProvider,
} from '../../../world/src/providers/api/start-api-provider.ts'
export { startVpnProvider } from '../../../world/src/providers/vpn/start-vpn-provider.ts'
export { standardShops, NO_QUIRKS } from '../../../world/src/providers/catalog.ts'
export { createSshRootPasswordChanger } from '../../../world/src/providers/adapters/ssh-root-password.ts'
export {
  cleanupLeftovers,
  createHostNetwork,
  createHostProvisioner,
  type HostProvisioner,
  type PlannedHostNetwork,
} from '../../../world/src/hosts/index.ts'
export { startVpnEndpoint } from '../../../world/src/vpn-endpoint/index.ts'
export { startChain, type ChainHandle } from '@dolly/world'
