import type { Logger } from '@dolly/base'
import { createLibp2pMemoChannel, networkConstants, type Libp2pHost } from '@dolly/overlay'
import type { MarketChannel } from '../channel.ts'
import { MARKET_MAX_MESSAGE_BYTES } from '../messages.ts'

/** Deadline of one market request (dial, write, answer), ms. */
export const MARKET_REQUEST_TIMEOUT_MS = 10_000
/** Market streams served at once. */
export const MARKET_MAX_INBOUND = 32

/** The market channel over the overlay's libp2p node, with `start`/`stop` of the protocol. */
export interface Libp2pMarketChannel extends MarketChannel {
  start(): Promise<void>
  stop(): Promise<void>
  stats(): { readonly served: number; readonly failed: number }
}

/**
 * The market channel on `/dolly/market/1.0.0`: the overlay's memo channel (one length-prefixed
 * request and answer per stream) with the market's message bound (64 KiB) and deadline. Addresses
 * are libp2p peer ids; `from` is the one Noise authenticated.
 */
export function createLibp2pMarketChannel(deps: {
  readonly host: Libp2pHost
  readonly log: Logger
}): Libp2pMarketChannel {
  const memo = createLibp2pMemoChannel(deps, {
    protocolId: networkConstants.MARKET_PROTOCOL,
    maxBytes: MARKET_MAX_MESSAGE_BYTES,
    timeoutMs: MARKET_REQUEST_TIMEOUT_MS,
    maxInbound: MARKET_MAX_INBOUND,
  })
  return {
    address: deps.host.peerId.toString(),
    request: (to, bytes) => memo.request(to, bytes),
    serve: (handler) => memo.serve(handler),
    start: () => memo.start(),
    stop: () => memo.stop(),
    stats: () => memo.stats(),
  }
}
