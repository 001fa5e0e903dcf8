import { GOSSIP_PROTOCOL } from '../constants.ts'
import { NetworkError } from '../errors.ts'
import type { NetworkTransport } from '../ports.ts'
import type { HostProtocol, Libp2pHost } from './libp2p-host.ts'

/** The gossip protocol on libp2p; frames up to `maxBytes` (1 MiB by default). */
export function gossipProtocol(maxBytes: number): HostProtocol {
  return {
    id: GOSSIP_PROTOCOL,
    maxBytes,
    unreachable: (peerHex, cause) =>
      new NetworkError(
        'NETWORK_PEER_UNREACHABLE',
        `gossip request to ${peerHex.slice(0, 16)}… failed`,
        { peer: peerHex },
        { cause },
      ),
  }
}

/** The overlay's transport over a libp2p host (register `gossipProtocol` when starting the host). */
export function libp2pNetworkTransport(host: Libp2pHost, protocol: HostProtocol): NetworkTransport {
  return {
    request: (peer, request, options) => host.request(protocol, peer, request, options),
    serve: (handler) => host.serve(protocol, handler),
    addresses: () => host.addresses(),
    learn: (peer, addrs) => host.learn(peer, addrs),
    broadcast: (data) => host.broadcast(data),
    onBroadcast: (handler) => host.onBroadcast(handler),
  }
}
