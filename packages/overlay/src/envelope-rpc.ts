import type { AbortOptions, Clock, Logger, Rng } from '@dolly/base'
import { bytesToHex, clockDeadline, hexToBytes, type SignatureVerifier } from '@dolly/base'
import {
  openEnvelope,
  sealEnvelope,
  type Envelope,
  type EnvelopeSigner,
  type MessageType,
} from './envelope.ts'
import { NetworkError, type NetworkErrorCode } from './errors.ts'
import type { NetworkStats } from './stats.ts'
import { parseBody, type Body } from './messages.ts'
import type { NetworkTransport } from './ports.ts'
import { createReplayGuard } from './replay-guard.ts'

/** Ports of the envelope request/response layer. */
export interface EnvelopeRpcDeps {
  readonly clock: Clock
  readonly rng: Rng
  readonly identity: EnvelopeSigner
  readonly transport: NetworkTransport
  readonly verifier: SignatureVerifier
  readonly log: Logger
  /** Counters it adds its traffic to. */
  readonly stats: NetworkStats
  /** Records a rejected message (counted and logged by the engine). */
  readonly reject: (code: NetworkErrorCode, detail: string, from?: string) => void
}

/** Options of the envelope request/response layer. */
export interface EnvelopeRpcOptions {
  readonly selfId: string
  readonly requestTimeoutMs: number
  readonly maxFrameBytes: number
  readonly timeWindowMs: number
}

/** Answers one opened request envelope with the reply's type and body; throws a NetworkError to refuse it. */
export type Answer = (env: Envelope) => { type: MessageType; body: unknown }

/** Request/response over signed envelopes: both directions share one replay guard. */
export interface EnvelopeRpc {
  /** Sends a request and returns the validated reply body, or undefined (counted) when none came or it was refused. */
  call<T extends MessageType>(
    to: string,
    type: MessageType,
    body: unknown,
    expect: T,
    outer?: AbortOptions,
  ): Promise<Body<T> | undefined>
  /** Opens, checks and answers one incoming request; throws a NetworkError on rejection. */
  serve(peer: Uint8Array, request: Uint8Array, answer: Answer): Promise<Uint8Array>
}

/**
 * Signed envelopes as request/response: the timeout runs on the Clock (10 s by default, ALGORITHMS.md
 * §11.4), a reply must come from the peer asked and be of the expected type, and an incoming
 * request must be signed by the connected (transport-authenticated) peer.
 */
export function createEnvelopeRpc(deps: EnvelopeRpcDeps, options: EnvelopeRpcOptions): EnvelopeRpc {
  const { clock, rng, identity, transport, verifier, log, stats } = deps
  const rejectCode = deps.reject
  const selfId = options.selfId
  const replay = createReplayGuard({ windowMs: options.timeWindowMs })
  return {
    async call<T extends MessageType>(
      to: string,
      type: MessageType,
      body: unknown,
      expect: T,
      outer: AbortOptions = {},
    ): Promise<Body<T> | undefined> {
      const peer = hexToBytes(to)
      if (peer === undefined) return undefined
      const request = sealEnvelope(identity, rng, { type, to, body }, clock.nowMs())
      stats.bytesSent += request.byteLength
      stats.messagesSent += 1
      const deadline = clockDeadline(
        clock,
        options.requestTimeoutMs,
        () =>
          new NetworkError(
            'NETWORK_PEER_UNREACHABLE',
            `no reply from ${to.slice(0, 16)}… within ${options.requestTimeoutMs} ms`,
          ),
      )
      const signals = [deadline.signal, ...(outer.signal === undefined ? [] : [outer.signal])]
      const signal = AbortSignal.any(signals)
      let reply: Uint8Array
      try {
        reply = await transport.request(peer, request, { signal })
      } catch (err) {
        stats.failedRequests += 1
        log.debug('network.request_failed', {
          to: to.slice(0, 16),
          type,
          error: err instanceof Error ? err.message : String(err),
        })
        if (outer.signal?.aborted === true) throw outer.signal.reason
        return undefined
      } finally {
        deadline.cancel()
      }
      stats.bytesReceived += reply.byteLength
      const opened = openEnvelope(reply, {
        selfId,
        nowMs: clock.nowMs(),
        verifier,
        replay,
        maxBytes: options.maxFrameBytes,
      })
      if (!opened.ok) {
        rejectCode(opened.code, opened.detail, to)
        return undefined
      }
      if (opened.envelope.from !== to) {
        rejectCode('NETWORK_SENDER_MISMATCH', `reply signed by ${opened.envelope.from.slice(0, 16)}…`, to)
        return undefined
      }
      if (opened.envelope.type !== expect) {
        rejectCode('NETWORK_TYPE_UNEXPECTED', `expected ${expect}, got ${opened.envelope.type}`, to)
        return undefined
      }
      const parsed = parseBody(expect, opened.envelope.body)
      if (parsed === undefined) rejectCode('NETWORK_ENVELOPE_MALFORMED', `${expect} body`, to)
      return parsed
    },

    async serve(peer: Uint8Array, request: Uint8Array, answer: Answer): Promise<Uint8Array> {
      stats.bytesReceived += request.byteLength
      const opened = openEnvelope(request, {
        selfId,
        nowMs: clock.nowMs(),
        verifier,
        replay,
        maxBytes: options.maxFrameBytes,
      })
      if (!opened.ok) {
        rejectCode(opened.code, opened.detail)
        throw new NetworkError(opened.code, `refused a message: ${opened.detail}`)
      }
      const env = opened.envelope
      if (env.from !== bytesToHex(peer)) {
        rejectCode('NETWORK_SENDER_MISMATCH', 'envelope signer is not the connected peer', env.from)
        throw new NetworkError('NETWORK_SENDER_MISMATCH', 'envelope signer is not the connected peer')
      }
      let reply: { type: MessageType; body: unknown }
      try {
        reply = answer(env)
      } catch (err) {
        const code = (err as { code?: unknown }).code
        if (typeof code === 'string' && code.startsWith('NETWORK_'))
          rejectCode(code as NetworkErrorCode, String((err as Error).message), env.from)
        throw err
      }
      const bytes = sealEnvelope(
        identity,
        rng,
        { type: reply.type, to: env.from, body: reply.body },
        clock.nowMs(),
      )
      stats.bytesSent += bytes.byteLength
      return bytes
    },
  }
}
