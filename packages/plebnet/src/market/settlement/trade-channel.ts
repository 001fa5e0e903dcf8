import { bytesToHex, type Logger } from '@dolly/base'
import { keyBytes } from './ledger-tokens.ts'
import { MAX_TRADE_MESSAGE_BYTES, type TradeTransport } from '@dolly/market'
import {
  createLibp2pMemoChannel,
  keyOfPeerId,
  networkConstants,
  peerIdOfKey,
  type Libp2pHost,
} from '@dolly/overlay'

/** Trade messages in and out: the engine's transport plus where incoming messages go. */
export interface TradeChannel {
  /** The engine's port: best-effort send to a trader by key (hex). */
  readonly transport: TradeTransport
  /** Delivers every incoming message (encoded, still unverified) with the sender's key as the network authenticated it. */
  onMessage(handler: (bytes: Uint8Array, fromKey: string) => void): void
  /** Calls `handler` with a trader's key (hex) whenever it is seen again (connected, or learned anew), until the returned function is called. */
  onPeerSeen(handler: (key: string) => void): () => void
  start(): Promise<void>
  stop(): Promise<void>
}

const ACK = Uint8Array.of(1)

/**
 * Trade messages over the overlay's libp2p node: the memo channel (one request, one ack per stream)
 * on `/dolly/trade/1.0.0`, at most MAX_TRADE_MESSAGE_BYTES each. Delivery is best effort — the engine
 * retransmits — so a failed send is logged at debug and dropped, and a message is acked before it is
 * handled (the handler's answer travels as the next message, not as the ack).
 */
export function createLibp2pTradeChannel(deps: {
  readonly host: Libp2pHost
  readonly log: Logger
}): TradeChannel {
  const log = deps.log.child({ component: 'trade-channel' })
  const channel = createLibp2pMemoChannel(
    { host: deps.host, log: deps.log },
    { protocolId: networkConstants.TRADE_PROTOCOL, maxBytes: MAX_TRADE_MESSAGE_BYTES },
  )
  let handler: ((bytes: Uint8Array, fromKey: string) => void) | undefined
  channel.serve((from, memo) => {
    const key = keyOfPeerId(from)
    if (key !== undefined) handler?.(memo, bytesToHex(key))
    return ACK
  })
  return {
    transport: {
      send(to, bytes) {
        const peer = peerIdOfKey(keyBytes(to)).toString()
        channel.request(peer, bytes).catch((err: unknown) => {
          log.debug('trade.send_failed', { to, error: err instanceof Error ? err.message : String(err) })
        })
      },
    },
    onMessage(h) {
      handler = h
    },
    onPeerSeen: (h) => deps.host.onPeerSeen((key) => h(bytesToHex(key))),
    start: () => channel.start(),
    stop: () => channel.stop(),
  }
}

/** In-process trade channels between traders (tests, simulator): delivery on a later microtask. */
export interface MemoryTradeHub {
  /** The channel of trader `key` (hex). */
  channelFor(key: string): TradeChannel
  /** While a trader is cut off, messages to and from it are dropped; when it is let back, every other trader sees it. */
  cut(key: string, cut: boolean): void
  /** Messages delivered so far. */
  delivered(): number
}

/** A fresh hub. */
export function createMemoryTradeHub(): MemoryTradeHub {
  const handlers = new Map<string, (bytes: Uint8Array, fromKey: string) => void>()
  const cutOff = new Set<string>()
  const seenHandlers = new Map<string, Set<(key: string) => void>>()
  let delivered = 0
  return {
    channelFor(key) {
      let running = false
      let pending: ((bytes: Uint8Array, fromKey: string) => void) | undefined
      return {
        transport: {
          send(to, bytes) {
            const copy = Uint8Array.from(bytes)
            void Promise.resolve().then(() => {
              const h = handlers.get(to)
              if (h === undefined || cutOff.has(to) || cutOff.has(key)) return
              delivered += 1
              h(copy, key)
            })
          },
        },
        onMessage(h) {
          if (running) handlers.set(key, h)
          pending = h
        },
        onPeerSeen(h) {
          const own = seenHandlers.get(key) ?? new Set()
          seenHandlers.set(key, own)
          own.add(h)
          return () => own.delete(h)
        },
        async start() {
          running = true
          if (pending !== undefined) handlers.set(key, pending)
        },
        async stop() {
          running = false
          handlers.delete(key)
        },
      }
    },
    cut(key, c) {
      if (c) return void cutOff.add(key)
      if (!cutOff.delete(key)) return
      for (const [other, hs] of seenHandlers) if (other !== key) for (const h of [...hs]) h(key)
    },
    delivered: () => delivered,
  }
}
