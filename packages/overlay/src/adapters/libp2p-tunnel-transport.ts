import type { Logger } from '@dolly/base'
import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { Uint8ArrayList } from 'uint8arraylist'
import { TUNNEL_PROTOCOL } from '../constants.ts'
import type { Libp2pHost } from './libp2p-host.ts'

/**
 * The largest tunnel link frame, bytes: equal to `MAX_FRAME_BYTES` of `@dolly/tunnels` (the overlay
 * does not import the tunnels package; a plebnet test checks that the two agree).
 */
export const TUNNEL_MAX_FRAME_BYTES = 64 * 1024 + 256
/** Bytes queued per peer before further frames to it are dropped (as the tunnels TCP adapter). */
export const TUNNEL_MAX_QUEUED_BYTES = 32 * 1024 * 1024
/** Peers with a link at once. */
export const TUNNEL_MAX_LINKS = 512
/** Deadline of opening a stream to a peer, ms. */
export const TUNNEL_DIAL_TIMEOUT_MS = 10_000
/** Frames written to the stream in one `send`. */
const BATCH_FRAMES = 64
/**
 * Chunks below this many bytes that follow each other in a batch are joined before `send`: libp2p
 * writes every chunk of a message with its own socket write (after Noise), and an owned frame is a
 * few small chunks (prefix, header, tag) around its data — unjoined, socket writes led the profile.
 */
const COALESCE_BELOW_BYTES = 1024
const PREFIX_BYTES = 4

/** Options of the libp2p tunnel transport; every bound has a default above. */
export interface Libp2pTunnelTransportOptions {
  readonly protocolId?: string
  readonly maxFrameBytes?: number
  readonly maxQueuedBytes?: number
  readonly maxLinks?: number
  readonly dialTimeoutMs?: number
}

/** Bytes carried to and from one neighbour (for per-neighbour accounting, e.g. payments). */
export interface TunnelNeighbourBytes {
  readonly peerId: string
  readonly bytesSent: number
  readonly bytesReceived: number
}

/** Counters of the transport. Drops are frames `send` refused or that were lost after it accepted them. */
export interface TunnelTransportStats {
  readonly framesSent: number
  readonly framesReceived: number
  readonly bytesSent: number
  readonly bytesReceived: number
  readonly links: number
  readonly dropped: {
    /** `send` refused: the peer's queue held `maxQueuedBytes`. */
    readonly queueFull: number
    /** `send` refused: not a peer id, ourselves, too many links, or stopped. */
    readonly refused: number
    /** Accepted, then lost: the stream could not be opened or closed under them. */
    readonly unreachable: number
    /** A frame above `maxFrameBytes` (sent or announced by a peer, whose stream is then closed). */
    readonly oversized: number
  }
}

/**
 * The tunnel core's frame `Transport` (structurally: `peerId`, `send`, `onFrame`) over libp2p, with
 * its lifecycle and counters.
 */
export interface Libp2pTunnelTransport {
  /** This node's libp2p peer id (base58), which Noise authenticates to every peer. */
  readonly peerId: string
  /** Queues one frame to `peerId`; false when refused (counted in `stats().dropped`). */
  send(peerId: string, frame: Uint8Array): boolean
  /** `send` of a frame given as chunks, without a copy: the caller never touches them again (sealed cells). */
  sendOwned(peerId: string, chunks: readonly Uint8Array[]): boolean
  /** Registers the one receiver of frames; `fromPeerId` is the peer id Noise authenticated. */
  onFrame(handler: (fromPeerId: string, frame: Uint8Array) => void): void
  /**
   * `onFrame` for frames as the chunks they arrived in (views, no copy: a frame spans the Noise
   * messages it came in); when registered it is used instead of `onFrame`.
   */
  onFrameParts(handler: (fromPeerId: string, parts: readonly Uint8Array[]) => void): void
  /**
   * Registers the one receiver of link losses: the last open stream to a peer closed or was reset
   * (its connection closed, the peer stopped), or frames queued to it could not be delivered (no
   * stream could be opened). Not called for our own `stop`.
   */
  onLinkDown(handler: (peerId: string) => void): void
  /** Serves the protocol. Idempotent. */
  start(): Promise<void>
  /** Stops serving and closes every stream; queued frames are dropped. Idempotent. */
  stop(): Promise<void>
  stats(): TunnelTransportStats
  /** Bytes (length prefixes included) to and from each neighbour with a link. */
  neighbours(): readonly TunnelNeighbourBytes[]
}

interface Link {
  readonly peerId: string
  /** The stream frames to this peer go out on (ours, or one the peer opened to us). */
  stream: Stream | undefined
  /** Queued frames, each as its chunks: the prefixed copy, or the prefix and the caller's buffer. */
  readonly queue: (readonly Uint8Array[])[]
  queuedBytes: number
  pumping: boolean
  scheduled: boolean
  bytesSent: number
  bytesReceived: number
}

const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{40,64}$/

/** The frames of `batch` as one list, runs of chunks below `COALESCE_BELOW_BYTES` joined (one copy of those only). */
function batchList(batch: readonly (readonly Uint8Array[])[]): Uint8ArrayList {
  const list = new Uint8ArrayList()
  let run: Uint8Array[] = []
  let runBytes = 0
  const flush = (): void => {
    if (run.length === 1) list.append(run[0] as Uint8Array)
    else if (run.length > 1) list.append(Buffer.concat(run, runBytes))
    run = []
    runBytes = 0
  }
  for (const chunks of batch) {
    for (const chunk of chunks) {
      if (chunk.byteLength >= COALESCE_BELOW_BYTES) {
        flush()
        list.append(chunk)
      } else {
        run.push(chunk)
        runBytes += chunk.byteLength
      }
    }
  }
  flush()
  return list
}

/**
 * Tunnel link frames over libp2p (issue 16): `u32 BE length ‖ frame`, at most `maxFrameBytes`, on one
 * long-lived stream per peer pair. A sender opens the stream on its first frame; a peer that has no
 * stream to us yet adopts the one we opened, so the pair usually shares one. Frames queue per peer up
 * to `maxQueuedBytes` and go out in batches, waiting on the stream's drain; beyond the bound they are
 * dropped and counted, which the next hop detects through its layer counter (fail closed) rather
 * than this node buffering without bound. Idle, a link holds no buffer.
 */
export function createLibp2pTunnelTransport(
  deps: { readonly host: Libp2pHost; readonly log: Logger },
  options: Libp2pTunnelTransportOptions = {},
): Libp2pTunnelTransport {
  const { host } = deps
  const log = deps.log.child({ component: 'tunnel-transport' })
  const protocolId = options.protocolId ?? TUNNEL_PROTOCOL
  const maxFrame = options.maxFrameBytes ?? TUNNEL_MAX_FRAME_BYTES
  const maxQueued = options.maxQueuedBytes ?? TUNNEL_MAX_QUEUED_BYTES
  const maxLinks = options.maxLinks ?? TUNNEL_MAX_LINKS
  const dialTimeoutMs = options.dialTimeoutMs ?? TUNNEL_DIAL_TIMEOUT_MS
  const selfId = host.peerId.toString()
  const links = new Map<string, Link>()
  const streams = new Set<Stream>()
  const validIds = new Map<string, boolean>()
  let handler: (from: string, frame: Uint8Array) => void = () => undefined
  let linkDown: (peerId: string) => void = () => undefined
  let partsHandler: ((from: string, parts: readonly Uint8Array[]) => void) | undefined
  /** Open streams (ours and theirs) per peer: the link is lost when the last one closes. */
  const openStreams = new Map<string, number>()
  let unhandle: (() => Promise<void>) | undefined
  let running = false
  const counters = { framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0 }
  const dropped = { queueFull: 0, refused: 0, unreachable: 0, oversized: 0 }

  const isPeerId = (id: string): boolean => {
    const known = validIds.get(id)
    if (known !== undefined) return known
    let ok = false
    if (PEER_ID.test(id)) {
      try {
        ok = peerIdFromString(id).type === 'Ed25519'
      } catch {
        ok = false
      }
    }
    if (validIds.size >= maxLinks * 4) validIds.clear()
    validIds.set(id, ok)
    return ok
  }

  const linkOf = (peerId: string): Link | undefined => {
    const held = links.get(peerId)
    if (held !== undefined) return held
    if (links.size >= maxLinks) {
      // Make room by forgetting an idle link (no stream, nothing queued).
      for (const [id, l] of links)
        if (l.stream === undefined && l.queue.length === 0 && !l.pumping) {
          links.delete(id)
          break
        }
      if (links.size >= maxLinks) return undefined
    }
    const link: Link = {
      peerId,
      stream: undefined,
      queue: [],
      queuedBytes: 0,
      pumping: false,
      scheduled: false,
      bytesSent: 0,
      bytesReceived: 0,
    }
    links.set(peerId, link)
    return link
  }

  const dropQueue = (link: Link): void => {
    dropped.unreachable += link.queue.length
    link.queue.length = 0
    link.queuedBytes = 0
  }

  /** Reads frames from `stream` (inbound or ours) and delivers them as from `peerId`. */
  const attach = (peerId: string, stream: Stream): void => {
    streams.add(stream)
    openStreams.set(peerId, (openStreams.get(peerId) ?? 0) + 1)
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, (maxFrame + PREFIX_BYTES) * 4)
    const buffer = new Uint8ArrayList()
    stream.addEventListener('message', (evt) => {
      buffer.append(evt.data)
      while (buffer.byteLength >= PREFIX_BYTES) {
        const n = buffer.getUint32(0, false)
        if (n > maxFrame) {
          dropped.oversized += 1
          log.warn('tunnel_transport.oversized', { peer: peerId, bytes: n })
          buffer.consume(buffer.byteLength)
          stream.abort(new RangeError(`tunnel frame of ${n} bytes exceeds ${maxFrame}`))
          return
        }
        if (buffer.byteLength < PREFIX_BYTES + n) return
        // A list of views, not a copy: a frame larger than a Noise message always spans two.
        const frame = buffer.sublist(PREFIX_BYTES, PREFIX_BYTES + n)
        buffer.consume(PREFIX_BYTES + n)
        counters.framesReceived += 1
        counters.bytesReceived += PREFIX_BYTES + n
        const link = links.get(peerId)
        if (link !== undefined) link.bytesReceived += PREFIX_BYTES + n
        if (!running) return
        if (partsHandler !== undefined) partsHandler(peerId, [...frame])
        else handler(peerId, frame.subarray())
      }
    })
    stream.addEventListener('close', () => {
      streams.delete(stream)
      const link = links.get(peerId)
      if (link?.stream === stream) link.stream = undefined
      const left = (openStreams.get(peerId) ?? 1) - 1
      if (left > 0) return void openStreams.set(peerId, left)
      openStreams.delete(peerId)
      if (!running) return
      log.debug('tunnel_transport.link_down', { peer: peerId })
      linkDown(peerId)
    })
  }

  const open = async (link: Link): Promise<Stream | undefined> => {
    try {
      const stream = await host.openStream(protocolId, link.peerId, {
        signal: AbortSignal.timeout(dialTimeoutMs),
      })
      if (!running) {
        stream.abort(new Error('transport stopped'))
        return undefined
      }
      // A stream the peer opened meanwhile is used; ours still carries what the peer sends on it.
      attach(link.peerId, stream)
      link.stream ??= stream
      return link.stream
    } catch (err) {
      log.debug('tunnel_transport.dial_failed', {
        peer: link.peerId,
        error: err instanceof Error ? err.message : String(err),
      })
      return undefined
    }
  }

  const pump = async (link: Link): Promise<void> => {
    link.pumping = true
    try {
      while (running && link.queue.length > 0) {
        const stream = link.stream ?? (await open(link))
        if (stream === undefined || stream.status !== 'open' || stream.writeStatus !== 'writable') {
          if (link.stream === stream) link.stream = undefined
          dropQueue(link)
          // Frames of circuits over this link were lost: their circuits cannot go on.
          if (running) linkDown(link.peerId)
          return
        }
        const batch = link.queue.splice(0, BATCH_FRAMES)
        const list = batchList(batch)
        const bytes = list.byteLength
        link.queuedBytes -= bytes
        try {
          const more = stream.send(list)
          counters.framesSent += batch.length
          counters.bytesSent += bytes
          link.bytesSent += bytes
          if (!more) await stream.onDrain({ signal: AbortSignal.timeout(dialTimeoutMs * 6) })
        } catch (err) {
          dropped.unreachable += batch.length
          log.debug('tunnel_transport.send_failed', {
            peer: link.peerId,
            error: err instanceof Error ? err.message : String(err),
          })
          if (link.stream === stream) link.stream = undefined
          stream.abort(err instanceof Error ? err : new Error(String(err)))
        }
      }
    } finally {
      link.pumping = false
    }
  }

  const schedule = (link: Link): void => {
    if (link.pumping || link.scheduled) return
    link.scheduled = true
    // Frames sent in one turn of the event loop go out in one batch.
    process.nextTick(() => {
      link.scheduled = false
      if (!link.pumping) void pump(link)
    })
  }

  /** Queues the frame `chunks` joined to `peerId` behind its length prefix; `owned`: not a copy. */
  const enqueue = (peerId: string, chunks: readonly Uint8Array[], owned: boolean): boolean => {
    let frameBytes = 0
    for (const c of chunks) frameBytes += c.byteLength
    if (frameBytes > maxFrame) {
      dropped.oversized += 1
      return false
    }
    if (!running || peerId === selfId || !isPeerId(peerId)) {
      dropped.refused += 1
      return false
    }
    const link = linkOf(peerId)
    if (link === undefined) {
      dropped.refused += 1
      return false
    }
    const size = PREFIX_BYTES + frameBytes
    if (link.queuedBytes + size > maxQueued) {
      dropped.queueFull += 1
      return false
    }
    if (owned) {
      const prefix = new Uint8Array(PREFIX_BYTES)
      new DataView(prefix.buffer).setUint32(0, frameBytes, false)
      link.queue.push([prefix, ...chunks])
    } else {
      // A copy: the caller may reuse its buffer after send.
      const out = new Uint8Array(size)
      new DataView(out.buffer).setUint32(0, frameBytes, false)
      let at = PREFIX_BYTES
      for (const c of chunks) {
        out.set(c, at)
        at += c.byteLength
      }
      link.queue.push([out])
    }
    link.queuedBytes += size
    schedule(link)
    return true
  }

  return {
    peerId: selfId,
    send: (peerId, frame) => enqueue(peerId, [frame], false),
    sendOwned: (peerId, chunks) => enqueue(peerId, chunks, true),
    onFrame(h) {
      handler = h
    },
    onFrameParts(h) {
      partsHandler = h
    },
    onLinkDown(h) {
      linkDown = h
    },
    async start() {
      if (running) return
      running = true
      unhandle = await host.handleStreams(
        protocolId,
        (remote, stream) => {
          if (!running) return void stream.abort(new Error('transport stopped'))
          attach(remote, stream)
          const link = linkOf(remote)
          if (link !== undefined && link.stream === undefined) link.stream = stream
        },
        { maxInboundStreams: 4 },
      )
    },
    async stop() {
      if (!running) return
      running = false
      const u = unhandle
      unhandle = undefined
      await u?.().catch(() => undefined)
      for (const s of streams) s.abort(new Error('transport stopped'))
      streams.clear()
      openStreams.clear()
      for (const link of links.values()) dropQueue(link)
      links.clear()
    },
    stats: () => ({ ...counters, links: links.size, dropped: { ...dropped } }),
    neighbours: () =>
      [...links.values()].map((l) => ({
        peerId: l.peerId,
        bytesSent: l.bytesSent,
        bytesReceived: l.bytesReceived,
      })),
  }
}
