import type { AbortOptions, Clock } from '@dolly/base'
import { bytesToHex } from '@dolly/base'
import { LedgerError } from '../errors.ts'
import type { LedgerRequestHandler, LedgerTransport } from '../ports.ts'

/** In-process agents reachable by public key: the ledger transport of unit tests and the simulator. */
export interface MemoryNetwork {
  /** The transport of the agent with `publicKey`; requests it sends carry that key as the peer. */
  transport(publicKey: Uint8Array): LedgerTransport
}

/** Options of a memory network. */
export interface MemoryNetworkOptions {
  /** One-way delivery delay, ms of `clock` time; default 0 (needs `clock` when set). */
  readonly latencyMs?: number
  /** The clock latency is measured on. */
  readonly clock?: Clock
}

/**
 * A network whose messages are the encoded bytes a real transport would carry, copied on the way
 * so no agent shares memory with another. Each network is its own world: nothing is global. An
 * agent that starts serving is "seen" by every other transport (`onPeerSeen`), as a peer that
 * connects is on libp2p.
 */
export function createMemoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  const latencyMs = options.latencyMs ?? 0
  const { clock } = options
  if (latencyMs > 0 && clock === undefined)
    throw new LedgerError('LEDGER_OPTION_INVALID', 'a memory network with latency needs a clock')
  const handlers = new Map<string, LedgerRequestHandler>()
  /** Peer-seen handlers by the key (hex) of the transport that holds them: an agent that starts serving is seen by all the others. */
  const seenHandlers = new Map<string, Set<(peer: Uint8Array) => void>>()
  const delay = async (signal: AbortSignal | undefined): Promise<void> => {
    if (latencyMs > 0 && clock !== undefined)
      await clock.sleep(latencyMs, signal === undefined ? {} : { signal })
  }
  return {
    transport(publicKey) {
      const self = new Uint8Array(publicKey)
      const id = bytesToHex(self)
      return {
        async request(
          peer: Uint8Array,
          request: Uint8Array,
          requestOptions: AbortOptions,
        ): Promise<Uint8Array> {
          const { signal } = requestOptions
          if (signal?.aborted === true) throw signal.reason
          await delay(signal)
          const handler = handlers.get(bytesToHex(peer))
          if (handler === undefined) {
            throw new LedgerError(
              'LEDGER_PEER_UNREACHABLE',
              `no agent ${bytesToHex(peer).slice(0, 16)}… on this network`,
            )
          }
          // Like a real stream, the requester stops waiting the moment it aborts, whatever the server does.
          const reply = await abortable(
            handler(new Uint8Array(self), new Uint8Array(request), requestOptions),
            signal,
          )
          await delay(signal)
          return new Uint8Array(reply)
        },
        serve(handler) {
          handlers.set(id, handler)
          for (const [holder, hs] of seenHandlers)
            if (holder !== id) for (const seen of [...hs]) seen(new Uint8Array(self))
          return () => {
            if (handlers.get(id) === handler) handlers.delete(id)
          }
        },
        onPeerSeen(handler) {
          const own = seenHandlers.get(id) ?? new Set()
          seenHandlers.set(id, own)
          own.add(handler)
          return () => own.delete(handler)
        },
      }
    },
  }
}

function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work
  if (signal.aborted) return Promise.reject(signal.reason as unknown)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as unknown)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}
