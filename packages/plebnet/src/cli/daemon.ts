import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import {
  createCryptoRng,
  createPinoLogger,
  createSystemClock,
  type CliIo,
  type Clock,
  type Logger,
} from '@dolly/base'
import { bytesToHex } from '../ledger/bytes.ts'
import { loadOrCreateIdentity } from '../identity/adapters/identity-file.ts'
import { serializeGenome, parseGenome } from '../learning/genome-codec.ts'
import { createDaemon, type Daemon, type DaemonComponent } from '../daemon/daemon.ts'
import { parseListenAddress } from '../daemon/status.ts'
import { GENOME_FILE, readAgentRecord, readJsonFile } from '../daemon/adapters/agent-home.ts'
import { serveStatusHttp } from '../daemon/adapters/status-server.ts'
import { loadOrCreateStatusToken } from '../daemon/adapters/status-token.ts'
import { agentVersion } from '../daemon/adapters/version.ts'
import { STATUS_PORT } from '../replication/constants.ts'
import { ReplicationError } from '../replication/errors.ts'
import { loadAgentConfig } from '../lifecycle/adapters/agent-runtime.ts'
import { runTick } from '../lifecycle/adapters/run-tick.ts'
import { createTickComponent } from '../lifecycle/adapters/tick-component.ts'
import { createLedgerComponent } from '../ledger/adapters/ledger-component.ts'
import type { LifecycleStatus } from '../lifecycle/lifecycle-status.ts'
import {
  bootstrapFromContacts,
  bootstrapFromMultiaddrs,
  createNetworkComponent,
  gossipListenAddrs,
} from '../network/adapters/network-component.ts'

/** What `plebnet daemon` needs from outside. */
export interface DaemonCliDeps {
  readonly clock: Clock
  readonly log: Logger
  /** Called with the started daemon: the composition root wires signals to `stop`. */
  readonly onStarted: (daemon: Daemon) => void
}

/** Real ms before the first lifecycle tick after start (AGENT.md §3.2: 10 s). */
const TICK_FIRST_DELAY_MS = 10_000

/** Interfaces that are tunnels, whose address is not the host's public one. */
const TUNNEL_IFACE_RE = /^(wg|tun|tap)|_wg$/

/** The first non-internal IPv4 address of this machine outside VPN tunnels (the host's address), else 127.0.0.1. */
export function hostAddress(): string {
  for (const [name, list] of Object.entries(networkInterfaces())) {
    if (TUNNEL_IFACE_RE.test(name)) continue
    for (const info of list ?? []) if (info.family === 'IPv4' && !info.internal) return info.address
  }
  return '127.0.0.1'
}

/** Builds the daemon of the agent in `home` (after `setup`). */
export async function buildDaemon(
  deps: Pick<DaemonCliDeps, 'clock' | 'log'>,
  options: {
    home: string
    statusListen?: string
    heartbeatIntervalMs?: number
    /** Overlay listen address `ip:port` (default 0.0.0.0:8000). */
    gossipListen?: string
    /** Extra bootstrap multiaddrs ending in /p2p/<peer id>, besides agent.json's parent and contacts. */
    bootstrap?: readonly string[]
    /** Environment (config overrides, wallet passphrase) for the lifecycle tick. */
    env?: Readonly<Record<string, string | undefined>>
  },
): Promise<Daemon> {
  const record = await readAgentRecord(options.home)
  if (record === undefined) {
    throw new ReplicationError(
      'REPLICATION_SETUP_FAILED',
      `no agent in ${options.home}; run plebnet setup first`,
      {
        home: options.home,
      },
    )
  }
  const listen = parseListenAddress(options.statusListen ?? '', STATUS_PORT)
  if (listen === undefined) {
    throw new ReplicationError(
      'REPLICATION_USAGE',
      `--status-listen ${options.statusListen ?? ''} is not ip:port`,
      {},
    )
  }
  const identity = await loadOrCreateIdentity(options.home, createCryptoRng())
  // Peers read only the public status; the rest needs loopback or this token (daemon README).
  const statusToken = await loadOrCreateStatusToken(options.home, createCryptoRng())
  const genomeJson = await readJsonFile(join(options.home, GENOME_FILE))
  const gossipListen = gossipListenAddrs(options.gossipListen)
  if (gossipListen === undefined) {
    throw new ReplicationError(
      'REPLICATION_USAGE',
      `--gossip-listen ${options.gossipListen ?? ''} is not ip:port`,
      {},
    )
  }
  const network = createNetworkComponent(
    { clock: deps.clock, rng: createCryptoRng(), log: deps.log, identity },
    {
      home: options.home,
      listen: gossipListen,
      network: {
        treePath: record.tree,
        bootstrap: [
          ...bootstrapFromContacts([...(record.parent === null ? [] : [record.parent]), ...record.contacts]),
          ...bootstrapFromMultiaddrs(options.bootstrap ?? []),
        ],
      },
    },
  )
  // The lifecycle tick runs where the agent knows a chain to pay on (AGENT.md §3.2): a world's or a
  // real one ([chain] backend); world time paces it in a world.
  const env = options.env ?? {}
  const config = await loadAgentConfig(options.home, env)
  // The ledger serves signing and crawls over the network's libp2p node, so it starts after it.
  const ledger = createLedgerComponent(
    { clock: deps.clock, log: deps.log, identity, transport: () => network.ledgerTransport() },
    { home: options.home },
  )
  const components: DaemonComponent[] = [network, ledger]
  let lifecycleStatus: (() => LifecycleStatus | undefined) | undefined
  if (config.chainBackend !== undefined) {
    const home = options.home
    const ticker = createTickComponent(
      {
        realClock: deps.clock,
        log: deps.log,
        tick: () => runTick({ rng: createCryptoRng(), log: deps.log, env, realClock: deps.clock }, home),
      },
      {
        tickIntervalMs: config.tickIntervalMs,
        timeScale: config.world?.timeScale.scale ?? 1,
        firstDelayMs: TICK_FIRST_DELAY_MS,
      },
    )
    components.push(ticker)
    lifecycleStatus = ticker.latest
  }
  return createDaemon(
    {
      clock: deps.clock,
      log: deps.log,
      serveStatus: (at, handler) => serveStatusHttp(at, handler, { token: statusToken }),
      components,
      ...(lifecycleStatus === undefined ? {} : { lifecycleStatus }),
    },
    {
      agent: {
        publicKey: bytesToHex(identity.publicKey),
        tree: record.tree,
        parentTree: record.parent?.tree ?? null,
        parentPublicKey: record.parent?.publicKey ?? null,
        hostIp: listen.host ?? hostAddress(),
        genome: genomeJson === undefined ? null : serializeGenome(parseGenome(genomeJson)),
        testnet: record.testnet,
        exitNode: record.exitNode,
        softwareVersion: agentVersion(),
      },
      listen,
      ...(options.heartbeatIntervalMs === undefined
        ? {}
        : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    },
  )
}

/** Flags of `plebnet daemon`. */
interface DaemonCommandOptions {
  statusListen?: string
  once?: boolean
  gossipListen?: string
  bootstrap?: string[]
}

/** Registers `plebnet daemon [--status-listen ip:port] [--once]`. */
export function registerDaemonCommands(
  program: Command,
  io: CliIo,
  overrides: Partial<DaemonCliDeps> = {},
): void {
  program
    .command('daemon')
    .description(
      'run the agent: read-only status API on :8480 and the heartbeat (the lifecycle tick plugs in here)',
    )
    .option(
      '--status-listen <ip:port>',
      `where the status API listens (default all addresses, port ${STATUS_PORT})`,
    )
    .option('--once', 'start, beat once, stop (a smoke test of the set-up)')
    .option('--gossip-listen <ip:port>', "where the agents' overlay listens (default 0.0.0.0:8000)")
    .option('--bootstrap <multiaddr...>', 'extra peers to greet, /ip4/…/tcp/…/p2p/<peer id>')
    .action(async (opts: DaemonCommandOptions, cmd: Command) => {
      const clock = overrides.clock ?? createSystemClock()
      const log = overrides.log ?? createPinoLogger({ clock })
      const daemon = await buildDaemon(
        { clock, log },
        {
          home: String(cmd.optsWithGlobals()['home']),
          ...(opts.statusListen === undefined ? {} : { statusListen: opts.statusListen }),
          ...(opts.gossipListen === undefined ? {} : { gossipListen: opts.gossipListen }),
          ...(opts.bootstrap === undefined ? {} : { bootstrap: opts.bootstrap }),
          env: process.env,
        },
      )
      await daemon.start()
      io.err(`plebnet daemon: ${daemon.status().tree} serving ${daemon.url ?? '?'}/status`)
      if (opts.once === true) {
        await daemon.stop()
        return
      }
      if (overrides.onStarted !== undefined) overrides.onStarted(daemon)
      else {
        const stop = (): void => void daemon.stop()
        process.once('SIGTERM', stop)
        process.once('SIGINT', stop)
      }
      await daemon.stopped
    })
}
