import type { AbortOptions } from '@dolly/base'

/**
 * The ports the tunnel core uses (STYLE.md §1.2): a frame transport between peers, the exit's
 * connector to the outside, and the directory of hops to build circuits through.
 */

/**
 * Carries link frames between peers (README "Transport"). Delivery may be lossy but must not
 * reorder or duplicate frames between one pair of peers unless the node's `replayWindow` > 0 (a
 * datagram transport); integrity is not needed, the onion layers provide it.
 */
export interface Transport {
  /** This endpoint's peer id. */
  readonly peerId: string
  /** Sends one frame to `peerId`; returns false when the peer is unknown or unreachable (dropped). */
  send(peerId: string, frame: Uint8Array): boolean
  /**
   * Optional: `send` for a frame given as chunks (sent as their concatenation) that the caller hands
   * over — it never reads or writes them again — so the transport may queue them without the copy
   * `send` makes. The node uses it for the cells it has just sealed; without it the node joins the
   * chunks and calls `send`.
   */
  sendOwned?(peerId: string, chunks: readonly Uint8Array[]): boolean
  /** Registers the one receiver of frames arriving from any peer; replaces an earlier one. */
  onFrame(handler: (fromPeerId: string, frame: Uint8Array) => void): void
  /**
   * Optional, used instead of `onFrame` when present: frames as the chunks they arrived in (their
   * concatenation is the frame; views the receiver may keep), for a transport that reassembles frames
   * from a byte stream. The node joins them only where it must read a frame whole, so a relay passes
   * backward cells on without copying them (README "Bench").
   */
  onFrameParts?(handler: (fromPeerId: string, parts: readonly Uint8Array[]) => void): void
  /**
   * Optional: registers the one receiver of "the link to `peerId` is gone" (its connection closed or
   * reset, or frames queued to it could not be delivered); replaces an earlier one. The node destroys
   * every circuit over that link at once (TUNNEL_LINK_LOST). Without it the node still finds dead
   * links by probing idle ones (TUNNEL_LINK_TIMEOUT), only later.
   */
  onLinkDown?(handler: (peerId: string) => void): void
}

/** A hop a circuit can go through, as the overlay advertises it. */
export interface HopDescriptor {
  readonly peerId: string
  /** The hop's long-term X25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array
  readonly relay: boolean
  readonly exit: boolean
}

/** An outgoing TCP connection opened by the exit. */
export interface ExitStream {
  /** Writes bytes; false means "buffer full, wait for onDrain" (as node's socket.write). */
  write(data: Uint8Array): boolean
  /** Half-closes the sending side. */
  end(): void
  /** Tears the connection down. */
  destroy(): void
  /** Stops / restarts delivering data (flow control of the circuit's window). */
  pause(): void
  resume(): void
}

/** Callbacks of an ExitStream. */
export interface ExitStreamHandlers {
  /**
   * Bytes from the remote. `data` is valid only during the call: a connector may read into one
   * buffer it reuses (the net connector does, for every socket), so keep a copy, not `data`.
   */
  onData(data: Uint8Array): void
  /** The remote ended or the connection failed; called once. */
  onClose(hadError: boolean): void
  /** The write buffer emptied after `write` returned false. */
  onDrain(): void
}

/** An outgoing UDP socket opened by the exit for one circuit. */
export interface ExitUdp {
  send(ip: string, port: number, data: Uint8Array): void
  close(): void
}

/** How a connect attempt failed. */
export type ConnectFailure = 'refused' | 'unreachable' | 'timeout'

/** The exit's access to the outside network: DNS at the exit, TCP, UDP. */
export interface ExitConnector {
  /** Resolves a host name to IP literals (IPv4 first); empty if it does not resolve. */
  resolve(host: string, options?: AbortOptions): Promise<readonly string[]>
  /** Opens TCP to an IP literal; resolves a failure reason instead of throwing on the expected failures. */
  connect(
    ip: string,
    port: number,
    handlers: ExitStreamHandlers,
    options?: AbortOptions,
  ): Promise<
    | { readonly ok: true; readonly stream: ExitStream }
    | { readonly ok: false; readonly reason: ConnectFailure }
  >
  /** Opens a UDP socket; `onDatagram` gets each reply with the IP literal it came from. */
  openUdp(onDatagram: (ip: string, port: number, data: Uint8Array) => void): Promise<ExitUdp>
}
