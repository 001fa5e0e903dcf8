/** The one place cloudomate's tests reach into the world package (its public index and test kit). */
export { startInProcessProvider, startInProcessApiProvider } from '@dolly/world/test-kit'
export {
  startProviders,
  startProvider,
  startApiProvider,
  startVpnProvider,
  standardShops,
  NO_QUIRKS,
  createSshRootPasswordChanger,
  cleanupLeftovers,
  createHostNetwork,
  createHostProvisioner,
  startVpnEndpoint,
  startChain,
  type RunningProviders,
  type RunningProvider,
  type RunningApiProvider,
  type HostProvisioner,
  type PlannedHostNetwork,
  type ChainHandle,
} from '@dolly/world'
