import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/**
 * Codes of replication (`create-child`, `setup`'s hand-over). Each failure names the step it
 * happened in (`details.step`), so a parent's journal says where an install stopped.
 */
export type ReplicationErrorCode =
  | 'REPLICATION_USAGE'
  | 'REPLICATION_IP_INVALID'
  | 'REPLICATION_SSH_UNREACHABLE'
  | 'REPLICATION_SSH_AUTH_FAILED'
  | 'REPLICATION_HOST_KEY_CHANGED'
  | 'REPLICATION_SERVER_OCCUPIED'
  | 'REPLICATION_REMOTE_FAILED'
  | 'REPLICATION_CHECKSUM_MISMATCH'
  | 'REPLICATION_BUNDLE_FAILED'
  | 'REPLICATION_RELEASE_FAILED'
  | 'REPLICATION_SETUP_FAILED'
  | 'REPLICATION_HEARTBEAT_TIMEOUT'
  | 'REPLICATION_VPN_FAILED'
  | 'REPLICATION_PAYLOAD_MALFORMED'
  /** Another agent's status reply is neither a full nor a public status document. */
  | 'REPLICATION_STATUS_MALFORMED'
  | 'REPLICATION_STATE_MALFORMED'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input): every code is listed, so a new one needs a decision. */
export const REPLICATION_EXIT_STATUS: ExitStatusMap<ReplicationErrorCode> = Object.freeze({
  REPLICATION_USAGE: EXIT.USAGE,
  REPLICATION_IP_INVALID: EXIT.USAGE,
  REPLICATION_SSH_UNREACHABLE: EXIT.FAILURE,
  REPLICATION_SSH_AUTH_FAILED: EXIT.FAILURE,
  REPLICATION_HOST_KEY_CHANGED: EXIT.FAILURE,
  REPLICATION_SERVER_OCCUPIED: EXIT.FAILURE,
  REPLICATION_REMOTE_FAILED: EXIT.FAILURE,
  REPLICATION_CHECKSUM_MISMATCH: EXIT.FAILURE,
  REPLICATION_BUNDLE_FAILED: EXIT.FAILURE,
  REPLICATION_RELEASE_FAILED: EXIT.FAILURE,
  REPLICATION_SETUP_FAILED: EXIT.FAILURE,
  REPLICATION_HEARTBEAT_TIMEOUT: EXIT.FAILURE,
  REPLICATION_VPN_FAILED: EXIT.FAILURE,
  REPLICATION_PAYLOAD_MALFORMED: EXIT.FAILURE,
  REPLICATION_STATUS_MALFORMED: EXIT.FAILURE,
  REPLICATION_STATE_MALFORMED: EXIT.FAILURE,
})

/** Errors of replication. */
export class ReplicationError extends DollyError<ReplicationErrorCode> {}

/**
 * `create-child`'s process exit code for an error code (AGENT.md §8): 1 usage, 2 SSH unreachable or
 * authentication failed (or a refused host key), 3 remote install failed, 4 `setup` failed.
 */
export function createChildExitCode(code: string | undefined): number {
  switch (code) {
    case 'REPLICATION_USAGE':
    case 'REPLICATION_IP_INVALID':
      return 1
    case 'REPLICATION_SSH_UNREACHABLE':
    case 'REPLICATION_SSH_AUTH_FAILED':
    case 'REPLICATION_HOST_KEY_CHANGED':
      return 2
    case 'REPLICATION_SETUP_FAILED':
    case 'REPLICATION_HEARTBEAT_TIMEOUT':
      return 4
    default:
      return 3
  }
}
