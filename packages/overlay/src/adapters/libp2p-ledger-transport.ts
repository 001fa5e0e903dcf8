import { LedgerError, type LedgerTransport, MAX_MESSAGE_BYTES } from '@dolly/ledger'
import { LEDGER_PROTOCOL } from '../constants.ts'
import type { HostProtocol, Libp2pHost } from './libp2p-host.ts'

/** The ledger's signing and crawl protocol on libp2p, framed up to the ledger's largest message. */
export const ledgerProtocol: HostProtocol = {
  id: LEDGER_PROTOCOL,
  maxBytes: MAX_MESSAGE_BYTES,
  unreachable: (peerHex, cause) =>
    new LedgerError(
      'LEDGER_PEER_UNREACHABLE',
      `ledger request to ${peerHex.slice(0, 16)}… failed; is it online and known?`,
      { peer: peerHex },
      { cause },
    ),
}

/**
 * The ledger's transport port over libp2p: the requester's key handed to the handler is the
 * Noise-authenticated peer id, which is the agent's ledger key.
 */
export function libp2pLedgerTransport(host: Libp2pHost): LedgerTransport {
  return {
    request: (peer, request, options) => host.request(ledgerProtocol, peer, request, options),
    serve: (handler) => host.serve(ledgerProtocol, handler),
    onPeerSeen: (handler) => host.onPeerSeen(handler),
  }
}
