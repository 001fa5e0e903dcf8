import { DollyError } from '@dolly/base'

/**
 * Codes of the agents' network. Rejections of incoming messages are codes too, so tests and logs
 * branch on them; `_MALFORMED`/`_INVALID`/`_BAD` make a CLI exit 2.
 */
export type NetworkErrorCode =
  | 'NETWORK_OPTIONS_INVALID'
  | 'NETWORK_ENVELOPE_MALFORMED'
  | 'NETWORK_ENVELOPE_OVERSIZED'
  | 'NETWORK_SIGNATURE_BAD'
  | 'NETWORK_REPLAYED'
  | 'NETWORK_TIME_OUT_OF_RANGE'
  | 'NETWORK_WRONG_RECIPIENT'
  | 'NETWORK_SENDER_MISMATCH'
  | 'NETWORK_SENDER_UNKNOWN'
  | 'NETWORK_RATE_LIMITED'
  | 'NETWORK_TYPE_UNEXPECTED'
  | 'NETWORK_ENTRY_MALFORMED'
  | 'NETWORK_ENTRY_REFUSED'
  | 'NETWORK_STORE_FULL'
  | 'NETWORK_CIPHERTEXT_BAD'
  | 'NETWORK_PEER_UNREACHABLE'
  | 'NETWORK_CONTACTS_MALFORMED'
  | 'NETWORK_STATUS_UNAVAILABLE'

/** Errors of the agents' network (envelopes, gossip, direct messages, libp2p host). */
export class NetworkError extends DollyError<NetworkErrorCode> {}
