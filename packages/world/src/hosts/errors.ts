import { DollyError } from '@dolly/base'

/** Codes thrown by the host provisioner. */
export type HostsErrorCode =
  | 'WORLD_HOSTS_NOT_LINUX'
  | 'WORLD_HOSTS_NOT_ROOT'
  | 'WORLD_HOSTS_TOOL_MISSING'
  | 'WORLD_HOSTS_INVALID_SPEC'
  | 'WORLD_HOSTS_INVALID_OPTION'
  | 'WORLD_HOSTS_NO_FREE_NETWORK'
  | 'WORLD_HOSTS_NO_FREE_ADDRESS'
  | 'WORLD_HOSTS_LAYER_OVERLAP'
  | 'WORLD_HOSTS_COMMAND_FAILED'
  | 'WORLD_HOSTS_CREATE_FAILED'
  | 'WORLD_HOSTS_SSH_TIMEOUT'
  | 'WORLD_HOSTS_DESTROYED'
  | 'WORLD_HOSTS_NETWORK_STOPPED'
  | 'WORLD_HOSTS_RECORD_MALFORMED'
  | 'WORLD_HOSTS_CLEANUP_INCOMPLETE'

/** Errors of the world's host provisioner; callers branch on `code` (STYLE.md §1.7). */
export class HostsError extends DollyError<HostsErrorCode> {}
