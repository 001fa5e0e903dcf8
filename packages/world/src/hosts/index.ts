/**
 * The world's host provisioner: a private bridge per world and hosts that are network namespaces
 * with their own copy-on-write root, PID/UTS/mount namespaces and sshd.
 */
export type {
  Host,
  HostExecOptions,
  HostExecResult,
  HostNetwork,
  HostProvisioner,
  HostProvisionerDeps,
  HostProvisionerOptions,
  HostSpec,
  WorldHost,
} from './types.ts'
export { HostsError, type HostsErrorCode } from './errors.ts'
export {
  createHostNetwork,
  type HostNetworkOptions,
  type PlannedHostNetwork,
} from './adapters/host-network.ts'
export { createHostProvisioner } from './adapters/provisioner.ts'
export { cleanupLeftovers } from './adapters/cleanup.ts'
export { inspectRecorded, type RecordedHost, type RecordedNetwork } from './adapters/inspect.ts'
export { residentBytes } from './adapters/host-process.ts'
export { parseHostSpec } from './spec.ts'
