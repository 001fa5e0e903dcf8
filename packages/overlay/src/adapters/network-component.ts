import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '@dolly/base'
import type { Clock, Logger, Rng } from '@dolly/base'
import type { Identity } from '@dolly/base'
import type { LedgerTransport } from '@dolly/ledger'
import { parseQTable, EMPTY_INBOX, receiveRemote, type RemoteInbox } from '@dolly/learning'
import { createAgentNetwork, type AgentNetwork } from '../agent-network.ts'
import {
  BROADCAST_TOPIC,
  INBOX_MAX_STRANGER_TABLES,
  INBOX_MAX_TABLES,
  MAX_FRAME_BYTES,
} from '../constants.ts'
import { NetworkError } from '../errors.ts'
import type { AgentNetworkOptions, BootstrapPeer } from '../options.ts'
import { NETWORK_SNAPSHOT_FILE, snapshotOf } from '../snapshot.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import { startLibp2pHost, peerIdOfKey, type Libp2pHost } from './libp2p-host.ts'
import { ledgerProtocol, libp2pLedgerTransport } from './libp2p-ledger-transport.ts'
import { gossipProtocol, libp2pNetworkTransport } from './network-transport.ts'
import { REMOTE_QTABLES_FILE, remoteTablesFile, type RemoteEntryFile } from './remote-tables.ts'

/** Default TCP port of the overlay (ALGORITHMS.md §11.4 `gossip.port`). */
export const GOSSIP_PORT = 8000
export { REMOTE_QTABLES_FILE, type RemoteEntryFile }
/** The agent's own Q-table file name in its home (the agent's AgentStore writes it). */
const OWN_QTABLE_FILE = 'qtable.json'
/** How often the daemon rewrites `network.json`, ms. */
export const SNAPSHOT_INTERVAL_MS = 5_000

/** Ports of the network component. */
export interface NetworkComponentDeps {
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  readonly identity: Identity
}

/** Options of the network component. */
export interface NetworkComponentOptions {
  /** Agent home: `network.json` is written there. */
  readonly home: string
  /** Multiaddrs to listen on (default `/ip4/0.0.0.0/tcp/8000`). */
  readonly listen?: readonly string[]
  /** Overlay options (tree path, bootstrap peers, intervals). */
  readonly network: AgentNetworkOptions
  readonly snapshotIntervalMs?: number
  /** The agent's own Q-table file, gossiped whenever it changes (the agent's `qtable.json` in `home`). */
  readonly qtableFile?: string
}

/** The overlay as a daemon component (`DaemonComponent` of daemon/daemon.ts). */
export interface NetworkComponent {
  readonly name: 'network'
  start(): Promise<void>
  stop(): Promise<void>
  /** The running overlay, once started. */
  network(): AgentNetwork | undefined
  /** The ledger transport over the same libp2p node, once started. */
  ledgerTransport(): LedgerTransport | undefined
  /** The libp2p node itself, once started (other protocols on it, e.g. the tunnel transport). */
  host(): Libp2pHost | undefined
}

/** Bootstrap peers from address cards (`agent.json` parent + contacts): their host on the gossip port. */
export function bootstrapFromContacts(
  contacts: readonly { readonly publicKey: string; readonly host: string }[],
  port: number = GOSSIP_PORT,
): BootstrapPeer[] {
  return contacts.flatMap((c) => {
    const key = Buffer.from(c.publicKey, 'hex')
    if (key.byteLength !== 32) return []
    const family = c.host.includes(':') ? 'ip6' : /^[0-9.]+$/.test(c.host) ? 'ip4' : 'dns'
    return [
      {
        id: c.publicKey,
        addrs: [`/${family}/${c.host}/tcp/${port}/p2p/${peerIdOfKey(new Uint8Array(key)).toString()}`],
      },
    ]
  })
}

/**
 * Starts the libp2p host (gossip and ledger protocols), the overlay on it, and a loop that writes
 * `network.json` (atomically) for `plebnet network`. Idempotent start and stop.
 */
export function createNetworkComponent(
  deps: NetworkComponentDeps,
  options: NetworkComponentOptions,
): NetworkComponent {
  const log = deps.log.child({ component: 'network' })
  let running:
    { host: Libp2pHost; network: AgentNetwork; controller: AbortController; loop: Promise<void> } | undefined
  let starting: Promise<void> | undefined
  const path = join(options.home, NETWORK_SNAPSHOT_FILE)
  // The latest table per sender, bounded like the engine's inbox (INBOX_MAX_TABLES, of which
  // INBOX_MAX_STRANGER_TABLES strangers'): a flood of fresh keys cannot grow the file.
  let remotes: RemoteInbox = EMPTY_INBOX
  let publishedQTable: string | undefined
  const writeAtomic = async (file: string, value: unknown): Promise<void> => {
    await mkdir(options.home, { recursive: true })
    await writeFileAtomic(file, JSON.stringify(value, null, 2), { mode: 0o644 })
  }
  const write = async (host: Libp2pHost, network: AgentNetwork): Promise<void> => {
    await writeAtomic(
      path,
      snapshotOf(network, host.peerId.toString(), options.network.treePath, deps.clock.nowMs()),
    )
    await writeAtomic(join(options.home, REMOTE_QTABLES_FILE), remoteTablesFile(remotes))
  }
  // The learning tick owns qtable.json; whenever it changes, its new version is gossiped.
  const publishOwnQTable = async (network: AgentNetwork): Promise<void> => {
    const text = await readFile(options.qtableFile ?? join(options.home, OWN_QTABLE_FILE), 'utf8').catch(
      () => undefined,
    )
    if (text === undefined || text === publishedQTable) return
    publishedQTable = text
    try {
      network.publishQTable(parseQTable(JSON.parse(text)))
      log.info('network.qtable_published', { bytes: text.length })
    } catch (err) {
      log.warn('network.qtable_unreadable', { error: err instanceof Error ? err.message : String(err) })
    }
  }
  return {
    name: 'network',
    async start() {
      if (running !== undefined) return
      starting ??= (async () => {
        const gossip = gossipProtocol(options.network.maxFrameBytes ?? MAX_FRAME_BYTES)
        const host = await startLibp2pHost(deps.identity, {
          listen: options.listen ?? [`/ip4/0.0.0.0/tcp/${GOSSIP_PORT}`],
          protocols: [gossip, ledgerProtocol],
          broadcastTopic: BROADCAST_TOPIC,
          log: deps.log,
        })
        const network = createAgentNetwork(
          { ...deps, transport: libp2pNetworkTransport(host, gossip) },
          options.network,
        )
        network.onQTable((entry) => {
          remotes = receiveRemote(remotes, entry, {
            maxTables: INBOX_MAX_TABLES,
            maxStrangerTables: INBOX_MAX_STRANGER_TABLES,
          })
        })
        await network.start()
        const controller = new AbortController()
        const intervalMs = options.snapshotIntervalMs ?? SNAPSHOT_INTERVAL_MS
        const loop = (async () => {
          while (!controller.signal.aborted) {
            try {
              await publishOwnQTable(network)
              await write(host, network)
              await deps.clock.sleep(intervalMs, { signal: controller.signal })
            } catch (err) {
              if (controller.signal.aborted) return
              log.warn('network.snapshot_failed', { error: err instanceof Error ? err.message : String(err) })
              await deps.clock.sleep(intervalMs, { signal: controller.signal }).catch(() => undefined)
            }
          }
        })()
        running = { host, network, controller, loop }
      })()
      try {
        await starting
      } finally {
        starting = undefined
      }
    },
    async stop() {
      if (starting !== undefined) await starting.catch(() => undefined)
      const r = running
      if (r === undefined) return
      running = undefined
      r.controller.abort()
      await r.loop
      await r.network.stop()
      await write(r.host, r.network).catch(() => undefined)
      await r.host.stop()
    },
    network: () => running?.network,
    ledgerTransport: () => (running === undefined ? undefined : libp2pLedgerTransport(running.host)),
    host: () => running?.host,
  }
}

// The CLI's reader lives in its own small module (no libp2p); re-exported for existing callers.
export { readNetworkSnapshot } from './snapshot-file.ts'

/** Listen multiaddrs from `ip:port`, `ip` or `:port` (default all IPv4 addresses, port 8000); undefined when malformed. */
export function gossipListenAddrs(text: string | undefined): string[] | undefined {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})?(?::(\d{1,5}))?$/.exec(text ?? '')
  if (match === null) return undefined
  const port = match[2] === undefined ? GOSSIP_PORT : Number(match[2])
  if (port > 65_535) return undefined
  return [`/ip4/${match[1] ?? '0.0.0.0'}/tcp/${port}`]
}

/** Bootstrap peers from full multiaddrs ending in `/p2p/<peer id>` (the `addrs` of `plebnet network status`). */
export function bootstrapFromMultiaddrs(addrs: readonly string[]): BootstrapPeer[] {
  return addrs.map((addr) => {
    const peer = /\/p2p\/([1-9A-HJ-NP-Za-km-z]+)$/.exec(addr)?.[1]
    let key: Uint8Array | undefined
    try {
      key = peer === undefined ? undefined : peerIdFromString(peer).publicKey?.raw
    } catch {
      key = undefined
    }
    if (key?.byteLength !== 32)
      throw new NetworkError(
        'NETWORK_OPTIONS_INVALID',
        `bootstrap address ${addr} does not end in /p2p/<Ed25519 peer id>`,
        { addr },
      )
    return { id: Buffer.from(key).toString('hex'), addrs: [addr] }
  })
}
