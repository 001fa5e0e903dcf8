import {
  abortReason,
  BaseError,
  createNullLogger,
  type AbortOptions,
  type Clock,
  type Logger,
  type Rng,
} from '@dolly/base'
import { decodeFrame, encodeFrame, FRAME_HEADER_BYTES, LAYER_OVERHEAD_BYTES, type Frame } from './cells.ts'
import {
  CIRCUIT_BUILD_TIMEOUT_MS,
  CIRCUIT_IDLE_TIMEOUT_MS,
  CIRCUIT_MAX_AGE_MS,
  DEFAULT_REPLAY_WINDOW,
  MAX_FRAME_BYTES,
  LINK_LOST_AVOID_MS,
  LINK_PROBE_TIMEOUT_MS,
  MAX_CIRCUIT_BYTES,
  MAX_JOINED_CIRCUITS,
  MAX_OWN_CIRCUITS,
  MAX_REPLAY_WINDOW,
  SWEEP_INTERVAL_MS,
} from './constants.ts'
import { x25519FromSecret } from './crypto.ts'
import { TunnelError, tunnelCodeOf, type TunnelErrorCode } from './errors.ts'
import { createHopTable, type Joined } from './hop.ts'
import type { ExitPolicy } from './exit-policy.ts'
import { createClientCircuit, type ClientCircuit } from './initiator.ts'
import { selectPath } from './path.ts'
import type { ExitConnector, HopDescriptor, Transport } from './ports.ts'
import type { CircuitInfo, ClosedCircuit, TunnelCircuit, TunnelStats } from './types.ts'

/** Ports of a tunnel node. `connector` is needed only by an exit. */
export interface TunnelNodeDeps {
  readonly transport: Transport
  readonly clock: Clock
  readonly rng: Rng
  readonly logger?: Logger
  readonly connector?: ExitConnector
}

/** Options of a tunnel node; every limit defaults to `constants.ts`. */
export interface TunnelNodeOptions {
  /** The node's long-term X25519 secret, 32 bytes (from the agent's key store). */
  readonly identitySecret: Uint8Array
  /** Joins other initiators' circuits as a middle hop. */
  readonly relay?: boolean
  /** Joins circuits as their last hop and connects out; needs `exitPolicy` and a connector. */
  readonly exit?: boolean
  readonly exitPolicy?: ExitPolicy
  /** The hops this node may build circuits through (the overlay's view). */
  readonly directory?: () => readonly HopDescriptor[]
  /** Onion-layer replay window in cells: 0 (strict order) for ordered transports. */
  readonly replayWindow?: number
  readonly maxJoinedCircuits?: number
  readonly maxOwnCircuits?: number
  /** Bytes (forward + backward) one circuit may carry at this node. */
  readonly maxCircuitBytes?: bigint
  readonly buildTimeoutMs?: number
  readonly idleTimeoutMs?: number
  readonly maxAgeMs?: number
  readonly connectTimeoutMs?: number
  readonly sweepIntervalMs?: number
  /**
   * Admission of CREATE (relays and exits): called with the previous hop's peer id before the
   * handshake; false answers DESTROY TUNNEL_NOT_ADMITTED. Absent: every CREATE within the cap joins.
   */
  readonly admit?: (previousPeerId: string) => boolean
  /**
   * Probing of links that die silently (README "Link loss"): a circuit neighbour silent this long gets
   * a PROBE, ms (`LINK_PROBE_IDLE_MS` is the agent's value). Absent: no probes, only the transport's
   * link-down events end circuits over a lost link (a virtual-clock test that freezes the network
   * while time moves would see every link time out).
   */
  readonly linkProbeIdleMs?: number
  /** A PROBE with no frame back from the neighbour this long ends its circuits (TUNNEL_LINK_TIMEOUT), ms. */
  readonly linkProbeTimeoutMs?: number
  /** A peer whose link was lost is left out of new paths this long, ms. */
  readonly linkLostAvoidMs?: number
}

/** One agent's part in the tunnel network: initiator, relay and exit over one Transport. */
export interface TunnelNode {
  readonly peerId: string
  /** The long-term X25519 public key to advertise with the node's roles. */
  readonly publicKey: Uint8Array
  /** This node as a directory entry. */
  descriptor(): HopDescriptor
  /** Starts receiving frames and the timeout sweep. Idempotent. */
  start(): void
  /** Destroys every circuit (reason TUNNEL_STOPPED) and stops the sweep. Idempotent. */
  stop(): void
  /**
   * Builds a circuit of `hops` hops; rejects with the code it failed for (TUNNEL_NO_PATH,
   * TUNNEL_CIRCUIT_TIMEOUT, ...), or with the signal's reason when aborted (the half-built circuit is destroyed).
   */
  buildCircuit(hops: number, options?: AbortOptions): Promise<TunnelCircuit>
  /** Counters of every live circuit this node is part of. */
  circuits(): readonly CircuitInfo[]
  /** Listens for circuits that end (final counters and reason); returns an unsubscribe. */
  onCircuitClosed(listener: (closed: ClosedCircuit) => void): () => void
  /**
   * Listens for growth of any circuit's backward byte counter (once per cell; `info()` builds the
   * counters on demand): what payments meter. Returns an unsubscribe.
   */
  onCarried(listener: (info: () => CircuitInfo) => void): () => void
  /** Destroys a live circuit by its local handle in both directions with `reason`; false if none. */
  destroyCircuit(id: string, reason: TunnelErrorCode): boolean
  stats(): TunnelStats
}

/** The far end of a link this node opened: a relay's next hop, or an own circuit's first hop (set once built). */
type Outbound =
  | { readonly kind: 'relay'; readonly circuit: Joined }
  | { readonly kind: 'client'; circuit: ClientCircuit | undefined }

const linkKey = (peerId: string, circuitId: number): string => `${circuitId}@${peerId}`
/** The wire type bytes of RELAY_FWD and RELAY_BWD (cells.ts). */
const RELAY_FWD_TYPE = 3
const RELAY_BWD_TYPE = 4

/** Reasons an own circuit ends for when a hop beyond the first lost a link (or could not extend). */
const LINK_REASONS: ReadonlySet<TunnelErrorCode> = new Set([
  'TUNNEL_LINK_LOST',
  'TUNNEL_LINK_TIMEOUT',
  'TUNNEL_EXTEND_FAILED',
])

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new BaseError('BASE_INVALID_OPTION', `${name} must be a positive integer, got ${v}`, { [name]: v })
  }
  return v
}

/**
 * Creates a tunnel node (issue 16 items 1–2). Frames from the transport are decoded strictly; a
 * frame that does not decode, or names a circuit this node does not know, is dropped and counted
 * under its code in `stats().rejected` (no answer, so a flood gets no amplification). A cell that
 * fails its layer (tampered, replayed, reordered, dropped before it) destroys the circuit in both
 * directions with that code as the reason: fail closed.
 */
export function createTunnelNode(deps: TunnelNodeDeps, options: TunnelNodeOptions): TunnelNode {
  const { transport, clock, rng } = deps
  const logger = (deps.logger ?? createNullLogger()).child({ component: 'tunnels' })
  const identity = x25519FromSecret(options.identitySecret)
  const relayRole = options.relay === true
  const exitRole = options.exit === true
  if (exitRole && (options.exitPolicy === undefined || deps.connector === undefined)) {
    throw new BaseError('BASE_INVALID_OPTION', 'an exit needs an exitPolicy option and a connector port', {})
  }
  const replayWindow = options.replayWindow ?? DEFAULT_REPLAY_WINDOW
  if (!Number.isInteger(replayWindow) || replayWindow < 0 || replayWindow > MAX_REPLAY_WINDOW) {
    throw new BaseError('BASE_INVALID_OPTION', `replayWindow must be 0..${MAX_REPLAY_WINDOW}`, {
      replayWindow,
    })
  }
  const limits = Object.freeze({
    maxJoined: positive('maxJoinedCircuits', options.maxJoinedCircuits, MAX_JOINED_CIRCUITS),
    maxOwn: positive('maxOwnCircuits', options.maxOwnCircuits, MAX_OWN_CIRCUITS),
    buildTimeoutMs: positive('buildTimeoutMs', options.buildTimeoutMs, CIRCUIT_BUILD_TIMEOUT_MS),
    idleTimeoutMs: positive('idleTimeoutMs', options.idleTimeoutMs, CIRCUIT_IDLE_TIMEOUT_MS),
    maxAgeMs: positive('maxAgeMs', options.maxAgeMs, CIRCUIT_MAX_AGE_MS),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, CIRCUIT_BUILD_TIMEOUT_MS),
    sweepIntervalMs: positive('sweepIntervalMs', options.sweepIntervalMs, SWEEP_INTERVAL_MS),
    maxCircuitBytes: options.maxCircuitBytes ?? MAX_CIRCUIT_BYTES,
    linkProbeIdleMs:
      options.linkProbeIdleMs === undefined
        ? undefined
        : positive('linkProbeIdleMs', options.linkProbeIdleMs, 1),
    linkProbeTimeoutMs: positive('linkProbeTimeoutMs', options.linkProbeTimeoutMs, LINK_PROBE_TIMEOUT_MS),
    linkLostAvoidMs: positive('linkLostAvoidMs', options.linkLostAvoidMs, LINK_LOST_AVOID_MS),
  })

  const outbound = new Map<string, Outbound>()
  const own = new Map<string, ClientCircuit>()
  const rejected: Partial<Record<TunnelErrorCode, number>> = {}
  const closeListeners = new Set<(c: ClosedCircuit) => void>()
  const carriedListeners = new Set<(info: () => CircuitInfo) => void>()
  const carried = (info: () => CircuitInfo): void => {
    for (const l of carriedListeners) l(info)
  }
  /** Liveness of each link a live circuit uses: when the neighbour was last heard, and an unanswered PROBE. */
  const links = new Map<string, { lastHeardMs: number; probeSentMs: number | undefined }>()
  /** Peers whose link was lost, until when new paths avoid them. */
  const lost = new Map<string, number>()
  /**
   * Hops after the first of own circuits that a hop further on lost (DESTROY with a link reason or an
   * extend failure): one of them is gone, we cannot tell which, so new paths avoid them if they can.
   */
  const suspect = new Map<string, number>()
  const remember = (into: Map<string, number>, peerId: string, until: number): void => {
    into.delete(peerId)
    into.set(peerId, until)
    if (into.size > limits.maxJoined * 4) {
      const oldest = into.keys().next()
      if (oldest.done !== true) into.delete(oldest.value)
    }
  }
  let losingLink = false
  let running = false
  let sweepAbort: AbortController | undefined
  let serial = 0

  const reject = (code: TunnelErrorCode): void => {
    rejected[code] = (rejected[code] ?? 0) + 1
  }
  const emitClosed = (info: CircuitInfo, reason: TunnelErrorCode): void => {
    for (const l of closeListeners) l({ info, reason })
  }
  const sendFrame = (peerId: string, frame: Frame): boolean => transport.send(peerId, encodeFrame(frame))
  // Cells the node just sealed (writeRelayHeader) are handed to the transport without another copy.
  const sendEncoded = (peerId: string, chunks: readonly Uint8Array[]): boolean =>
    transport.sendOwned !== undefined
      ? transport.sendOwned(peerId, chunks)
      : transport.send(peerId, Buffer.concat(chunks))

  const allocateCircuitId = (peerId: string, entry: Outbound): number => {
    for (;;) {
      const id = rng.int(0xffff_ffff) + 1
      const key = linkKey(peerId, id)
      if (!outbound.has(key)) {
        outbound.set(key, entry)
        return id
      }
    }
  }

  const hops = createHopTable({
    selfPeerId: transport.peerId,
    rng,
    clock,
    logger,
    identity,
    relay: relayRole,
    exit: exitRole,
    connector: deps.connector,
    exitPolicy: options.exitPolicy,
    replayWindow,
    limits,
    sendFrame,
    sendEncoded,
    openLink: (peerId, circuit) => allocateCircuitId(peerId, { kind: 'relay', circuit }),
    closeLink: (peerId, circuitId) => void outbound.delete(linkKey(peerId, circuitId)),
    reject,
    closed: emitClosed,
    admit: options.admit,
    carried,
  })

  const onBackward = (
    entry: Outbound,
    frame: Frame & { kind: 'created' | 'relay-bwd' | 'destroy-bwd' },
  ): void => {
    if (entry.kind === 'client') {
      const circuit = entry.circuit
      if (circuit === undefined) return reject('TUNNEL_CIRCUIT_UNKNOWN')
      if (frame.kind === 'created') circuit.onCreated(frame.body)
      else if (frame.kind === 'relay-bwd') circuit.onRelay(frame.onion)
      else circuit.onDestroy(frame.reason)
      return
    }
    hops.onBackward(entry.circuit, frame)
  }

  const onFrame = (from: string, bytes: Uint8Array): void => {
    if (!running) return
    let frame: Frame
    try {
      frame = decodeFrame(bytes)
    } catch (err) {
      return reject(tunnelCodeOf(err) ?? 'TUNNEL_CELL_MALFORMED')
    }
    const link = links.get(from)
    if (link !== undefined) {
      // Any frame proves the link alive; it also answers an outstanding PROBE.
      link.lastHeardMs = clock.nowMs()
      link.probeSentMs = undefined
    }
    const key = linkKey(from, frame.circuitId)
    switch (frame.kind) {
      case 'probe':
        // Same size back, to the authenticated sender only: no amplification.
        sendFrame(from, { kind: 'probe-ack', circuitId: frame.circuitId })
        return
      case 'probe-ack':
        return
      case 'create':
        return hops.onCreate(from, frame.circuitId, frame.body)
      case 'relay-fwd':
      case 'destroy-fwd':
        return hops.onForward(from, frame)
      case 'created':
      case 'relay-bwd':
      case 'destroy-bwd': {
        const entry = outbound.get(key)
        if (entry === undefined) return reject('TUNNEL_CIRCUIT_UNKNOWN')
        return onBackward(entry, frame)
      }
      default: {
        const never: never = frame
        return never
      }
    }
  }

  /**
   * The link to `peerId` is gone (the transport said so, or a PROBE went unanswered): every circuit
   * over it ends now with `reason` — joined ones tell their other neighbour, own ones fail their
   * streams — and new paths avoid the peer for a while.
   */
  const linkLost = (peerId: string, reason: 'TUNNEL_LINK_LOST' | 'TUNNEL_LINK_TIMEOUT'): void => {
    if (!running) return
    links.delete(peerId)
    remember(lost, peerId, clock.nowMs() + limits.linkLostAvoidMs)
    let ended = hops.linkLost(peerId, reason)
    losingLink = true
    try {
      for (const c of [...own.values()]) {
        if (c.path[0] !== peerId) continue
        c.fail(reason, false)
        ended++
      }
    } finally {
      losingLink = false
    }
    logger.info('tunnels.link.lost', { peer: peerId, reason, circuits: ended })
  }

  /** Probes links that went quiet and declares lost the ones that did not answer in time. */
  const sweepLinks = (now: number): void => {
    for (const [peer, until] of lost) if (until <= now) lost.delete(peer)
    for (const [peer, until] of suspect) if (until <= now) suspect.delete(peer)
    const probeIdleMs = limits.linkProbeIdleMs
    if (probeIdleMs === undefined) return
    const peers = new Set<string>()
    hops.neighbours(peers)
    for (const c of own.values()) if (c.path[0] !== undefined) peers.add(c.path[0])
    for (const peer of links.keys()) if (!peers.has(peer)) links.delete(peer)
    for (const peer of peers) {
      const link = links.get(peer)
      if (link === undefined) {
        links.set(peer, { lastHeardMs: now, probeSentMs: undefined })
      } else if (link.probeSentMs !== undefined) {
        if (now - link.probeSentMs >= limits.linkProbeTimeoutMs) linkLost(peer, 'TUNNEL_LINK_TIMEOUT')
      } else if (now - link.lastHeardMs >= probeIdleMs) {
        link.probeSentMs = now
        sendFrame(peer, { kind: 'probe', circuitId: rng.int(0xffff_ffff) + 1 })
      }
    }
  }

  /**
   * A path that avoids, as far as the directory allows, peers whose link was lost and suspects (first
   * every one, then suspect exits kept, as exits are few, then lost ones only); else any path.
   */
  const pathFor = (hopCount: number): readonly HopDescriptor[] => {
    const directory = options.directory?.() ?? []
    const now = clock.nowMs()
    const isLost = (h: HopDescriptor): boolean => (lost.get(h.peerId) ?? 0) > now
    const isSuspect = (h: HopDescriptor): boolean => (suspect.get(h.peerId) ?? 0) > now
    const tiers = [
      directory.filter((h) => !isLost(h) && !isSuspect(h)),
      directory.filter((h) => !isLost(h) && (h.exit || !isSuspect(h))),
      directory.filter((h) => !isLost(h)),
    ]
    for (const tier of tiers) {
      if (tier.length === directory.length) break
      try {
        return selectPath(tier, hopCount, transport.peerId, rng)
      } catch {
        // Too few hops left without them: try a wider set (a lost link may have come back).
      }
    }
    return selectPath(directory, hopCount, transport.peerId, rng)
  }

  /**
   * Where a RELAY frame whose first step is opening a layer is joined from its parts (a forward cell
   * at a hop, a backward cell of an own circuit): the layer's plaintext is a new buffer and nothing
   * keeps the frame, so this one is free again when the frame's handling returns (one 64 KiB
   * allocation less per cell; frames are handled one at a time).
   */
  const joinBuffer = Buffer.allocUnsafe(MAX_FRAME_BYTES)
  const joinReused = (parts: readonly Uint8Array[], size: number): Uint8Array => {
    let at = 0
    for (const p of parts) {
      joinBuffer.set(p, at)
      at += p.byteLength
    }
    return joinBuffer.subarray(0, size)
  }

  /**
   * A frame in chunks: a RELAY_BWD of a circuit this node relays goes on as chunks (sealed without
   * joining them); a RELAY cell opened here is joined into `joinBuffer`; every other frame is joined
   * into a new buffer and decoded as one.
   */
  const onFrameParts = (from: string, parts: readonly Uint8Array[]): void => {
    if (parts.length === 1) return onFrame(from, parts[0] as Uint8Array)
    const first = parts[0]
    let size = 0
    for (const p of parts) size += p.byteLength
    if (
      !running ||
      first === undefined ||
      first.byteLength < FRAME_HEADER_BYTES ||
      (first[4] !== RELAY_BWD_TYPE && first[4] !== RELAY_FWD_TYPE) ||
      size > MAX_FRAME_BYTES ||
      size < FRAME_HEADER_BYTES + LAYER_OVERHEAD_BYTES
    )
      return onFrame(from, Buffer.concat(parts, size))
    if (first[4] === RELAY_FWD_TYPE) return onFrame(from, joinReused(parts, size))
    const circuitId = new DataView(first.buffer, first.byteOffset, first.byteLength).getUint32(0)
    const entry = circuitId === 0 ? undefined : outbound.get(linkKey(from, circuitId))
    if (entry?.kind !== 'relay') return onFrame(from, joinReused(parts, size))
    const link = links.get(from)
    if (link !== undefined) {
      link.lastHeardMs = clock.nowMs()
      link.probeSentMs = undefined
    }
    hops.onRelayBackward(entry.circuit, [first.subarray(FRAME_HEADER_BYTES), ...parts.slice(1)])
  }

  const sweep = (): void => {
    const now = clock.nowMs()
    sweepLinks(now)
    hops.sweep(now)
    for (const circuit of [...own.values()]) {
      const info = circuit.info()
      if (now - info.createdAtMs >= limits.maxAgeMs) circuit.fail('TUNNEL_CIRCUIT_EXPIRED', true)
      else if (circuit.isOpen() && now - info.lastActiveMs >= limits.idleTimeoutMs)
        circuit.fail('TUNNEL_CIRCUIT_IDLE', true)
      else circuit.sweep(now)
    }
  }

  const sweepLoop = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      try {
        await clock.sleep(limits.sweepIntervalMs, { signal })
      } catch {
        return
      }
      sweep()
    }
  }

  return {
    peerId: transport.peerId,
    publicKey: identity.publicKey,
    descriptor: () => ({
      peerId: transport.peerId,
      publicKey: identity.publicKey,
      relay: relayRole,
      exit: exitRole,
    }),
    start() {
      if (running) return
      running = true
      if (transport.onFrameParts !== undefined) transport.onFrameParts(onFrameParts)
      else transport.onFrame(onFrame)
      transport.onLinkDown?.((peerId) => linkLost(peerId, 'TUNNEL_LINK_LOST'))
      sweepAbort = new AbortController()
      void sweepLoop(sweepAbort.signal)
    },
    stop() {
      if (!running) return
      sweepAbort?.abort()
      hops.destroyAll('TUNNEL_STOPPED')
      for (const c of [...own.values()]) c.fail('TUNNEL_STOPPED', true)
      links.clear()
      lost.clear()
      suspect.clear()
      running = false
    },
    async buildCircuit(hops, opts = {}) {
      const { signal } = opts
      // A function, not a property read: TypeScript would keep `aborted` narrowed to false across the await.
      const aborted = (): boolean => signal?.aborted === true
      if (signal !== undefined && aborted()) throw abortReason(signal)
      if (!running) throw new TunnelError('TUNNEL_STOPPED', 'start the tunnel node before building circuits')
      if (own.size >= limits.maxOwn) {
        throw new TunnelError(
          'TUNNEL_CIRCUIT_LIMIT',
          `already ${own.size} own circuits (max ${limits.maxOwn})`,
          {
            max: limits.maxOwn,
          },
        )
      }
      const path = pathFor(hops)
      const first = path[0] as HopDescriptor
      const id = `c${++serial}`
      const entry: Outbound & { kind: 'client' } = { kind: 'client', circuit: undefined }
      let circuitId = 0
      const circuit = createClientCircuit(
        {
          rng,
          replayWindow,
          buildTimeoutMs: limits.buildTimeoutMs,
          connectTimeoutMs: limits.connectTimeoutMs,
          keepaliveMs: Math.max(1, Math.floor(limits.idleTimeoutMs / 3)),
          nowMs: () => clock.nowMs(),
          sendFrame,
          sendEncoded,
          closed: (c, reason) => {
            own.delete(c.id)
            outbound.delete(linkKey(first.peerId, circuitId))
            if (reason !== 'TUNNEL_CIRCUIT_CLOSED') reject(reason)
            // A first hop we lost ourselves is in `lost`; the hops after it are not to blame.
            if (LINK_REASONS.has(reason) && !losingLink)
              for (const hop of path.slice(1))
                remember(suspect, hop.peerId, clock.nowMs() + limits.linkLostAvoidMs)
            emitClosed(c.info(), reason)
          },
          carried,
        },
        id,
        path,
        (circuitId = allocateCircuitId(first.peerId, entry)),
      )
      entry.circuit = circuit
      // A first hop the transport cannot reach fails the circuit inside createClientCircuit already.
      let closedEarly = false
      circuit.onClose(() => (closedEarly = true))()
      if (!closedEarly) own.set(id, circuit)
      const onAbort = (): void => circuit.fail('TUNNEL_CIRCUIT_CLOSED', true)
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        await circuit.ready
      } catch (err) {
        throw signal !== undefined && aborted() ? abortReason(signal) : err
      } finally {
        signal?.removeEventListener('abort', onAbort)
      }
      return circuit
    },
    circuits: () => [...hops.infos(), ...[...own.values()].map((c) => c.info())],
    onCircuitClosed(listener) {
      closeListeners.add(listener)
      return () => closeListeners.delete(listener)
    },
    onCarried(listener) {
      carriedListeners.add(listener)
      return () => carriedListeners.delete(listener)
    },
    destroyCircuit(id, reason) {
      const circuit = own.get(id)
      if (circuit !== undefined) {
        circuit.fail(reason, true)
        return true
      }
      return hops.destroy(id, reason)
    },
    stats: () => ({ rejected: { ...rejected }, joinedCircuits: hops.size(), ownCircuits: own.size }),
  }
}
