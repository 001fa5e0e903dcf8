import type { AbortOptions, Clock, Logger, Rng } from '@dolly/base'
import type { SignatureVerifier } from '@dolly/base'
import { type QTable, type RemoteQ, serializeQTable, takeRemotes, type RemoteEntry } from '@dolly/learning'
import type { View } from './cyclon.ts'
import {
  contactOf,
  debtOf,
  hopOf,
  type DebtValue,
  statusOf,
  type EntryKind,
  type HopValue,
  type SignedEntry,
  type StatusValue,
} from './entry.ts'
import type { EnvelopeSigner } from './envelope.ts'
import {
  createGossipEngine,
  type DirectHandler,
  type GossipEngine,
  type NetworkStats,
} from './gossip-engine.ts'
import { resolveNetworkOptions, type AgentNetworkOptions } from './options.ts'
import type { NetworkTransport } from './ports.ts'

/** Ports of the agent network. */
export interface AgentNetworkDeps {
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  /** The agent's Ed25519 identity; it signs every envelope and entry. */
  readonly identity: EnvelopeSigner
  readonly transport: NetworkTransport
  readonly verifier?: SignatureVerifier
}

/** A known agent as the CLI and status API show it. */
export interface ContactInfo {
  readonly id: string
  readonly addrs: readonly string[]
  readonly treePath: string
  /** When its owner last signed the record, ms. */
  readonly updatedMs: number
  readonly expiresMs: number
  /** Whether it is in our CYCLON view (a direct neighbour). */
  readonly inView: boolean
  /** Its latest gossiped status summary, if any. */
  readonly status?: StatusValue
  /** Version (ms) of its latest gossiped Q-table, if any. */
  readonly qtableVersion?: number
}

/** A hop of the tunnel network as the overlay knows it (a valid, unexpired `hop/<id>` of a live contact). */
export interface HopInfo extends HopValue {
  /** Hex Ed25519 public key of the agent (its libp2p peer id is derived from it). */
  readonly id: string
  /** When its owner signed the advertisement, ms. */
  readonly updatedMs: number
}

/** The unpaid debts one creditor published (a `debt/<id>` entry of a family or known agent). */
export interface DebtsInfo extends DebtValue {
  /** Hex Ed25519 public key of the creditor: the entry's origin, which signed it and every record. */
  readonly creditor: string
  /** When the creditor signed the entry, ms (a newer one replaces it). */
  readonly version: number
}

/** The agents' overlay as a daemon component. */
export interface AgentNetwork {
  /** Our id: hex of the Ed25519 public key. */
  readonly id: string
  /** Serves requests, greets the bootstrap peers and starts the shuffle and anti-entropy loops; idempotent. */
  start(): Promise<void>
  /** Stops the loops and serving; idempotent. */
  stop(): Promise<void>
  /** One CYCLON shuffle now (the loop calls it every `shuffleIntervalMs`). */
  shuffleOnce(options?: AbortOptions): Promise<boolean>
  /** One anti-entropy exchange now (the loop calls it every `antiEntropyIntervalMs`). */
  antiEntropyOnce(options?: AbortOptions): Promise<boolean>
  /** Greets a peer known by id and addresses (bootstrap, a new child). */
  hello(peerId: string, addrs: readonly string[], options?: AbortOptions): Promise<boolean>
  /** Signs and stores our Q-table as `qtable/<id>`; gossip spreads it. */
  publishQTable(table: QTable): void
  /** Signs and stores our status summary as `status/<id>`. */
  publishStatus(status: StatusValue): void
  /** Signs and stores our tunnel roles and key as `hop/<id>` (issue 16); gossip spreads it. */
  publishHop(hop: HopValue): void
  /** Every other agent's unexpired hop advertisement whose contact we hold: the tunnel directory. */
  hops(): readonly HopInfo[]
  /** Signs and stores our unpaid-debt records as `debt/<id>` (issue 16); gossip spreads it. */
  publishDebts(debts: DebtValue): void
  /**
   * Other agents' debt records that count: only from an origin whose contact we hold and whose
   * standing is family or known (network README, "Sybil resistance"), so fresh keys cannot get
   * honest users refused by forging debts. Records are not verified or aged here (plebnet's debt book).
   */
  debts(): readonly DebtsInfo[]
  /**
   * Neighbours' latest tables for QD-learning, each used once: family first, then known senders by
   * seniority, then at most `maxStrangers` (default `qd.trim_f` = 1) strangers (learning core `takeRemotes`).
   */
  takeRemotes(maxRemotes: number, maxStrangers?: number): readonly RemoteQ[]
  /** Subscribes to each newly accepted remote Q-table. */
  onQTable(listener: (entry: RemoteEntry) => void): () => void
  /** Sends end-to-end encrypted bytes to a known agent. */
  sendDirect(to: string, data: Uint8Array, options?: AbortOptions): Promise<void>
  /** Subscribes to decrypted direct messages. */
  onDirect(handler: DirectHandler): () => void
  /** Every agent we hold a valid contact record of, ourselves excluded. */
  contacts(): readonly ContactInfo[]
  /** The entry we hold under `<kind>/<origin>`, if any. */
  entry(kind: EntryKind, origin: string): SignedEntry | undefined
  /** Our signed contact record (to hand to a child or print). */
  selfContact(): SignedEntry
  /** The current CYCLON view. */
  view(): View
  /** Traffic and rejection counters. */
  stats(): Readonly<NetworkStats>
}

/**
 * Builds the overlay (ALGORITHMS.md §11): CYCLON every `shuffleIntervalMs`, push-pull anti-entropy
 * every `antiEntropyIntervalMs`, a dead-peer sweep with each shuffle, all waiting on the Clock.
 */
export function createAgentNetwork(deps: AgentNetworkDeps, options: AgentNetworkOptions): AgentNetwork {
  const resolved = resolveNetworkOptions(options)
  const engine: GossipEngine = createGossipEngine(deps, resolved)
  const log = deps.log.child({ component: 'network' })
  let loops: { controller: AbortController; done: Promise<void> } | undefined
  let unserve: (() => void) | undefined

  const loop = async (
    intervalMs: number,
    step: (o: AbortOptions) => Promise<unknown>,
    signal: AbortSignal,
  ): Promise<void> => {
    // A random phase, so agents started together do not all talk in the same instant.
    let waitMs = deps.rng.int(intervalMs) + 1
    while (!signal.aborted) {
      try {
        await deps.clock.sleep(waitMs, { signal })
        await step({ signal })
      } catch (err) {
        if (signal.aborted) return
        log.warn('network.loop_failed', { error: err instanceof Error ? err.message : String(err) })
      }
      waitMs = intervalMs
    }
  }

  return {
    id: engine.selfId,
    async start() {
      if (loops !== undefined) return
      const controller = new AbortController()
      const unserveRequests = deps.transport.serve((peer, request) => engine.handle(peer, request))
      const unsubscribe = deps.transport.onBroadcast?.((data) => engine.ingestBroadcast(data))
      unserve = () => {
        unserveRequests()
        unsubscribe?.()
      }
      engine.selfContact()
      const greetings = resolved.bootstrap.map((p) =>
        engine.hello(p.id, p.addrs, { signal: controller.signal }),
      )
      const shuffling = async (o: AbortOptions): Promise<void> => {
        engine.sweep()
        // Alone (the bootstrap peers were not up yet, or everyone we knew died): greet them again.
        if (engine.view().length === 0)
          await Promise.allSettled(resolved.bootstrap.map((p) => engine.hello(p.id, p.addrs, o)))
        await engine.shuffle(o)
      }
      const done = Promise.all([
        Promise.allSettled(greetings),
        ...(resolved.loops
          ? [
              loop(resolved.shuffleIntervalMs, shuffling, controller.signal),
              loop(resolved.antiEntropyIntervalMs, (o) => engine.exchange(o), controller.signal),
            ]
          : []),
      ]).then(() => undefined)
      loops = { controller, done }
      log.info('network.started', { id: engine.selfId.slice(0, 16), bootstrap: resolved.bootstrap.length })
    },
    async stop() {
      const running = loops
      if (running === undefined) return
      loops = undefined
      running.controller.abort()
      unserve?.()
      unserve = undefined
      await running.done
      log.info('network.stopped', { id: engine.selfId.slice(0, 16) })
    },
    shuffleOnce: (o) => {
      engine.sweep()
      return engine.shuffle(o)
    },
    antiEntropyOnce: (o) => engine.exchange(o),
    hello: (peerId, addrs, o) => engine.hello(peerId, addrs, o),
    publishQTable(table) {
      engine.publish('qtable', serializeQTable(table))
    },
    publishStatus(status) {
      engine.publish('status', status)
    },
    publishHop(hop) {
      engine.publish('hop', hop)
    },
    publishDebts(debts) {
      engine.publish('debt', { debts: debts.debts.map((d) => ({ ...d })) })
    },
    debts() {
      const out: DebtsInfo[] = []
      for (const entry of engine.store.all('debt')) {
        const value = debtOf(entry)
        if (value === undefined || entry.origin === engine.selfId) continue
        if (engine.store.get('contact', entry.origin) === undefined) continue
        if (engine.standing(entry.origin) === 'stranger') continue
        out.push({ ...value, creditor: entry.origin, version: entry.version })
      }
      return out
    },
    hops() {
      const now = deps.clock.nowMs()
      const out: HopInfo[] = []
      for (const entry of engine.store.all('hop')) {
        const value = hopOf(entry)
        if (value === undefined || entry.origin === engine.selfId || value.expiresMs <= now) continue
        if (engine.store.get('contact', entry.origin) === undefined) continue
        out.push({ ...value, id: entry.origin, updatedMs: entry.version })
      }
      return out
    },
    takeRemotes(maxRemotes, maxStrangers) {
      const taken = takeRemotes(engine.inbox(), maxRemotes, maxStrangers)
      engine.setInbox(taken.inbox)
      return taken.tables
    },
    onQTable: (listener) => engine.onQTable(listener),
    sendDirect: (to, data, o) => engine.sendDirect(to, data, o),
    onDirect: (handler) => engine.onDirect(handler),
    contacts() {
      const inView = new Set(engine.view().map((v) => v.id))
      const out: ContactInfo[] = []
      for (const entry of engine.store.all('contact')) {
        const value = contactOf(entry)
        if (value === undefined || entry.origin === engine.selfId) continue
        const statusEntry = engine.store.get('status', entry.origin)
        const status = statusEntry === undefined ? undefined : statusOf(statusEntry)
        const qtable = engine.store.get('qtable', entry.origin)
        out.push({
          id: entry.origin,
          addrs: value.addrs,
          treePath: value.treePath,
          updatedMs: entry.version,
          expiresMs: value.expiresMs,
          inView: inView.has(entry.origin),
          ...(status === undefined ? {} : { status }),
          ...(qtable === undefined ? {} : { qtableVersion: qtable.version }),
        })
      }
      return out
    },
    entry: (kind, origin) => engine.store.get(kind, origin),
    selfContact: () => engine.selfContact(),
    view: () => engine.view(),
    stats: () => engine.stats,
  }
}
