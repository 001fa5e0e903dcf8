import type { Logger } from '@dolly/base'
import {
  MAX_STREAM_CHUNK_BYTES,
  MAX_STREAMS_PER_CIRCUIT,
  SENDME_EVERY_BYTES,
  STREAM_WINDOW_BYTES,
} from './constants.ts'
import type { EndReason, Message } from './messages.ts'
import type { TunnelErrorCode } from './errors.ts'
import { decideExit, type ExitPolicy } from './exit-policy.ts'
import { formatIp, parseIp } from './ip.ts'
import type { ExitConnector, ExitStream, ExitUdp } from './ports.ts'

/**
 * The exit end of one circuit (issue 16 item 2): opens the TCP streams and the UDP socket the
 * initiator asks for, after resolving names here (DNS at the exit) and asking the exit policy about
 * the address it will really connect to. Flow control per stream follows Tor's SENDME scheme
 * (tor-spec §7.4), counted in payload bytes: `STREAM_WINDOW_BYTES` / `SENDME_EVERY_BYTES`.
 */
export interface ExitSession {
  /** Handles one message from the initiator; returns a code when the message breaks the protocol. */
  onMessage(msg: Message): TunnelErrorCode | undefined
  /** Closes every stream and the UDP socket. */
  close(): void
}

/** What an exit session needs from its circuit. */
export interface ExitSessionDeps {
  /** False in replay-window mode: cells may arrive out of order, so TCP streams are refused. */
  readonly streams: boolean
  readonly connector: ExitConnector
  readonly policy: ExitPolicy
  readonly logger: Logger
  /** Sends a message back to the initiator (sealed by the circuit). */
  send(msg: Message): void
  /** Counts payload bytes leaving (`out`) or entering (`in`) the network at this exit. */
  count(direction: 'out' | 'in', bytes: number): void
}

interface StreamState {
  stream: ExitStream | undefined
  closed: boolean
  /** DATA payload bytes sent and not yet acknowledged by a SENDME. */
  inFlight: number
  paused: boolean
  /** DATA payload bytes received and written but not yet acknowledged (withheld while the socket is full). */
  unacked: number
  writeBlocked: boolean
}

const MAX_PENDING_DATAGRAMS = 64
/** UDP peers one circuit may hear back from (oldest forgotten first): a BitTorrent DHT node talks to a few thousand. */
const MAX_UDP_PEERS = 4096

/** Creates the exit session of one circuit. */
export function createExitSession(deps: ExitSessionDeps): ExitSession {
  const streams = new Map<number, StreamState>()
  let udp: ExitUdp | undefined
  let udpOpening: Promise<void> | undefined
  let closed = false
  const pendingDatagrams: { host: string; port: number; data: Uint8Array }[] = []
  const contacted = new Set<string>()

  const end = (streamId: number, reason: EndReason): void => {
    const s = streams.get(streamId)
    streams.delete(streamId)
    if (s !== undefined) s.closed = true
    if (!closed) deps.send({ kind: 'end', streamId, reason })
  }

  /** The first resolved address the policy allows, or why there is none. */
  const pickAddress = async (
    host: string,
    port: number,
    protocol: 'tcp' | 'udp',
  ): Promise<{ ok: true; ip: string } | { ok: false; reason: EndReason }> => {
    const literal = parseIp(host)
    let candidates: string[]
    if (literal !== undefined) candidates = [formatIp(literal)]
    else {
      try {
        candidates = [...(await deps.connector.resolve(host))]
      } catch (err) {
        deps.logger.debug('tunnels.exit.dns-failed', { err })
        return { ok: false, reason: 'dns' }
      }
      if (candidates.length === 0) return { ok: false, reason: 'dns' }
    }
    for (const text of candidates) {
      const ip = parseIp(text)
      if (ip !== undefined && decideExit(deps.policy, ip, port, protocol).allowed)
        return { ok: true, ip: formatIp(ip) }
    }
    return { ok: false, reason: 'policy' }
  }

  const begin = async (streamId: number, host: string, port: number, state: StreamState): Promise<void> => {
    const picked = await pickAddress(host, port, 'tcp')
    if (state.closed || closed) return
    if (!picked.ok) return end(streamId, picked.reason)
    const result = await deps.connector.connect(picked.ip, port, {
      onData(data) {
        if (state.closed || closed) return
        for (let at = 0; at < data.length; at += MAX_STREAM_CHUNK_BYTES) {
          const chunk = data.subarray(at, Math.min(data.length, at + MAX_STREAM_CHUNK_BYTES))
          deps.count('in', chunk.length)
          deps.send({ kind: 'data', streamId, data: chunk })
          state.inFlight += chunk.length
        }
        if (state.inFlight >= STREAM_WINDOW_BYTES && !state.paused) {
          state.paused = true
          state.stream?.pause()
        }
      },
      onClose(hadError) {
        if (!state.closed) end(streamId, hadError ? 'reset' : 'done')
      },
      onDrain() {
        state.writeBlocked = false
        flushAcks(streamId, state)
      },
    })
    if (!result.ok) {
      if (!state.closed) end(streamId, result.reason === 'refused' ? 'refused' : 'unreachable')
      return
    }
    if (state.closed || closed) {
      result.stream.destroy()
      return
    }
    state.stream = result.stream
    deps.send({ kind: 'connected', streamId })
  }

  const flushAcks = (streamId: number, state: StreamState): void => {
    while (!state.writeBlocked && state.unacked >= SENDME_EVERY_BYTES && !closed) {
      state.unacked -= SENDME_EVERY_BYTES
      deps.send({ kind: 'sendme', streamId })
    }
  }

  const sendDatagram = (host: string, port: number, data: Uint8Array): void => {
    void pickAddress(host, port, 'udp').then((picked) => {
      if (closed || udp === undefined) return
      if (!picked.ok) {
        deps.logger.debug('tunnels.exit.datagram-refused', { reason: picked.reason })
        return
      }
      deps.count('out', data.length)
      const key = `${picked.ip}|${port}`
      if (!contacted.has(key)) {
        if (contacted.size >= MAX_UDP_PEERS) contacted.delete(contacted.values().next().value ?? key)
        contacted.add(key)
      }
      udp.send(picked.ip, port, data)
    })
  }

  return {
    onMessage(msg) {
      if (closed) return undefined
      switch (msg.kind) {
        case 'begin': {
          if (streams.has(msg.streamId)) return 'TUNNEL_CELL_UNEXPECTED'
          if (!deps.streams) {
            deps.send({ kind: 'end', streamId: msg.streamId, reason: 'not-exit' })
            return undefined
          }
          if (streams.size >= MAX_STREAMS_PER_CIRCUIT) {
            deps.send({ kind: 'end', streamId: msg.streamId, reason: 'limit' })
            return undefined
          }
          const state: StreamState = {
            stream: undefined,
            closed: false,
            inFlight: 0,
            paused: false,
            unacked: 0,
            writeBlocked: false,
          }
          streams.set(msg.streamId, state)
          void begin(msg.streamId, msg.host, msg.port, state).catch((err: unknown) => {
            deps.logger.warn('tunnels.exit.connect-failed', { err })
            if (!state.closed) end(msg.streamId, 'reset')
          })
          return undefined
        }
        case 'data': {
          const s = streams.get(msg.streamId)
          // Data for a stream the exit already ended can still be in flight: drop it, no error.
          if (s === undefined) return undefined
          if (s.stream === undefined) return 'TUNNEL_CELL_UNEXPECTED'
          deps.count('out', msg.data.length)
          if (!s.stream.write(msg.data)) s.writeBlocked = true
          s.unacked += msg.data.length
          flushAcks(msg.streamId, s)
          return undefined
        }
        case 'end': {
          const s = streams.get(msg.streamId)
          if (s === undefined) return undefined
          // `done`: the initiator is done sending, so half-close towards the server and keep relaying
          // its answer. Any other reason tears the stream down at once.
          if (s.stream === undefined || msg.reason !== 'done') {
            s.stream?.destroy()
            s.closed = true
            streams.delete(msg.streamId)
          } else s.stream.end()
          return undefined
        }
        case 'sendme': {
          const s = streams.get(msg.streamId)
          if (s === undefined) return undefined
          if (s.inFlight < SENDME_EVERY_BYTES) return 'TUNNEL_CELL_UNEXPECTED'
          s.inFlight -= SENDME_EVERY_BYTES
          if (s.paused && s.inFlight < STREAM_WINDOW_BYTES) {
            s.paused = false
            s.stream?.resume()
          }
          return undefined
        }
        case 'datagram': {
          if (udp !== undefined) {
            sendDatagram(msg.host, msg.port, msg.data)
            return undefined
          }
          if (pendingDatagrams.length < MAX_PENDING_DATAGRAMS) pendingDatagrams.push(msg)
          udpOpening ??= deps.connector
            .openUdp((ip, port, data) => {
              // Address-restricted, like a cone NAT: only peers this circuit sent to may answer,
              // so strangers who learn the exit's port cannot push traffic into the circuit.
              if (closed || !contacted.has(`${ip}|${port}`)) return
              deps.count('in', data.length)
              deps.send({ kind: 'datagram', host: ip, port, data })
            })
            .then((socket) => {
              if (closed) return socket.close()
              udp = socket
              for (const d of pendingDatagrams.splice(0)) sendDatagram(d.host, d.port, d.data)
            })
            .catch((err: unknown) => deps.logger.warn('tunnels.exit.udp-failed', { err }))
          return undefined
        }
        case 'keepalive':
          return undefined
        case 'extend':
        case 'extended':
        case 'connected':
          return 'TUNNEL_CELL_UNEXPECTED'
        default: {
          const never: never = msg
          return never
        }
      }
    },
    close() {
      if (closed) return
      closed = true
      for (const s of streams.values()) {
        s.closed = true
        s.stream?.destroy()
      }
      streams.clear()
      udp?.close()
      udp = undefined
      pendingDatagrams.length = 0
    },
  }
}
