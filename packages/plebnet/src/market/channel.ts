import { MarketError, marketCodeOf } from '@dolly/market'
import {
  decodeMarketAnswer,
  decodeMarketRequest,
  encodeMarketMessage,
  type MarketAnswer,
  type MarketRequest,
} from './messages.ts'

/**
 * The market channel between agents: one request, one answer, addressed by channel address (a
 * libp2p peer id over the overlay's node, `adapters/libp2p-market-channel.ts`; any string in
 * memory). The handler is synchronous: a matchmaker or trader answers from memory.
 */
export interface MarketChannel {
  /** Our own address (what a matchmaker names itself in MATCH). */
  readonly address: string
  /** Sends raw `bytes` to `to` and resolves with its answer; rejects when unreachable. */
  request(to: string, bytes: Uint8Array): Promise<Uint8Array>
  /** Sets the one handler; `from` is the authenticated sender. */
  serve(handler: (from: string, bytes: Uint8Array) => Uint8Array): void
}

/** Who answers which request on one agent: its matchmaker and its trader side. */
export interface MarketHandlers {
  /** ORDER, CANCEL, BOOK_QUERY, TRADES_QUERY, BOOK_SYNC. */
  readonly matchmaker?: (from: string, request: MarketRequest) => MarketAnswer
  /** MATCH. */
  readonly trader?: (from: string, request: MarketRequest & { readonly t: 'match' }) => MarketAnswer
}

/**
 * Decodes each request, hands it to the matchmaker or the trader, and encodes the answer; a refused
 * request is answered `err` with its code (MARKET_MESSAGE_MALFORMED for undecodable bytes).
 */
export function serveMarket(channel: MarketChannel, handlers: MarketHandlers): void {
  channel.serve((from, bytes) => {
    let answer: MarketAnswer
    try {
      const request = decodeMarketRequest(bytes)
      if (request.t === 'match') {
        answer = handlers.trader?.(from, request) ?? { t: 'decline', code: 'MARKET_ORDER_UNKNOWN' }
      } else if (handlers.matchmaker === undefined) {
        answer = { t: 'err', code: 'MARKET_ORDER_UNKNOWN' }
      } else {
        answer = handlers.matchmaker(from, request)
      }
    } catch (err) {
      answer = { t: 'err', code: marketCodeOf(err) ?? 'MARKET_MESSAGE_MALFORMED' }
    }
    return encodeMarketMessage(answer)
  })
}

/**
 * Sends one request and decodes the answer.
 *
 * @throws MarketError MARKET_MESSAGE_MALFORMED when the answer does not decode; the channel's own
 *   error when the peer is unreachable.
 */
export async function askMarket(
  channel: MarketChannel,
  to: string,
  request: MarketRequest,
): Promise<MarketAnswer> {
  const bytes = await channel.request(to, encodeMarketMessage(request))
  return decodeMarketAnswer(bytes)
}

/** Channels in one process (tests, the simulator): each address one handler, requests answered in a microtask. */
export interface MemoryMarketNet {
  channel(address: string): MarketChannel
  /** Takes `address` off the network (a stopped agent): requests to it fail from now on. */
  leave(address: string): void
  /** Requests delivered so far. */
  delivered(): number
}

/** A memory network of market channels. */
export function createMemoryMarketNet(): MemoryMarketNet {
  const handlers = new Map<string, (from: string, bytes: Uint8Array) => Uint8Array>()
  let delivered = 0
  return {
    channel(address) {
      return {
        address,
        async request(to, bytes) {
          await Promise.resolve()
          const h = handlers.get(to)
          if (h === undefined)
            throw new MarketError('MARKET_ORDER_UNKNOWN', `no market peer ${to}`, { peer: to })
          delivered += 1
          return h(address, Uint8Array.from(bytes))
        },
        serve(handler) {
          handlers.set(address, handler)
        },
      }
    },
    leave(address) {
      handlers.delete(address)
    },
    delivered: () => delivered,
  }
}
