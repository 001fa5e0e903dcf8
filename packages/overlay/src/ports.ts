import type { AbortOptions } from '@dolly/base'

/** Serves one request from `peer` (its authenticated raw public key) and returns the reply bytes. */
export type RequestHandler = (
  peer: Uint8Array,
  request: Uint8Array,
  options: AbortOptions,
) => Promise<Uint8Array>

/**
 * What the overlay needs from a transport: request/response by public key (the shape of the
 * ledger's port, so one memory network serves both), plus addresses for contact records.
 * The libp2p adapter authenticates `peer` through Noise; the memory adapter by construction.
 */
export interface NetworkTransport {
  /** Sends `request` to `peer` and resolves with its reply; rejects when unreachable or aborted. */
  request(peer: Uint8Array, request: Uint8Array, options: AbortOptions): Promise<Uint8Array>
  /** Serves incoming requests with `handler` until the returned function is called. */
  serve(handler: RequestHandler): () => void
  /** Addresses others can reach us at, as published in our contact record. */
  addresses(): readonly string[]
  /** Records where `peer` listens (from its validated contact record). */
  learn(peer: Uint8Array, addrs: readonly string[]): void
  /** Best-effort broadcast of a signed entry to the whole overlay (gossipsub); absent on transports without one. */
  broadcast?(data: Uint8Array): void
  /** Subscribes to broadcast entries until the returned function is called. */
  onBroadcast?(handler: (data: Uint8Array) => void): () => void
}
