import { MAX_STREAM_CHUNK_BYTES, SENDME_EVERY_BYTES, STREAM_WINDOW_BYTES } from './constants.ts'
import { TunnelError, type TunnelErrorCode } from './errors.ts'
import type { EndReason, Message } from './messages.ts'
import type { TunnelStream, TunnelStreamHandlers } from './types.ts'

/**
 * The initiator's TCP streams on one circuit: BEGIN until CONNECTED or END, then DATA both ways under
 * Tor's SENDME window (tor-spec §7.4) counted in payload bytes: at most `STREAM_WINDOW_BYTES`
 * unacknowledged in flight, one SENDME per `SENDME_EVERY_BYTES` received (withheld while the reader
 * is paused).
 */
export interface ClientStreams {
  open(host: string, port: number, handlers: TunnelStreamHandlers): Promise<TunnelStream>
  /** A stream message from the exit; returns a code when it breaks the protocol. */
  onMessage(msg: Message & { kind: 'connected' | 'data' | 'end' | 'sendme' }): TunnelErrorCode | undefined
  /** Gives up on connects older than the connect timeout. */
  sweep(nowMs: number): void
  /** Ends every stream because the circuit ended with `reason`. */
  endAll(reason: TunnelErrorCode): void
  size(): number
}

/** What the streams need from their circuit. */
export interface ClientStreamsDeps {
  readonly connectTimeoutMs: number
  nowMs(): number
  isOpen(): boolean
  sendToExit(msg: Message): void
  countUp(bytes: number): void
  countDown(bytes: number): void
}

const END_CODES: Readonly<Record<EndReason, TunnelErrorCode | undefined>> = Object.freeze({
  done: undefined,
  policy: 'TUNNEL_EXIT_POLICY',
  unreachable: 'TUNNEL_EXIT_UNREACHABLE',
  refused: 'TUNNEL_EXIT_REFUSED',
  dns: 'TUNNEL_DNS_FAILED',
  limit: 'TUNNEL_STREAM_LIMIT',
  'not-exit': 'TUNNEL_NOT_RELAY',
  reset: 'TUNNEL_EXIT_UNREACHABLE',
})

interface StreamState {
  readonly handlers: TunnelStreamHandlers
  connected: boolean
  ended: boolean
  connect: { resolve(s: TunnelStream): void; reject(e: unknown): void; startedMs: number } | undefined
  api: TunnelStream | undefined
  /** DATA payload bytes sent and not yet acknowledged. */
  inFlight: number
  /** DATA payload bytes received and not yet acknowledged. */
  received: number
  readPaused: boolean
}

/** Creates the stream table of one circuit. */
export function createClientStreams(deps: ClientStreamsDeps): ClientStreams {
  const streams = new Map<number, StreamState>()
  let nextStreamId = 1

  const endStream = (streamId: number, s: StreamState, code: TunnelErrorCode | undefined): void => {
    if (s.ended) return
    s.ended = true
    streams.delete(streamId)
    if (s.connect !== undefined) {
      const c = s.connect
      s.connect = undefined
      c.reject(
        new TunnelError(code ?? 'TUNNEL_EXIT_UNREACHABLE', `stream ${streamId} was refused at the exit`, {
          streamId,
        }),
      )
    } else s.handlers.onEnd(code)
  }

  const flushAcks = (streamId: number, s: StreamState): void => {
    while (s.received >= SENDME_EVERY_BYTES && deps.isOpen()) {
      s.received -= SENDME_EVERY_BYTES
      deps.sendToExit({ kind: 'sendme', streamId })
    }
  }

  return {
    open(host, port, handlers) {
      const streamId = nextStreamId++
      return new Promise<TunnelStream>((resolve, reject) => {
        const s: StreamState = {
          handlers,
          connected: false,
          ended: false,
          connect: { resolve, reject, startedMs: deps.nowMs() },
          api: undefined,
          inFlight: 0,
          received: 0,
          readPaused: false,
        }
        s.api = {
          write(data) {
            if (s.ended || !deps.isOpen()) return false
            for (let at = 0; at < data.length; at += MAX_STREAM_CHUNK_BYTES) {
              const chunk = data.subarray(at, Math.min(data.length, at + MAX_STREAM_CHUNK_BYTES))
              deps.countUp(chunk.length)
              deps.sendToExit({ kind: 'data', streamId, data: chunk })
              s.inFlight += chunk.length
            }
            return s.inFlight < STREAM_WINDOW_BYTES
          },
          end() {
            if (!s.ended && deps.isOpen()) deps.sendToExit({ kind: 'end', streamId, reason: 'done' })
          },
          destroy() {
            if (s.ended) return
            if (deps.isOpen()) deps.sendToExit({ kind: 'end', streamId, reason: 'reset' })
            s.ended = true
            streams.delete(streamId)
          },
          setReadPaused(paused) {
            s.readPaused = paused
            if (!paused) flushAcks(streamId, s)
          },
        }
        streams.set(streamId, s)
        // Data from the exit may only follow CONNECTED; until then `write` is not handed out.
        deps.sendToExit({ kind: 'begin', streamId, host, port })
      })
    },
    onMessage(msg) {
      switch (msg.kind) {
        case 'connected': {
          const s = streams.get(msg.streamId)
          if (s === undefined || s.connected) return 'TUNNEL_CELL_UNEXPECTED'
          s.connected = true
          const c = s.connect
          s.connect = undefined
          if (c !== undefined && s.api !== undefined) c.resolve(s.api)
          return undefined
        }
        case 'data': {
          const s = streams.get(msg.streamId)
          if (s === undefined) return undefined
          if (!s.connected) return 'TUNNEL_CELL_UNEXPECTED'
          deps.countDown(msg.data.length)
          s.received += msg.data.length
          if (!s.readPaused) flushAcks(msg.streamId, s)
          s.handlers.onData(msg.data)
          return undefined
        }
        case 'end': {
          const s = streams.get(msg.streamId)
          if (s !== undefined) endStream(msg.streamId, s, END_CODES[msg.reason])
          return undefined
        }
        case 'sendme': {
          const s = streams.get(msg.streamId)
          if (s === undefined) return undefined
          if (s.inFlight < SENDME_EVERY_BYTES) return 'TUNNEL_CELL_UNEXPECTED'
          const wasFull = s.inFlight >= STREAM_WINDOW_BYTES
          s.inFlight -= SENDME_EVERY_BYTES
          if (wasFull && s.inFlight < STREAM_WINDOW_BYTES) s.handlers.onDrain()
          return undefined
        }
        default: {
          const never: never = msg
          return never
        }
      }
    },
    sweep(nowMs) {
      for (const [streamId, s] of streams) {
        if (s.connect !== undefined && nowMs - s.connect.startedMs >= deps.connectTimeoutMs) {
          if (deps.isOpen()) deps.sendToExit({ kind: 'end', streamId, reason: 'reset' })
          endStream(streamId, s, 'TUNNEL_EXIT_UNREACHABLE')
        }
      }
    },
    endAll(reason) {
      for (const [streamId, s] of streams) endStream(streamId, s, reason)
    },
    size: () => streams.size,
  }
}
