import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/**
 * Codes of the tunnel protocol. Every cell a node rejects, and every reason a circuit closes for,
 * is one of these: tests, logs and the counters of `TunnelNode.stats()` branch on them.
 */
export type TunnelErrorCode =
  | 'TUNNEL_CELL_MALFORMED'
  | 'TUNNEL_CELL_OVERSIZED'
  | 'TUNNEL_CELL_AUTH_FAILED'
  | 'TUNNEL_CELL_REPLAYED'
  | 'TUNNEL_CELL_OUT_OF_ORDER'
  | 'TUNNEL_CELL_UNEXPECTED'
  | 'TUNNEL_CIRCUIT_UNKNOWN'
  | 'TUNNEL_HANDSHAKE_FAILED'
  | 'TUNNEL_CIRCUIT_LIMIT'
  | 'TUNNEL_CIRCUIT_TIMEOUT'
  | 'TUNNEL_CIRCUIT_IDLE'
  | 'TUNNEL_CIRCUIT_EXPIRED'
  | 'TUNNEL_CIRCUIT_CLOSED'
  | 'TUNNEL_BYTE_LIMIT'
  | 'TUNNEL_EXTEND_FAILED'
  | 'TUNNEL_NOT_RELAY'
  | 'TUNNEL_NO_PATH'
  | 'TUNNEL_EXIT_POLICY'
  | 'TUNNEL_EXIT_UNREACHABLE'
  | 'TUNNEL_EXIT_REFUSED'
  | 'TUNNEL_DNS_FAILED'
  | 'TUNNEL_STREAM_LIMIT'
  | 'TUNNEL_STREAM_UNORDERED'
  | 'TUNNEL_STOPPED'
  | 'TUNNEL_SOCKS_MALFORMED'
  | 'TUNNEL_SOCKS_UNSUPPORTED'
  | 'TUNNEL_UNPAID'
  | 'TUNNEL_NOT_ADMITTED'
  | 'TUNNEL_LINK_LOST'
  | 'TUNNEL_LINK_TIMEOUT'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input): every code is listed, so a new one needs a decision. */
export const TUNNEL_EXIT_STATUS: ExitStatusMap<TunnelErrorCode> = Object.freeze({
  TUNNEL_CELL_MALFORMED: EXIT.FAILURE,
  TUNNEL_CELL_OVERSIZED: EXIT.FAILURE,
  TUNNEL_CELL_AUTH_FAILED: EXIT.FAILURE,
  TUNNEL_CELL_REPLAYED: EXIT.FAILURE,
  TUNNEL_CELL_OUT_OF_ORDER: EXIT.FAILURE,
  TUNNEL_CELL_UNEXPECTED: EXIT.FAILURE,
  TUNNEL_CIRCUIT_UNKNOWN: EXIT.FAILURE,
  TUNNEL_HANDSHAKE_FAILED: EXIT.FAILURE,
  TUNNEL_CIRCUIT_LIMIT: EXIT.FAILURE,
  TUNNEL_CIRCUIT_TIMEOUT: EXIT.FAILURE,
  TUNNEL_CIRCUIT_IDLE: EXIT.FAILURE,
  TUNNEL_CIRCUIT_EXPIRED: EXIT.FAILURE,
  TUNNEL_CIRCUIT_CLOSED: EXIT.FAILURE,
  TUNNEL_BYTE_LIMIT: EXIT.FAILURE,
  TUNNEL_EXTEND_FAILED: EXIT.FAILURE,
  TUNNEL_NOT_RELAY: EXIT.FAILURE,
  TUNNEL_NO_PATH: EXIT.FAILURE,
  TUNNEL_EXIT_POLICY: EXIT.FAILURE,
  TUNNEL_EXIT_UNREACHABLE: EXIT.FAILURE,
  TUNNEL_EXIT_REFUSED: EXIT.FAILURE,
  TUNNEL_DNS_FAILED: EXIT.FAILURE,
  TUNNEL_STREAM_LIMIT: EXIT.FAILURE,
  TUNNEL_STREAM_UNORDERED: EXIT.FAILURE,
  TUNNEL_STOPPED: EXIT.FAILURE,
  TUNNEL_SOCKS_MALFORMED: EXIT.FAILURE,
  TUNNEL_SOCKS_UNSUPPORTED: EXIT.FAILURE,
  TUNNEL_UNPAID: EXIT.FAILURE,
  TUNNEL_NOT_ADMITTED: EXIT.FAILURE,
  TUNNEL_LINK_LOST: EXIT.FAILURE,
  TUNNEL_LINK_TIMEOUT: EXIT.FAILURE,
})

/** Errors of `@dolly/tunnels`. */
export class TunnelError extends DollyError<TunnelErrorCode> {}

/** Reads a tunnel code off any error (no `instanceof`, STYLE.md §1.7); undefined if it has none of ours. */
export function tunnelCodeOf(err: unknown): TunnelErrorCode | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined
  const code = (err as { code: unknown }).code
  return typeof code === 'string' && Object.hasOwn(TUNNEL_EXIT_STATUS, code)
    ? (code as TunnelErrorCode)
    : undefined
}
