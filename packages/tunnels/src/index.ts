/**
 * @dolly/tunnels — onion circuits for earning by relaying (issue 16): the initiator, relay and exit
 * roles of a node over a frame Transport, the exit policy, the circuit pool and the SOCKS5 entry.
 * Factories and types only; the codecs and crypto are internal.
 */
export { TunnelError, TUNNEL_EXIT_STATUS, tunnelCodeOf, type TunnelErrorCode } from './errors.ts'
export { createTunnelNode, type TunnelNode, type TunnelNodeDeps, type TunnelNodeOptions } from './node.ts'
export type {
  CircuitInfo,
  ClosedCircuit,
  TunnelCircuit,
  TunnelStats,
  TunnelStream,
  TunnelStreamHandlers,
} from './types.ts'
export type {
  ConnectFailure,
  ExitConnector,
  ExitStream,
  ExitStreamHandlers,
  ExitUdp,
  HopDescriptor,
  Transport,
} from './ports.ts'
export {
  createRealExitPolicy,
  createWorldExitPolicy,
  decideExit,
  REDUCED_EXIT_POLICY,
  DEFAULT_UDP_EXIT_POLICY,
  type ExitPolicy,
  type ExitDecision,
  type RealExitPolicyOptions,
} from './exit-policy.ts'
export { parseIp, type IpAddress } from './ip.ts'
export { LINK_LOST_AVOID_MS, LINK_PROBE_IDLE_MS, LINK_PROBE_TIMEOUT_MS } from './constants.ts'
export { createCircuitPool, type CircuitPool, type CircuitPoolOptions } from './circuit-pool.ts'
export {
  createMemoryNetwork,
  type MemoryNetwork,
  type FrameInterceptor,
} from './adapters/memory-transport.ts'
export { createTcpTransport, type TcpTransport, type TcpTransportOptions } from './adapters/tcp-transport.ts'
export { createNetExitConnector, type NetExitConnectorOptions } from './adapters/net-exit-connector.ts'
export { createSocks5Server, type Socks5Server, type Socks5ServerOptions } from './adapters/socks5-server.ts'
export {
  createMemoryPayments,
  createTunnelPayments,
  DEFAULT_PAY_EVERY_BYTES,
  DEFAULT_UNPAID_CAP_BYTES,
  type MemoryPayments,
  type PaymentHandler,
  type PaymentPort,
  type TunnelPayment,
  type TunnelPayments,
  type TunnelPaymentsOptions,
  type TunnelPaymentsStats,
} from './payments.ts'
export {
  DEFAULT_PAYOUT_RULE,
  downloaderPays,
  exitKeeps,
  minimumRelayReceives,
  PAYOUT_RULES,
  payoutShares,
  relayKeeps,
  type HopShare,
  type PayoutRule,
  type PayoutShares,
} from './payout.ts'
