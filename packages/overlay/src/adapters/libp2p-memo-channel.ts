import type { Logger } from '@dolly/base'
import type { Stream } from '@libp2p/interface'
import { TUNNEL_PAY_PROTOCOL } from '../constants.ts'
import { NetworkError } from '../errors.ts'
import type { Libp2pHost } from './libp2p-host.ts'
import { readFrame, writeFrame } from './stream-rpc.ts'

/** Largest memo or answer, bytes (a tunnel payment memo is 20). */
export const MEMO_MAX_BYTES = 256
/** Deadline of one request (dial, write, answer), ms; and of serving one. */
export const MEMO_TIMEOUT_MS = 10_000
/** Memo streams served at once. */
export const MEMO_MAX_INBOUND = 64

/** Options of the memo channel; every bound has a default above. */
export interface Libp2pMemoChannelOptions {
  readonly protocolId?: string
  readonly maxBytes?: number
  readonly timeoutMs?: number
  readonly maxInbound?: number
}

/**
 * A small request/response channel between neighbours named by libp2p peer id (structurally the
 * `PaymentMemoChannel` of plebnet's tunnel payments; the overlay does not import plebnet): one
 * length-prefixed request and one answer per stream, bounded in size and time.
 */
export interface Libp2pMemoChannel {
  /**
   * Sends `memo` to `peerId` and resolves with its answer.
   *
   * @throws NetworkError NETWORK_PEER_UNREACHABLE when the peer cannot be dialled, does not answer
   *   within the deadline, or answers out of bounds.
   */
  request(peerId: string, memo: Uint8Array): Promise<Uint8Array>
  /** Sets the one handler of memos; `from` is the peer id Noise authenticated. */
  serve(handler: (from: string, memo: Uint8Array) => Uint8Array): void
  /** Serves the protocol on the host. Idempotent. */
  start(): Promise<void>
  /** Stops serving. Idempotent. */
  stop(): Promise<void>
  /** Requests answered and refused (no handler, malformed, timed out). */
  stats(): { readonly served: number; readonly failed: number }
}

/** Builds the channel on a running libp2p host (`start()` registers the protocol). */
export function createLibp2pMemoChannel(
  deps: { readonly host: Libp2pHost; readonly log: Logger },
  options: Libp2pMemoChannelOptions = {},
): Libp2pMemoChannel {
  const protocolId = options.protocolId ?? TUNNEL_PAY_PROTOCOL
  const maxBytes = options.maxBytes ?? MEMO_MAX_BYTES
  const timeoutMs = options.timeoutMs ?? MEMO_TIMEOUT_MS
  const log = deps.log.child({ component: 'memo-channel' })
  let handler: ((from: string, memo: Uint8Array) => Uint8Array) | undefined
  let unhandle: (() => Promise<void>) | undefined
  let served = 0
  let failed = 0

  const answer = async (from: string, stream: Stream): Promise<void> => {
    const signal = AbortSignal.timeout(timeoutMs)
    const onAbort = (): void => stream.abort(new Error('memo timed out'))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const memo = await readFrame(stream, maxBytes)
      if (handler === undefined) throw new Error('no memo handler')
      const reply = handler(from, memo)
      if (reply.byteLength > maxBytes) throw new RangeError('answer exceeds the limit')
      await writeFrame(stream, reply, signal)
      served += 1
    } catch (err) {
      failed += 1
      log.debug('memo.refused', { from, error: err instanceof Error ? err.message : String(err) })
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  return {
    async request(peerId, memo) {
      if (memo.byteLength > maxBytes)
        throw new NetworkError('NETWORK_ENVELOPE_OVERSIZED', `memo of ${memo.byteLength} bytes`, {
          maxBytes,
        })
      const signal = AbortSignal.timeout(timeoutMs)
      let stream: Stream | undefined
      const onAbort = (): void => stream?.abort(new Error('memo timed out'))
      signal.addEventListener('abort', onAbort, { once: true })
      try {
        stream = await deps.host.openStream(protocolId, peerId, { signal })
        await writeFrame(stream, memo, signal)
        return await readFrame(stream, maxBytes)
      } catch (err) {
        throw new NetworkError(
          'NETWORK_PEER_UNREACHABLE',
          `memo to ${peerId.slice(0, 16)}… failed: ${err instanceof Error ? err.message : String(err)}`,
          { peer: peerId },
          { cause: err },
        )
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
    },
    serve(h) {
      handler = h
    },
    async start() {
      if (unhandle !== undefined) return
      unhandle = await deps.host.handleStreams(
        protocolId,
        (from, stream) => {
          void answer(from, stream)
        },
        { maxInboundStreams: options.maxInbound ?? MEMO_MAX_INBOUND },
      )
    },
    async stop() {
      const u = unhandle
      unhandle = undefined
      if (u !== undefined) await u().catch(() => undefined)
    },
    stats: () => ({ served, failed }),
  }
}
