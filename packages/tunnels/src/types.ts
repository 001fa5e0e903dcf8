import type { TunnelErrorCode } from './errors.ts'

/** The byte counters of one circuit as one node sees it: what payments are computed from (ALGORITHMS.md §9.3). */
export interface CircuitInfo {
  /** Local handle, unique within the node. */
  readonly id: string
  /** `initiator` built it; `relay` passes it on; `exit` is its last hop. */
  readonly role: 'initiator' | 'relay' | 'exit'
  /** Neighbour towards the initiator (undefined for the initiator itself). */
  readonly previousPeer: string | undefined
  /** Neighbour towards the exit (undefined at the exit). */
  readonly nextPeer: string | undefined
  /** The circuit's id on the link to the previous neighbour (undefined for the initiator). */
  readonly previousCircuitId: number | undefined
  /** The circuit's id on the link to the next neighbour (undefined at the exit and before it extends). */
  readonly nextCircuitId: number | undefined
  /** Hops of the circuit: known to the initiator only (0 elsewhere). */
  readonly hops: number
  /** Bytes of cells carried towards the exit (initiator: sent; hop: received from the previous hop). */
  readonly bytesForward: bigint
  /** Bytes of cells carried towards the initiator (initiator: received; hop: sent to the previous hop). */
  readonly bytesBackward: bigint
  /** Payload bytes that left the network at this exit, and that came back in (0 except at an exit). */
  readonly exitBytesOut: bigint
  readonly exitBytesIn: bigint
  /** Stream payload the initiator sent and received (0 except at the initiator): `bytes_down` of the payout rule. */
  readonly payloadBytesUp: bigint
  readonly payloadBytesDown: bigint
  readonly createdAtMs: number
  readonly lastActiveMs: number
}

/** A circuit that ended, with the reason (`TUNNEL_CIRCUIT_CLOSED` for a normal close). */
export interface ClosedCircuit {
  readonly info: CircuitInfo
  readonly reason: TunnelErrorCode
}

/** Counters of a node since start: frames it refused, by code, and circuits by outcome. */
export interface TunnelStats {
  readonly rejected: Readonly<Partial<Record<TunnelErrorCode, number>>>
  readonly joinedCircuits: number
  readonly ownCircuits: number
}

/** Callbacks of a stream the initiator opened. */
export interface TunnelStreamHandlers {
  onData(data: Uint8Array): void
  /** The stream ended: `undefined` for a clean end by the far side, else the code. Called once. */
  onEnd(code: TunnelErrorCode | undefined): void
  /** The send window has room again after `write` returned false. */
  onDrain(): void
}

/** A TCP stream through a circuit to a destination behind its exit. */
export interface TunnelStream {
  /** Sends bytes; false when the window is full (wait for `onDrain`). Chunks larger than a cell are split. */
  write(data: Uint8Array): boolean
  /** Tells the exit we are done sending (half-close; the answer keeps coming). */
  end(): void
  /** Closes the stream both ways at once. */
  destroy(): void
  /** While paused, acknowledgements are withheld, so the exit stops after one window (backpressure). */
  setReadPaused(paused: boolean): void
}

/** A circuit built by this node. */
export interface TunnelCircuit {
  readonly id: string
  readonly hops: number
  /** Peer ids of the hops, first to exit. */
  readonly path: readonly string[]
  isOpen(): boolean
  /**
   * While on, the open circuit sends KEEPALIVE to its exit every third of the idle timeout even with
   * no stream open, so no hop times it out (a pooled warm circuit is kept, not rebuilt; default off:
   * a circuit nobody owns idles out).
   */
  setKeepAlive(on: boolean): void
  /** Opens a stream to `host`:`port` at the exit; rejects with TUNNEL_EXIT_POLICY, TUNNEL_EXIT_UNREACHABLE, TUNNEL_DNS_FAILED, ... */
  openStream(host: string, port: number, handlers: TunnelStreamHandlers): Promise<TunnelStream>
  /** Sends one UDP datagram out of the exit (best effort, like UDP). */
  sendDatagram(host: string, port: number, data: Uint8Array): void
  /** Receives the datagrams that come back; replaces an earlier handler. */
  onDatagram(handler: (host: string, port: number, data: Uint8Array) => void): void
  /** Registers a listener for the circuit's end; called at once if it has ended. Returns an unsubscribe. */
  onClose(listener: (reason: TunnelErrorCode) => void): () => void
  close(): void
  info(): CircuitInfo
}
