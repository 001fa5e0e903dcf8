import { createPrivateKey } from 'node:crypto'
import type { AbortOptions, Logger } from '@dolly/base'
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { PeerId, Stream } from '@libp2p/interface'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { type Identity, bytesToHex } from '@dolly/base'
import { REQUEST_TIMEOUT_MS } from '../constants.ts'
import type { RequestHandler } from '../ports.ts'
import { readFrame, writeFrame } from './stream-rpc.ts'

/** One request/response protocol served on the host. */
export interface HostProtocol {
  /** libp2p protocol id, e.g. `/dolly/gossip/1.0.0`. */
  readonly id: string
  /** Largest request or reply, bytes. */
  readonly maxBytes: number
  /** The error a failed request rejects with (the port's own "unreachable" code). */
  readonly unreachable: (peerHex: string, cause: unknown) => Error
}

/** The agent's libp2p node: TCP, Noise, yamux, identify, ping, and our request/response protocols. */
export interface Libp2pHost {
  /** The node's peer id, derived from the agent's Ed25519 identity. */
  readonly peerId: PeerId
  /** Listening multiaddrs, each ending in `/p2p/<peer id>`. */
  addresses(): readonly string[]
  /** Records where a peer (raw Ed25519 key) listens. */
  learn(peer: Uint8Array, addrs: readonly string[]): void
  /** Sends one request on `protocol` and reads the reply. */
  request(
    protocol: HostProtocol,
    peer: Uint8Array,
    request: Uint8Array,
    options: AbortOptions,
  ): Promise<Uint8Array>
  /** Serves `protocol` with `handler` until the returned function is called. */
  serve(protocol: HostProtocol, handler: RequestHandler): () => void
  /** Publishes `data` on the broadcast topic (no-op without one); best effort. */
  broadcast(data: Uint8Array): void
  /** Subscribes to messages on the broadcast topic. */
  onBroadcast(handler: (data: Uint8Array) => void): () => void
  /**
   * Hands every inbound stream on `protocolId` to `handler` with the remote's peer id (as Noise
   * authenticated it); the handler owns the stream. Until the returned function is called.
   */
  handleStreams(
    protocolId: string,
    handler: (remotePeerId: string, stream: Stream) => void,
    options?: { readonly maxInboundStreams?: number },
  ): Promise<() => Promise<void>>
  /** Opens a long-lived stream on `protocolId` to a peer named by its libp2p peer id (an Ed25519 one). */
  openStream(protocolId: string, peerId: string, options: AbortOptions): Promise<Stream>
  /**
   * Calls `handler` with a peer's raw key whenever that peer is seen again: a connection to it
   * opened (either side dialled), or `learn` gave it an address it did not have. Until the returned
   * function is called. A wait on an unreachable peer (a countersignature, a trade message) ends here.
   */
  onPeerSeen(handler: (peer: Uint8Array) => void): () => void
  /** Number of open connections. */
  connections(): number
  stop(): Promise<void>
}

/** Peers whose last learned addresses the host remembers (to tell a change from a repeat). */
const MAX_LEARNED_PEERS = 4096

/** Options of the host. */
export interface Libp2pHostOptions {
  /** Multiaddrs to listen on, e.g. `/ip4/10.0.0.5/tcp/8000` (`/tcp/0` picks a free port). */
  readonly listen: readonly string[]
  /** Protocols to register (requests on others are refused by multistream-select). */
  readonly protocols: readonly HostProtocol[]
  readonly log: Logger
  /** gossipsub topic for broadcast entries; none: no gossipsub. */
  readonly broadcastTopic?: string
  /** Per-request deadline, ms (default 10 s, ALGORITHMS.md §11.4). */
  readonly requestTimeoutMs?: number
}

/** The RFC 8032 seed of an identity, read back from its PKCS#8 form (the last 32 bytes). */
function seedOf(identity: Identity): Uint8Array {
  const der = createPrivateKey(identity.toPem()).export({ format: 'der', type: 'pkcs8' })
  return new Uint8Array(der.subarray(der.byteLength - 32))
}

// A function, so TypeScript does not narrow `signal.aborted` across awaits.
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

/** The libp2p peer id of a raw Ed25519 public key. */
export function peerIdOfKey(publicKey: Uint8Array): PeerId {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey))
}

/** The raw Ed25519 public key inside a libp2p peer id (base58); undefined for another or a malformed id. */
export function keyOfPeerId(peerId: string): Uint8Array | undefined {
  try {
    const id = peerIdFromString(peerId)
    return id.type === 'Ed25519' ? id.publicKey.raw : undefined
  } catch {
    return undefined
  }
}

/**
 * Starts a libp2p node whose key is the agent's identity, so the peer id Noise authenticates is
 * the key that signs envelopes and ledger blocks: a request's `peer` is proven, not claimed.
 */
export async function startLibp2pHost(identity: Identity, options: Libp2pHostOptions): Promise<Libp2pHost> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', seedOf(identity))
  const log = options.log.child({ component: 'libp2p' })
  const timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: [...options.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // libp2p pings every connection each 10 s and, by default, aborts it when one ping takes longer
    // than its adaptive timeout (5 s at least). A ping queues behind the tunnel cells a busy link
    // carries, so on a loaded host a live connection was aborted mid-download: the cells in flight on
    // it were lost, and a circuit whose lost cells were the last before its stream window filled
    // stalled for good (issue 16). Liveness is ours to judge: overlay requests time out (10 s) and
    // sweep dead peers, a tunnel link whose writes do not drain in 60 s is aborted, TCP reports resets.
    connectionMonitor: { abortConnectionOnPingFailure: false },
    services: {
      identify: identify(),
      ping: ping(),
      // A lone agent may publish before it has mesh peers; anti-entropy delivers it later.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }),
    },
  })
  const topic = options.broadcastTopic
  const broadcastHandlers = new Set<(data: Uint8Array) => void>()
  if (topic !== undefined) {
    node.services.pubsub.subscribe(topic)
    node.services.pubsub.addEventListener('message', (evt) => {
      if (evt.detail.topic !== topic) return
      for (const handler of broadcastHandlers) handler(evt.detail.data)
    })
  }
  const seenHandlers = new Set<(peer: Uint8Array) => void>()
  const seen = (peer: PeerId): void => {
    if (peer.type !== 'Ed25519') return
    const key = peer.publicKey.raw
    for (const handler of [...seenHandlers]) {
      try {
        handler(key)
      } catch (err) {
        log.warn('libp2p.peer_seen_handler_failed', {
          error: err instanceof Error ? err.message : String(err),
        })
      }
    }
  }
  node.addEventListener('peer:connect', (evt) => seen(evt.detail))
  /** The addresses `learn` was last given per peer (bounded), so only a change counts as seeing it. */
  const learned = new Map<string, string>()
  const handlers = new Map<string, RequestHandler>()
  for (const protocol of options.protocols) {
    await node.handle(protocol.id, async (stream, connection) => {
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(new Error('request timed out')), timeoutMs)
      stream.addEventListener('close', () => controller.abort(new Error('stream closed')))
      try {
        const handler = handlers.get(protocol.id)
        const remote = connection.remotePeer.publicKey
        if (handler === undefined || connection.remotePeer.type !== 'Ed25519' || remote === undefined)
          throw new Error(`not serving ${protocol.id}`)
        const request = await readFrame(stream, protocol.maxBytes)
        const reply = await handler(remote.raw, request, { signal: controller.signal })
        await writeFrame(stream, reply, controller.signal)
      } catch (err) {
        log.debug('libp2p.request_refused', {
          protocol: protocol.id,
          error: err instanceof Error ? err.message : String(err),
        })
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      } finally {
        clearTimeout(timer)
      }
    })
  }
  log.info('libp2p.started', { peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })
  return {
    peerId: node.peerId,
    addresses: () => node.getMultiaddrs().map(String),
    learn(peer, addrs) {
      const multiaddrs = addrs.flatMap((a) => {
        try {
          return [multiaddr(a)]
        } catch {
          return []
        }
      })
      if (multiaddrs.length === 0) return
      const id = peerIdOfKey(peer)
      const peerHex = bytesToHex(peer)
      const listed = multiaddrs.map(String).sort().join(' ')
      const changed = learned.get(peerHex) !== listed
      if (changed) {
        if (learned.size >= MAX_LEARNED_PEERS) learned.clear()
        learned.set(peerHex, listed)
      }
      node.peerStore.merge(id, { multiaddrs }).then(
        () => {
          if (changed) seen(id)
        },
        (err: unknown) => {
          log.debug('libp2p.learn_failed', { error: err instanceof Error ? err.message : String(err) })
        },
      )
    },
    async request(protocol, peer, request, { signal }) {
      if (signal?.aborted === true) throw signal.reason
      const peerHex = bytesToHex(peer)
      let target: PeerId
      try {
        target = peerIdOfKey(peer)
      } catch (err) {
        throw protocol.unreachable(peerHex, err)
      }
      const deadline = AbortSignal.timeout(timeoutMs)
      const combined = signal === undefined ? deadline : AbortSignal.any([signal, deadline])
      let stream
      try {
        stream = await node.dialProtocol(target, protocol.id, { signal: combined })
      } catch (err) {
        if (aborted(signal)) throw signal?.reason
        throw protocol.unreachable(peerHex, err)
      }
      const onAbort = (): void => stream.abort(new Error('request aborted'))
      combined.addEventListener('abort', onAbort, { once: true })
      try {
        await writeFrame(stream, request, combined)
        return await readFrame(stream, protocol.maxBytes)
      } catch (err) {
        if (aborted(signal)) throw signal?.reason
        throw protocol.unreachable(peerHex, err)
      } finally {
        combined.removeEventListener('abort', onAbort)
      }
    },
    serve(protocol, handler) {
      handlers.set(protocol.id, handler)
      return () => {
        if (handlers.get(protocol.id) === handler) handlers.delete(protocol.id)
      }
    },
    broadcast(data) {
      if (topic === undefined) return
      node.services.pubsub.publish(topic, data).catch((err: unknown) => {
        log.debug('libp2p.broadcast_failed', { error: err instanceof Error ? err.message : String(err) })
      })
    },
    onBroadcast(handler) {
      broadcastHandlers.add(handler)
      return () => broadcastHandlers.delete(handler)
    },
    async handleStreams(protocolId, handler, opts) {
      await node.handle(
        protocolId,
        (stream, connection) => {
          if (connection.remotePeer.type !== 'Ed25519')
            return void stream.abort(new Error('not an Ed25519 peer'))
          handler(connection.remotePeer.toString(), stream)
        },
        {
          maxInboundStreams: opts?.maxInboundStreams ?? 64,
          maxOutboundStreams: opts?.maxInboundStreams ?? 64,
        },
      )
      return () => node.unhandle(protocolId)
    },
    async openStream(protocolId, peerId, { signal }) {
      const target = peerIdFromString(peerId)
      if (target.type !== 'Ed25519') throw new RangeError(`${peerId} is not an Ed25519 peer id`)
      return node.dialProtocol(target, protocolId, signal === undefined ? {} : { signal })
    },
    onPeerSeen(handler) {
      seenHandlers.add(handler)
      return () => seenHandlers.delete(handler)
    },
    connections: () => node.getConnections().length,
    async stop() {
      await node.stop()
      log.info('libp2p.stopped', { peerId: node.peerId.toString() })
    },
  }
}
