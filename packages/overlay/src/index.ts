/** @dolly/overlay — The agents' overlay: the libp2p host, CYCLON peer sampling, signed gossip and direct messages. */
export { keyOfPeerId, peerIdOfKey, startLibp2pHost, type Libp2pHost } from './adapters/libp2p-host.ts'
export {
  createLibp2pTunnelTransport,
  TUNNEL_MAX_FRAME_BYTES,
  type Libp2pTunnelTransport,
  type Libp2pTunnelTransportOptions,
  type TunnelNeighbourBytes,
  type TunnelTransportStats,
} from './adapters/libp2p-tunnel-transport.ts'
export {
  createLibp2pMemoChannel,
  MEMO_MAX_BYTES,
  type Libp2pMemoChannel,
  type Libp2pMemoChannelOptions,
} from './adapters/libp2p-memo-channel.ts'
export { createMemoryFleet } from './adapters/memory-fleet.ts'
export { createMemoryOverlay } from './adapters/memory-network.ts'
export {
  bootstrapFromContacts,
  bootstrapFromMultiaddrs,
  createNetworkComponent,
  gossipListenAddrs,
  type NetworkComponent,
} from './adapters/network-component.ts'
export { gossipProtocol, libp2pNetworkTransport } from './adapters/network-transport.ts'
export { fileRemoteTables, overlayRemoteTables, readRemoteEntries } from './adapters/remote-tables.ts'
export { type AgentNetwork, type DebtsInfo, type HopInfo, createAgentNetwork } from './agent-network.ts'
export { type JsonValue } from './canonical-json.ts'
export { MAX_FRAME_BYTES } from './constants.ts'
export { createDirectMessaging } from './direct-messages.ts'
export { decodeBroadcast, intakeEntries } from './entry-intake.ts'
export { createEntryStore } from './entry-store.ts'
export { hopOf, parseEntry, signEntry, type DebtRecord, type DebtValue, type HopValue } from './entry.ts'
export { type Envelope, MESSAGE_TYPES, openEnvelope, sealEnvelope } from './envelope.ts'
export { NETWORK_EXIT_STATUS, type NetworkErrorCode } from './errors.ts'
export { createReplayGuard } from './replay-guard.ts'
export { deriveDhKeyPair, sealDirect } from './secure-message.ts'
export { type NetworkSnapshot, parseNetworkSnapshot } from './snapshot.ts'
export * as networkConstants from './constants.ts'
