import type { Clock, Logger, Rng } from '@dolly/base'
import { FRAME_HEADER_BYTES, writeRelayHeader, type Frame } from './cells.ts'
import { decodeMessage, encodeMessageParts, type Message } from './messages.ts'
import { answerHandshake, hopLayers, type HopLayers, type X25519KeyPair } from './crypto.ts'
import { tunnelCodeOf, type TunnelErrorCode } from './errors.ts'
import { createExitSession, type ExitSession } from './exit.ts'
import type { ExitPolicy } from './exit-policy.ts'
import type { ExitConnector } from './ports.ts'
import type { CircuitInfo } from './types.ts'

/**
 * The hop side of a node: circuits it joined as a relay or as their exit. A relay opens one layer of
 * every forward cell and passes the inner onion on, seals one layer on every backward cell, answers
 * EXTEND by sending CREATE to the named peer, and knows only its two neighbours. The exit's messages
 * go to its exit session (exit.ts).
 */

interface LinkRef {
  readonly peerId: string
  readonly circuitId: number
}

/** A circuit this node joined as a hop. */
export interface Joined {
  readonly id: string
  readonly prev: LinkRef
  readonly layers: HopLayers
  next: LinkRef | undefined
  extending: LinkRef | undefined
  exit: ExitSession | undefined
  readonly createdAtMs: number
  lastActiveMs: number
  bytesForward: bigint
  bytesBackward: bigint
  exitBytesOut: bigint
  exitBytesIn: bigint
  closed: boolean
}

/** What the hop table needs from its node. */
export interface HopContext {
  readonly selfPeerId: string
  readonly rng: Rng
  readonly clock: Clock
  readonly logger: Logger
  readonly identity: X25519KeyPair
  readonly relay: boolean
  readonly exit: boolean
  readonly connector: ExitConnector | undefined
  readonly exitPolicy: ExitPolicy | undefined
  readonly replayWindow: number
  readonly limits: {
    readonly maxJoined: number
    readonly idleTimeoutMs: number
    readonly maxAgeMs: number
    readonly buildTimeoutMs: number
    readonly maxCircuitBytes: bigint
  }
  sendFrame(peerId: string, frame: Frame): boolean
  /** Sends an encoded frame (as chunks) the hop table built and will not touch again (no copy). */
  sendEncoded(peerId: string, chunks: readonly Uint8Array[]): boolean
  /** Registers a link this circuit opens towards `peerId`; returns its circuit id on that link. */
  openLink(peerId: string, circuit: Joined): number
  closeLink(peerId: string, circuitId: number): void
  reject(code: TunnelErrorCode): void
  closed(info: CircuitInfo, reason: TunnelErrorCode): void
  /** Whether to join a circuit `previousPeerId` asks for (admission); absent: everyone within the cap. */
  readonly admit: ((previousPeerId: string) => boolean) | undefined
  /** Called after the backward byte counter of a circuit grew (payments meter it). */
  carried(info: () => CircuitInfo): void
}

/** The circuits a node joined. */
export interface HopTable {
  onCreate(from: string, circuitId: number, body: Uint8Array): void
  /** RELAY_FWD or DESTROY_FWD from the previous hop of a joined circuit. */
  onForward(from: string, frame: Frame & { kind: 'relay-fwd' | 'destroy-fwd' }): void
  /** CREATED, RELAY_BWD or DESTROY_BWD from the next hop of `c`. */
  onBackward(c: Joined, frame: Frame & { kind: 'created' | 'relay-bwd' | 'destroy-bwd' }): void
  /**
   * RELAY_BWD from the next hop of `c` whose onion is given as the chunks it arrived in: sealed and
   * passed on without joining them (a relay never reads a backward onion).
   */
  onRelayBackward(c: Joined, onion: Uint8Array | readonly Uint8Array[]): void
  sweep(nowMs: number): void
  destroyAll(reason: TunnelErrorCode): void
  /** Destroys the joined circuit with local handle `id` in both directions; false if there is none. */
  destroy(id: string, reason: TunnelErrorCode): boolean
  /**
   * The link to `peerId` is gone: destroys every joined circuit that uses it, telling the neighbour
   * on the other side (DESTROY with `reason`). Returns how many circuits ended.
   */
  linkLost(peerId: string, reason: TunnelErrorCode): number
  /** Adds the peers of every link a joined circuit uses (previous, next or being extended to) to `into`. */
  neighbours(into: Set<string>): void
  infos(): CircuitInfo[]
  size(): number
}

const linkKey = (peerId: string, circuitId: number): string => `${circuitId}@${peerId}`

/** Creates the hop table of a node. */
export function createHopTable(ctx: HopContext): HopTable {
  const inbound = new Map<string, Joined>()
  let serial = 0

  const joinedInfo = (c: Joined): CircuitInfo => ({
    id: c.id,
    role: c.exit !== undefined ? 'exit' : 'relay',
    previousPeer: c.prev.peerId,
    nextPeer: (c.next ?? c.extending)?.peerId,
    previousCircuitId: c.prev.circuitId,
    nextCircuitId: c.next?.circuitId,
    hops: 0,
    bytesForward: c.bytesForward,
    bytesBackward: c.bytesBackward,
    exitBytesOut: c.exitBytesOut,
    exitBytesIn: c.exitBytesIn,
    payloadBytesUp: 0n,
    payloadBytesDown: 0n,
    createdAtMs: c.createdAtMs,
    lastActiveMs: c.lastActiveMs,
  })

  /** Tears a joined circuit down, telling the neighbours that did not tell us. */
  const destroyJoined = (c: Joined, reason: TunnelErrorCode, from: 'prev' | 'next' | 'self'): void => {
    if (c.closed) return
    c.closed = true
    inbound.delete(linkKey(c.prev.peerId, c.prev.circuitId))
    if (from !== 'prev')
      ctx.sendFrame(c.prev.peerId, { kind: 'destroy-bwd', circuitId: c.prev.circuitId, reason })
    const next = c.next ?? c.extending
    if (next !== undefined) {
      ctx.closeLink(next.peerId, next.circuitId)
      if (from !== 'next')
        ctx.sendFrame(next.peerId, { kind: 'destroy-fwd', circuitId: next.circuitId, reason })
    }
    c.exit?.close()
    if (reason !== 'TUNNEL_CIRCUIT_CLOSED') ctx.reject(reason)
    ctx.logger.debug('tunnels.circuit.destroyed', { circuit: c.id, reason })
    ctx.closed(joinedInfo(c), reason)
  }

  /** Sends a message from this hop back to the initiator. */
  const sendBackward = (c: Joined, msg: Message): void => {
    if (c.closed) return
    const frame = c.layers.backward.sealParts(1, encodeMessageParts(msg), FRAME_HEADER_BYTES)
    c.bytesBackward += BigInt(writeRelayHeader('relay-bwd', c.prev.circuitId, frame))
    ctx.sendEncoded(c.prev.peerId, frame)
    checkBytes(c)
    if (!c.closed) ctx.carried(() => joinedInfo(c))
  }

  const checkBytes = (c: Joined): void => {
    if (c.bytesForward + c.bytesBackward > ctx.limits.maxCircuitBytes)
      destroyJoined(c, 'TUNNEL_BYTE_LIMIT', 'self')
  }

  const onCreate = (from: string, circuitId: number, body: Uint8Array): void => {
    const key = linkKey(from, circuitId)
    if (inbound.has(key)) return ctx.reject('TUNNEL_CELL_UNEXPECTED')
    if (!ctx.relay && !ctx.exit) {
      ctx.reject('TUNNEL_NOT_RELAY')
      ctx.sendFrame(from, { kind: 'destroy-bwd', circuitId, reason: 'TUNNEL_NOT_RELAY' })
      return
    }
    if (ctx.admit !== undefined && !ctx.admit(from)) {
      ctx.reject('TUNNEL_NOT_ADMITTED')
      ctx.sendFrame(from, { kind: 'destroy-bwd', circuitId, reason: 'TUNNEL_NOT_ADMITTED' })
      return
    }
    if (inbound.size >= ctx.limits.maxJoined) {
      ctx.reject('TUNNEL_CIRCUIT_LIMIT')
      ctx.sendFrame(from, { kind: 'destroy-bwd', circuitId, reason: 'TUNNEL_CIRCUIT_LIMIT' })
      return
    }
    let answer: ReturnType<typeof answerHandshake>
    try {
      answer = answerHandshake(ctx.rng, ctx.selfPeerId, ctx.identity, body)
    } catch (err) {
      const code = tunnelCodeOf(err) ?? 'TUNNEL_HANDSHAKE_FAILED'
      ctx.reject(code)
      ctx.sendFrame(from, { kind: 'destroy-bwd', circuitId, reason: code })
      return
    }
    const now = ctx.clock.nowMs()
    const c: Joined = {
      id: `j${++serial}`,
      prev: { peerId: from, circuitId },
      layers: hopLayers(answer.keys, ctx.replayWindow),
      next: undefined,
      extending: undefined,
      exit: undefined,
      createdAtMs: now,
      lastActiveMs: now,
      bytesForward: 0n,
      bytesBackward: 0n,
      exitBytesOut: 0n,
      exitBytesIn: 0n,
      closed: false,
    }
    inbound.set(key, c)
    ctx.sendFrame(from, { kind: 'created', circuitId, body: answer.created })
  }

  const onJoinedMessage = (c: Joined, msg: Message): void => {
    // Any hop may be the target of a KEEPALIVE; receiving it already refreshed lastActiveMs.
    if (msg.kind === 'keepalive') return
    if (msg.kind === 'extend') {
      if (!ctx.relay || c.next !== undefined || c.extending !== undefined || c.exit !== undefined) {
        return destroyJoined(c, ctx.relay ? 'TUNNEL_CELL_UNEXPECTED' : 'TUNNEL_NOT_RELAY', 'self')
      }
      if (msg.peerId === ctx.selfPeerId || msg.peerId === c.prev.peerId) {
        return destroyJoined(c, 'TUNNEL_EXTEND_FAILED', 'self')
      }
      const circuitId = ctx.openLink(msg.peerId, c)
      c.extending = { peerId: msg.peerId, circuitId }
      if (!ctx.sendFrame(msg.peerId, { kind: 'create', circuitId, body: msg.create })) {
        destroyJoined(c, 'TUNNEL_EXTEND_FAILED', 'self')
      }
      return
    }
    if (c.next !== undefined || c.extending !== undefined)
      return destroyJoined(c, 'TUNNEL_CELL_UNEXPECTED', 'self')
    if (!ctx.exit) {
      // A relay that is asked to exit says so per stream, as Tor's END reason "exit policy" does.
      if (msg.kind === 'begin')
        return sendBackward(c, { kind: 'end', streamId: msg.streamId, reason: 'not-exit' })
      if (msg.kind === 'datagram') return ctx.reject('TUNNEL_NOT_RELAY')
      return destroyJoined(c, 'TUNNEL_CELL_UNEXPECTED', 'self')
    }
    c.exit ??= createExitSession({
      streams: ctx.replayWindow === 0,
      connector: ctx.connector as ExitConnector,
      policy: ctx.exitPolicy as ExitPolicy,
      logger: ctx.logger,
      send: (m) => sendBackward(c, m),
      count: (direction, bytes) => {
        if (direction === 'out') c.exitBytesOut += BigInt(bytes)
        else c.exitBytesIn += BigInt(bytes)
      },
    })
    const problem = c.exit.onMessage(msg)
    if (problem !== undefined) destroyJoined(c, problem, 'self')
  }

  /** Seals one layer on a backward onion (whole or as chunks) and passes it to the previous hop. */
  const relayBackward = (c: Joined, onion: Uint8Array | readonly Uint8Array[]): void => {
    if (c.next === undefined) return destroyJoined(c, 'TUNNEL_CELL_UNEXPECTED', 'self')
    const sealed = c.layers.backward.sealParts(0, onion, FRAME_HEADER_BYTES)
    try {
      c.bytesBackward += BigInt(writeRelayHeader('relay-bwd', c.prev.circuitId, sealed))
      ctx.sendEncoded(c.prev.peerId, sealed)
    } catch (err) {
      // A backward onion can outgrow the frame only if the far side sent an oversized one.
      return destroyJoined(c, tunnelCodeOf(err) ?? 'TUNNEL_CELL_OVERSIZED', 'self')
    }
    checkBytes(c)
    if (!c.closed) ctx.carried(() => joinedInfo(c))
  }

  const onRelayForward = (c: Joined, onion: Uint8Array): void => {
    c.lastActiveMs = ctx.clock.nowMs()
    c.bytesForward += BigInt(onion.length + FRAME_HEADER_BYTES)
    try {
      const opened = c.layers.forward.open(onion)
      if (opened.kind === 0) {
        if (c.next === undefined) return destroyJoined(c, 'TUNNEL_CELL_UNEXPECTED', 'self')
        ctx.sendFrame(c.next.peerId, { kind: 'relay-fwd', circuitId: c.next.circuitId, onion: opened.inner })
      } else onJoinedMessage(c, decodeMessage(opened.inner))
    } catch (err) {
      destroyJoined(c, tunnelCodeOf(err) ?? 'TUNNEL_CELL_MALFORMED', 'self')
      return
    }
    checkBytes(c)
  }

  return {
    onCreate,
    onForward(from, frame) {
      const c = inbound.get(linkKey(from, frame.circuitId))
      if (c === undefined) return ctx.reject('TUNNEL_CIRCUIT_UNKNOWN')
      if (frame.kind === 'destroy-fwd') return destroyJoined(c, frame.reason, 'prev')
      return onRelayForward(c, frame.onion)
    },
    onBackward(c, frame) {
      c.lastActiveMs = ctx.clock.nowMs()
      switch (frame.kind) {
        case 'created': {
          if (c.extending === undefined) return destroyJoined(c, 'TUNNEL_CELL_UNEXPECTED', 'self')
          c.next = c.extending
          c.extending = undefined
          try {
            sendBackward(c, { kind: 'extended', created: frame.body })
          } catch (err) {
            destroyJoined(c, tunnelCodeOf(err) ?? 'TUNNEL_CELL_MALFORMED', 'self')
          }
          return
        }
        case 'relay-bwd':
          return relayBackward(c, frame.onion)
        case 'destroy-bwd':
          // An extend the next hop refused is an extend failure to the initiator; otherwise pass the reason on.
          return destroyJoined(c, c.extending !== undefined ? 'TUNNEL_EXTEND_FAILED' : frame.reason, 'next')
        default: {
          const never: never = frame
          return never
        }
      }
    },
    onRelayBackward(c, onion) {
      c.lastActiveMs = ctx.clock.nowMs()
      relayBackward(c, onion)
    },
    sweep(now) {
      for (const c of [...inbound.values()]) {
        if (now - c.createdAtMs >= ctx.limits.maxAgeMs) destroyJoined(c, 'TUNNEL_CIRCUIT_EXPIRED', 'self')
        else if (now - c.lastActiveMs >= ctx.limits.idleTimeoutMs)
          destroyJoined(c, 'TUNNEL_CIRCUIT_IDLE', 'self')
        else if (c.extending !== undefined && now - c.lastActiveMs >= ctx.limits.buildTimeoutMs) {
          destroyJoined(c, 'TUNNEL_EXTEND_FAILED', 'self')
        }
      }
    },
    destroyAll(reason) {
      for (const c of [...inbound.values()]) destroyJoined(c, reason, 'self')
    },
    destroy(id, reason) {
      for (const c of inbound.values()) {
        if (c.id !== id) continue
        destroyJoined(c, reason, 'self')
        return true
      }
      return false
    },
    linkLost(peerId, reason) {
      let ended = 0
      for (const c of [...inbound.values()]) {
        if (c.prev.peerId === peerId) destroyJoined(c, reason, 'prev')
        else if ((c.next ?? c.extending)?.peerId === peerId) destroyJoined(c, reason, 'next')
        else continue
        ended++
      }
      return ended
    },
    neighbours(into) {
      for (const c of inbound.values()) {
        into.add(c.prev.peerId)
        const next = c.next ?? c.extending
        if (next !== undefined) into.add(next.peerId)
      }
    },
    infos: () => [...inbound.values()].map(joinedInfo),
    size: () => inbound.size,
  }
}
