import type { AbortOptions, Clock, Logger, Rng } from '@dolly/base'
import { bytesToHex, hexToBytes, createSignatureVerifier, type SignatureVerifier } from '@dolly/base'
import {
  parseQTable,
  receiveRemote,
  EMPTY_INBOX,
  type PeerStanding,
  type RemoteEntry,
  type RemoteInbox,
} from '@dolly/learning'
import type { JsonValue } from './canonical-json.ts'
import { INBOX_MAX_STRANGER_TABLES, INBOX_MAX_TABLES, MAX_ENTRIES_PER_MESSAGE } from './constants.ts'
import { ageView, mergeView, planShuffle, sample, type View, type ViewEntry } from './cyclon.ts'
import { contactOf, signEntry, type EntryKind, type SignedEntry } from './entry.ts'
import { decodeBroadcast, intakeEntries, type IntakeContext } from './entry-intake.ts'
import { createEntryStore, type EntryStore } from './entry-store.ts'
import { type Envelope, type EnvelopeSigner, type MessageType } from './envelope.ts'
import { NetworkError, type NetworkErrorCode } from './errors.ts'
import { parseBody, type Body } from './messages.ts'
import type { ResolvedNetworkOptions } from './options.ts'
import type { NetworkTransport } from './ports.ts'
import type { NetworkStats } from './stats.ts'
import { createEnvelopeRpc } from './envelope-rpc.ts'
import {
  KNOWN_SENDER_LIMIT,
  STRANGERS_GLOBAL_LIMIT,
  UNKNOWN_SENDER_LIMIT,
  createSenderLimiter,
} from './rate-limit.ts'
import { standingOf } from './standing.ts'
import { deriveDhKeyPair } from './secure-message.ts'
import { createDirectMessaging, type DirectHandler } from './direct-messages.ts'

/** Ports of the gossip engine. */
export interface GossipEngineDeps {
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  readonly identity: EnvelopeSigner
  readonly transport: NetworkTransport
  readonly verifier?: SignatureVerifier
}

export type { NetworkStats } from './stats.ts'

export type { DirectHandler } from './direct-messages.ts'

/**
 * The overlay's protocol state machine without timers: CYCLON shuffles, push-pull anti-entropy,
 * hellos and direct messages, every message a signed envelope. `AgentNetwork` drives it on the
 * clock; tests and the bench drive it round by round.
 */
export function createGossipEngine(deps: GossipEngineDeps, options: ResolvedNetworkOptions) {
  const { clock, rng, identity, transport } = deps
  const log = deps.log.child({ component: 'network' })
  const verifier = deps.verifier ?? createSignatureVerifier()
  const selfId = bytesToHex(identity.publicKey)
  const dh = deriveDhKeyPair(identity)
  // Family by our own records (agent.json parent, children, inherited contacts; operator bootstrap).
  const family: ReadonlySet<string> = new Set(options.bootstrap.map((p) => p.id))
  const standing = (origin: string, nowMs: number = clock.nowMs()): PeerStanding =>
    standingOf(origin, {
      family,
      firstSeenMs: store.firstSeenMs('contact', origin),
      nowMs,
      knownAfterMs: options.knownAfterMs,
    })
  const store: EntryStore = createEntryStore({
    skewMs: options.timeWindowMs,
    standing,
    pickVictim: (n) => rng.int(n),
  })
  const stats: NetworkStats = {
    bytesSent: 0,
    bytesReceived: 0,
    messagesSent: 0,
    shuffles: 0,
    exchanges: 0,
    failedRequests: 0,
    rejected: {},
  }
  const qtableListeners = new Set<(entry: RemoteEntry) => void>()
  let view: View = []
  let inbox: RemoteInbox = EMPTY_INBOX
  // Refresh our record well before peers would declare us dead.
  const refreshMs = Math.max(1, Math.floor(options.deadPeerTimeoutMs / 4))

  const rejectCode = (code: NetworkErrorCode, detail: string, from?: string): void => {
    stats.rejected[code] = (stats.rejected[code] ?? 0) + 1
    log.warn('network.rejected', { code, detail, ...(from === undefined ? {} : { from: from.slice(0, 16) }) })
  }

  const limiter = createSenderLimiter()
  // One bucket shared by all strangers (rate-limit.ts STRANGERS_GLOBAL_LIMIT).
  const strangers = createSenderLimiter(1)
  const rpc = createEnvelopeRpc(
    { clock, rng, identity, transport, verifier, log, stats, reject: rejectCode },
    {
      selfId,
      requestTimeoutMs: options.requestTimeoutMs,
      maxFrameBytes: options.maxFrameBytes,
      timeWindowMs: options.timeWindowMs,
    },
  )
  const call = rpc.call

  const selfContact = (): SignedEntry => {
    const now = clock.nowMs()
    const held = store.get('contact', selfId)
    const addrs = [...transport.addresses()]
    const current = held === undefined ? undefined : contactOf(held)
    if (
      held !== undefined &&
      current !== undefined &&
      now - held.version < refreshMs &&
      current.addrs.join(' ') === addrs.join(' ')
    )
      return held
    const value = {
      addrs,
      dhKey: dh.publicKeyHex,
      treePath: options.treePath,
      expiresMs: now + options.contactTtlMs,
    }
    const entry = signEntry(identity, {
      kind: 'contact',
      version: Math.max(now, (held?.version ?? -1) + 1),
      value,
    })
    store.accept(entry, now)
    return entry
  }

  const publish = (kind: EntryKind, value: JsonValue): SignedEntry => {
    const now = clock.nowMs()
    const held = store.get(kind, selfId)
    const entry = signEntry(identity, { kind, version: Math.max(now, (held?.version ?? -1) + 1), value })
    store.accept(entry, now)
    // Fast path (ALGORITHMS.md §11.3): push it now; anti-entropy remains the backstop.
    transport.broadcast?.(encoder.encode(JSON.stringify(entry)))
    return entry
  }

  /** Validates and stores entries; returns the contact entries among them (for CYCLON). */
  const ingest = (
    raws: readonly unknown[],
    from: string,
    allow?: IntakeContext['allow'],
  ): readonly SignedEntry[] => {
    const now = clock.nowMs()
    const { contacts, accepted } = intakeEntries(raws, {
      store,
      verifier,
      selfId,
      nowMs: now,
      reject: (code, detail) => rejectCode(code, detail, from),
      ...(allow === undefined ? {} : { allow }),
    })
    for (const entry of accepted) {
      if (entry.kind === 'contact') {
        const contact = contactOf(entry)
        const key = hexToBytes(entry.origin)
        if (contact !== undefined && key !== undefined) transport.learn(key, contact.addrs)
        view = view.map((v) => (v.id === entry.origin ? { ...v, contact: entry } : v))
      } else if (entry.kind === 'qtable') {
        const remote: RemoteEntry = {
          senderId: entry.origin,
          receivedMs: now,
          table: parseQTable(entry.value),
          standing: standing(entry.origin, now),
          knownSinceMs: store.firstSeenMs('contact', entry.origin) ?? now,
        }
        inbox = receiveRemote(inbox, remote, INBOX_LIMITS)
        for (const listener of qtableListeners) listener(remote)
      }
    }
    return contacts
  }

  const toViewEntries = (
    wire: readonly { readonly age: number; readonly contact: unknown }[],
    from: string,
  ): ViewEntry[] => {
    // A view exchange carries contact records only (network README, "Sybil resistance").
    const contacts = ingest(
      wire.map((w) => w.contact),
      from,
      { kinds: CONTACTS_ONLY },
    )
    const ages = new Map<string, number>()
    wire.forEach((w) => {
      const origin = (w.contact as { origin?: unknown } | null)?.origin
      if (typeof origin === 'string' && !ages.has(origin)) ages.set(origin, w.age)
    })
    return contacts.map((c) => ({ id: c.origin, age: ages.get(c.origin) ?? 0, contact: c }))
  }

  const wireView = (entries: readonly ViewEntry[]): Body<'shuffle'>['entries'] =>
    entries.map((e) => ({ age: e.age, contact: e.contact }))

  const addToView = (entry: SignedEntry): void => {
    if (entry.origin === selfId || view.some((v) => v.id === entry.origin)) return
    if (view.length < options.viewSize) view = [...view, { id: entry.origin, age: 0, contact: entry }]
  }

  const answer = (env: Envelope): { type: MessageType; body: unknown } => {
    const bad = (): never => {
      throw new NetworkError('NETWORK_ENVELOPE_MALFORMED', `${env.type} body does not match its schema`)
    }
    // Self-introducing requests carry the sender's contact; anything else needs it known already.
    const known = store.get('contact', env.from) !== undefined
    if (!known && !INTRODUCING.has(env.type))
      throw new NetworkError('NETWORK_SENDER_UNKNOWN', `${env.type} from an agent that has not said hello`)
    const now = clock.nowMs()
    if (!limiter.admit(env.from, known ? KNOWN_SENDER_LIMIT : UNKNOWN_SENDER_LIMIT, now))
      throw new NetworkError('NETWORK_RATE_LIMITED', `too many requests from ${env.from.slice(0, 16)}…`)
    if (standing(env.from, now) === 'stranger' && !strangers.admit('strangers', STRANGERS_GLOBAL_LIMIT, now))
      throw new NetworkError('NETWORK_RATE_LIMITED', `strangers' shared budget spent (${env.type})`)
    switch (env.type) {
      case 'hello': {
        const body = parseBody('hello', env.body) ?? bad()
        const [contact] = ingest([body.contact], env.from, { kinds: CONTACTS_ONLY, origin: env.from })
        if (contact?.origin === env.from) addToView(contact)
        return { type: 'hello', body: { contact: selfContact() } }
      }
      case 'shuffle': {
        const body = parseBody('shuffle', env.body) ?? bad()
        const received = toViewEntries(body.entries, env.from)
        const replied = sample(view, options.shuffleSize, rng)
        view = mergeView(view, received, replied, { selfId, viewSize: options.viewSize })
        return { type: 'shuffle_reply', body: { entries: wireView(replied) } }
      }
      case 'digest': {
        const body = parseBody('digest', env.body) ?? bad()
        if (body.contact !== undefined)
          ingest([body.contact], env.from, { kinds: CONTACTS_ONLY, origin: env.from })
        selfContact()
        return {
          type: 'entries',
          body: { entries: store.newerThan(body.digest, MAX_ENTRIES_PER_MESSAGE), digest: store.digest() },
        }
      }
      case 'entries': {
        const body = parseBody('entries', env.body) ?? bad()
        ingest(body.entries, env.from)
        return { type: 'ack', body: {} }
      }
      case 'ping':
        if (parseBody('ping', env.body) === undefined) bad()
        return { type: 'pong', body: {} }
      case 'direct':
        direct.receive(env)
        return { type: 'ack', body: {} }
      case 'shuffle_reply':
      case 'pong':
      case 'ack':
        throw new NetworkError('NETWORK_TYPE_UNEXPECTED', `${env.type} is a reply, not a request`)
      default: {
        const never: never = env.type
        throw new NetworkError('NETWORK_TYPE_UNEXPECTED', `unknown type ${String(never)}`)
      }
    }
  }

  const hello = async (
    peerId: string,
    addrs: readonly string[],
    opts: AbortOptions = {},
  ): Promise<boolean> => {
    const key = hexToBytes(peerId)
    if (key === undefined || peerId === selfId) return false
    transport.learn(key, addrs)
    const reply = await call(peerId, 'hello', { contact: selfContact() }, 'hello', opts)
    if (reply === undefined) return false
    const [contact] = ingest([reply.contact], peerId, { kinds: CONTACTS_ONLY, origin: peerId })
    if (contact?.origin !== peerId) return false
    addToView(contact)
    return true
  }

  const direct = createDirectMessaging({
    rng,
    selfId,
    dh,
    store,
    hello,
    call: (to, type, body, expect, o) => call(to, type, body, expect, o),
  })

  return {
    selfId,
    store,
    stats,
    view: (): View => view,
    inbox: (): RemoteInbox => inbox,
    setInbox: (next: RemoteInbox): void => {
      inbox = next
    },
    onQTable(listener: (entry: RemoteEntry) => void): () => void {
      qtableListeners.add(listener)
      return () => qtableListeners.delete(listener)
    },
    onDirect: (handler: DirectHandler): (() => void) => direct.subscribe(handler),
    selfContact,
    publish,
    /** A peer's standing now (network/standing.ts). */
    standing: (origin: string): PeerStanding => standing(origin),

    /** Serves one incoming request; throws a NetworkError (which the transport turns into a failed request) on rejection. */
    handle: (peer: Uint8Array, request: Uint8Array): Promise<Uint8Array> => rpc.serve(peer, request, answer),

    /** Validates and stores one broadcast entry (gossipsub); anything else is counted and dropped. */
    ingestBroadcast(data: Uint8Array): void {
      stats.bytesReceived += data.byteLength
      const raw = decodeBroadcast(data, options.maxFrameBytes)
      if (raw.ok) ingest([raw.value], 'broadcast')
      else rejectCode(raw.code, raw.detail)
    },

    /** Says hello to a peer known only by id and addresses; adds it to the view on a valid reply. */
    hello,

    /** One CYCLON shuffle (ALGORITHMS.md §11.1); false when the view is empty or the target did not answer. */
    async shuffle(opts: AbortOptions = {}): Promise<boolean> {
      const plan = planShuffle(ageView(view), options.shuffleSize, rng)
      if (plan === undefined) return false
      view = plan.view
      stats.shuffles += 1
      const sent = [{ id: selfId, age: 0, contact: selfContact() }, ...plan.sent]
      const reply = await call(plan.target.id, 'shuffle', { entries: wireView(sent) }, 'shuffle_reply', opts)
      if (reply === undefined) {
        log.info('network.peer_down', { peer: plan.target.id.slice(0, 16) })
        return false
      }
      view = mergeView(view, toViewEntries(reply.entries, plan.target.id), plan.sent, {
        selfId,
        viewSize: options.viewSize,
      })
      return true
    },

    /** One push-pull anti-entropy exchange with a random view neighbour (ALGORITHMS.md §11.2). */
    async exchange(opts: AbortOptions = {}): Promise<boolean> {
      const [partner] = sample(view, 1, rng)
      if (partner === undefined) return false
      selfContact()
      const reply = await call(
        partner.id,
        'digest',
        { digest: store.digest(), contact: selfContact() },
        'entries',
        opts,
      )
      if (reply === undefined) return false
      stats.exchanges += 1
      ingest(reply.entries, partner.id)
      const push = store.newerThan(reply.digest ?? {}, MAX_ENTRIES_PER_MESSAGE)
      if (push.length === 0) return true
      return (await call(partner.id, 'entries', { entries: push }, 'ack', opts)) !== undefined
    },

    /** Sends `data` end-to-end encrypted to a known contact; NETWORK_PEER_UNREACHABLE when it cannot. */
    sendDirect: (to: string, data: Uint8Array, opts: AbortOptions = {}): Promise<void> =>
      direct.send(to, data, opts),

    /** Drops contacts not refreshed within the dead-peer timeout and expired entries; returns the dropped origins. */
    sweep(): string[] {
      const now = clock.nowMs()
      const dead = store
        .all('contact')
        .filter((c) => c.origin !== selfId && c.version < now - options.deadPeerTimeoutMs)
        .map((c) => c.origin)
      for (const origin of dead) store.forget(origin)
      store.expire(now, options.contactTtlMs)
      const gone = new Set(dead)
      view = view.filter((v) => !gone.has(v.id) && store.get('contact', v.id) !== undefined)
      return dead
    },
  }
}

/** The engine's type. */
export type GossipEngine = ReturnType<typeof createGossipEngine>

/** What a view exchange, hello or digest may carry: contact records. */
const CONTACTS_ONLY: ReadonlySet<EntryKind> = new Set(['contact'])

/** Bounds of the remote Q-table inbox (constants.ts). */
const INBOX_LIMITS = { maxTables: INBOX_MAX_TABLES, maxStrangerTables: INBOX_MAX_STRANGER_TABLES }

/** Requests an unknown sender may make: hello, shuffle and digest carry its signed contact; ping is a bare liveness probe. */
const INTRODUCING: ReadonlySet<MessageType> = new Set(['hello', 'shuffle', 'digest', 'ping'])

const encoder = new TextEncoder()
