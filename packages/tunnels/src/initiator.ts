import type { Rng } from '@dolly/base'
import { FRAME_HEADER_BYTES, writeRelayHeader, type Frame } from './cells.ts'
import { decodeMessage, encodeMessageParts, type Message } from './messages.ts'
import { MAX_STREAMS_PER_CIRCUIT } from './constants.ts'
import { createClientStreams } from './client-streams.ts'
import { initiatorLayers, startHandshake, type InitiatorLayers, type PendingHandshake } from './crypto.ts'
import { TunnelError, tunnelCodeOf, type TunnelErrorCode } from './errors.ts'
import type { HopDescriptor } from './ports.ts'
import type { CircuitInfo, TunnelCircuit } from './types.ts'

/**
 * The initiator's side of one circuit: CREATE to the first hop, then one EXTEND per further hop
 * (each answered by EXTENDED from the hop that extended), then streams and datagrams through the
 * layers. Times are checked by the node's sweep (`sweep`), never by timers of its own.
 */
export interface ClientCircuit extends TunnelCircuit {
  /** Resolves when every hop answered; rejects with the code the circuit closed for. */
  readonly ready: Promise<void>
  onCreated(body: Uint8Array): void
  onRelay(onion: Uint8Array): void
  onDestroy(reason: TunnelErrorCode): void
  /** Checks build and connect deadlines at `nowMs`. */
  sweep(nowMs: number): void
  /** Closes with `reason`; sends DESTROY forward unless the network already told us. */
  fail(reason: TunnelErrorCode, notify: boolean): void
}

/** What a client circuit needs from its node. */
export interface ClientCircuitDeps {
  readonly rng: Rng
  readonly replayWindow: number
  readonly buildTimeoutMs: number
  readonly connectTimeoutMs: number
  /** A quiet open circuit with streams (or kept alive by its owner) sends KEEPALIVE to its exit this often, so no hop times it out. */
  readonly keepaliveMs: number
  nowMs(): number
  sendFrame(peerId: string, frame: Frame): boolean
  /** Sends an encoded frame (as chunks) the circuit built and will not touch again (no copy). */
  sendEncoded(peerId: string, chunks: readonly Uint8Array[]): boolean
  /** Called once when the circuit ended, with its final counters. */
  closed(circuit: ClientCircuit, reason: TunnelErrorCode): void
  /** Called after the backward byte counter grew (payments meter it). */
  carried?(info: () => CircuitInfo): void
}

/** Starts building a circuit along `path` whose first link uses `circuitId`. */
export function createClientCircuit(
  deps: ClientCircuitDeps,
  id: string,
  path: readonly HopDescriptor[],
  circuitId: number,
): ClientCircuit {
  const first = path[0]
  if (first === undefined) throw new TunnelError('TUNNEL_NO_PATH', 'a circuit needs at least one hop')
  const createdAtMs = deps.nowMs()
  let lastActiveMs = createdAtMs
  const layers: InitiatorLayers[] = []
  let pending: PendingHandshake | undefined = startHandshake(deps.rng, first.peerId, first.publicKey)
  let state: 'building' | 'open' | 'closed' = 'building'
  let closeReason: TunnelErrorCode | undefined
  const closeListeners = new Set<(reason: TunnelErrorCode) => void>()
  let datagramHandler: ((host: string, port: number, data: Uint8Array) => void) | undefined
  let bytesForward = 0n
  let bytesBackward = 0n
  let payloadUp = 0n
  let payloadDown = 0n
  let keepAlive = false
  let resolveReady: () => void = () => undefined
  let rejectReady: (err: unknown) => void = () => undefined
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve
    rejectReady = reject
  })
  // A circuit nobody awaits must not raise an unhandled rejection when it fails.
  ready.catch(() => undefined)

  const send = (frame: Frame): void => {
    if (frame.kind === 'relay-fwd') bytesForward += BigInt(frame.onion.length + 5)
    if (!deps.sendFrame(first.peerId, frame) && frame.kind !== 'destroy-fwd') {
      self.fail('TUNNEL_EXTEND_FAILED', false)
    }
  }

  /** Seals `msg` for hop `hop` (0-based) inside every layer before it, as an onion. */
  const sendMessage = (hop: number, msg: Message): void => {
    if (state === 'closed') return
    let onion: readonly Uint8Array[] = encodeMessageParts(msg)
    for (let i = hop; i >= 0; i--) {
      const layer = layers[i]
      if (layer === undefined) throw new TunnelError('TUNNEL_CELL_UNEXPECTED', `no keys for hop ${i}`)
      // Each layer encrypts the chunks of the one inside it; the outermost leaves room for the header.
      onion = layer.forward.sealParts(i === hop ? 1 : 0, onion, i === 0 ? FRAME_HEADER_BYTES : 0)
    }
    bytesForward += BigInt(writeRelayHeader('relay-fwd', circuitId, onion))
    if (!deps.sendEncoded(first.peerId, onion)) self.fail('TUNNEL_EXTEND_FAILED', false)
  }
  const exitHop = (): number => path.length - 1
  const streams = createClientStreams({
    connectTimeoutMs: deps.connectTimeoutMs,
    nowMs: deps.nowMs,
    isOpen: () => state === 'open',
    sendToExit: (msg) => sendMessage(exitHop(), msg),
    countUp: (bytes) => (payloadUp += BigInt(bytes)),
    countDown: (bytes) => (payloadDown += BigInt(bytes)),
  })

  const onHopKeys = (): void => {
    const built = layers.length
    const next = path[built]
    if (next === undefined) {
      state = 'open'
      resolveReady()
      return
    }
    pending = startHandshake(deps.rng, next.peerId, next.publicKey)
    sendMessage(built - 1, { kind: 'extend', peerId: next.peerId, create: pending.create })
  }

  const onMessage = (hop: number, msg: Message): TunnelErrorCode | undefined => {
    if (msg.kind === 'extended') {
      if (state !== 'building' || hop !== layers.length - 1 || pending === undefined)
        return 'TUNNEL_CELL_UNEXPECTED'
      const p = pending
      pending = undefined
      layers.push(initiatorLayers(p.finish(msg.created), deps.replayWindow))
      onHopKeys()
      return undefined
    }
    // Everything else comes from the exit only.
    if (hop !== exitHop() || state !== 'open') return 'TUNNEL_CELL_UNEXPECTED'
    switch (msg.kind) {
      case 'connected':
      case 'data':
      case 'end':
      case 'sendme':
        return streams.onMessage(msg)
      case 'datagram':
        payloadDown += BigInt(msg.data.length)
        datagramHandler?.(msg.host, msg.port, msg.data)
        return undefined
      case 'begin':
      case 'extend':
      case 'keepalive':
        return 'TUNNEL_CELL_UNEXPECTED'
      default: {
        const never: never = msg
        return never
      }
    }
  }

  const info = (): CircuitInfo => ({
    id,
    role: 'initiator',
    previousPeer: undefined,
    nextPeer: first.peerId,
    previousCircuitId: undefined,
    nextCircuitId: circuitId,
    hops: path.length,
    bytesForward,
    bytesBackward,
    exitBytesOut: 0n,
    exitBytesIn: 0n,
    payloadBytesUp: payloadUp,
    payloadBytesDown: payloadDown,
    createdAtMs,
    lastActiveMs,
  })

  const self: ClientCircuit = {
    id,
    hops: path.length,
    path: Object.freeze(path.map((h) => h.peerId)),
    ready,
    isOpen: () => state === 'open',
    setKeepAlive(on) {
      keepAlive = on
    },
    info,
    onCreated(body) {
      lastActiveMs = deps.nowMs()
      if (state !== 'building' || layers.length !== 0 || pending === undefined) {
        return self.fail('TUNNEL_CELL_UNEXPECTED', true)
      }
      const p = pending
      pending = undefined
      try {
        layers.push(initiatorLayers(p.finish(body), deps.replayWindow))
        onHopKeys()
      } catch (err) {
        self.fail(tunnelCodeOf(err) ?? 'TUNNEL_HANDSHAKE_FAILED', true)
      }
    },
    onRelay(onion) {
      if (state === 'closed') return
      lastActiveMs = deps.nowMs()
      bytesBackward += BigInt(onion.length + 5)
      deps.carried?.(info)
      let data = onion
      try {
        for (let hop = 0; hop < layers.length; hop++) {
          const layer = layers[hop]
          if (layer === undefined) break
          const opened = layer.backward.open(data)
          if (opened.kind === 1) {
            const problem = onMessage(hop, decodeMessage(opened.inner))
            if (problem !== undefined) self.fail(problem, true)
            return
          }
          data = opened.inner
        }
        self.fail('TUNNEL_CELL_UNEXPECTED', true)
      } catch (err) {
        // Fail closed: any cell that does not open cleanly ends the circuit and everything on it.
        self.fail(tunnelCodeOf(err) ?? 'TUNNEL_CELL_MALFORMED', true)
      }
    },
    onDestroy(reason) {
      self.fail(reason, false)
    },
    sweep(nowMs) {
      if (state === 'building' && nowMs - createdAtMs >= deps.buildTimeoutMs) {
        return self.fail('TUNNEL_CIRCUIT_TIMEOUT', true)
      }
      const wanted = keepAlive || streams.size() > 0
      if (state === 'open' && wanted && nowMs - lastActiveMs >= deps.keepaliveMs) {
        sendMessage(exitHop(), { kind: 'keepalive' })
        lastActiveMs = nowMs
      }
      streams.sweep(nowMs)
    },
    fail(reason, notify) {
      if (state === 'closed') return
      if (notify) send({ kind: 'destroy-fwd', circuitId, reason })
      state = 'closed'
      closeReason = reason
      rejectReady(new TunnelError(reason, `circuit ${id} closed: ${reason}`, { circuit: id, reason }))
      streams.endAll(reason)
      for (const l of closeListeners) l(reason)
      closeListeners.clear()
      deps.closed(self, reason)
    },
    close() {
      self.fail('TUNNEL_CIRCUIT_CLOSED', true)
    },
    onClose(listener) {
      if (closeReason !== undefined) {
        listener(closeReason)
        return () => undefined
      }
      closeListeners.add(listener)
      return () => closeListeners.delete(listener)
    },
    onDatagram(handler) {
      datagramHandler = handler
    },
    sendDatagram(host, port, data) {
      if (state !== 'open') return
      payloadUp += BigInt(data.length)
      sendMessage(exitHop(), { kind: 'datagram', host, port, data })
    },
    openStream(host, port, handlers) {
      if (state !== 'open') {
        return Promise.reject(
          new TunnelError(closeReason ?? 'TUNNEL_CIRCUIT_CLOSED', `circuit ${id} is not open`),
        )
      }
      if (deps.replayWindow > 0) {
        // Out-of-order or lost cells are accepted in window mode: fine for datagrams, corruption for a
        // byte stream, which has no retransmission of its own here.
        return Promise.reject(
          new TunnelError(
            'TUNNEL_STREAM_UNORDERED',
            'streams need strict cell order: use replayWindow 0 on an ordered transport',
          ),
        )
      }
      if (streams.size() >= MAX_STREAMS_PER_CIRCUIT) {
        return Promise.reject(
          new TunnelError('TUNNEL_STREAM_LIMIT', `circuit ${id} has ${streams.size()} streams open`),
        )
      }
      return streams.open(host, port, handlers)
    },
  }

  send({ kind: 'create', circuitId, body: pending.create })
  return self
}
