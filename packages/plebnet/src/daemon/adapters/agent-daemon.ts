import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { createCryptoRng, createScaledClock, type Clock, type Logger } from '@dolly/base'
import { createAgentComponent, openHomeAgent } from '../../agent/adapters/agent-component.ts'
import { bytesToHex, loadOrCreateIdentity } from '@dolly/base'
import { createLedgerComponent } from '@dolly/ledger'
import { parseGenome, serializeGenome } from '@dolly/learning'
import { loadAgentConfig } from '../../config/adapters/load-agent-config.ts'
import type { LifecycleStatus } from '../../lifecycle/lifecycle-status.ts'
import {
  bootstrapFromContacts,
  bootstrapFromMultiaddrs,
  createNetworkComponent,
  gossipListenAddrs,
} from '@dolly/overlay'
import { createRealExitPolicy, createWorldExitPolicy, parseIp, type ExitPolicy } from '@dolly/tunnels'
import { STATUS_PORT } from '../../replication/constants.ts'
import {
  createMarketComponent,
  matchmakersOf,
  type MarketComponent,
} from '../../market/adapters/market-component.ts'
import { tradeMatch, type MatchSettler } from '../../market/adapters/trading.ts'
import { createMarketView } from '../../market/adapters/market-view.ts'
import type { MarketStatusSource } from '../../market/market-status.ts'
import type { Settlement } from '../../market/settlement/settlement.ts'
import type { AgentRuntime } from '../../lifecycle/adapters/agent-runtime.ts'
import { createTunnelComponent } from '../../tunnels/adapters/tunnel-component.ts'
import { createTunnelLedger } from '../../tunnels/adapters/tunnel-ledger.ts'
import { ReplicationError } from '../../replication/errors.ts'
import { createDaemon, type Daemon, type DaemonComponent } from '../daemon.ts'
import { parseListenAddress } from '../status.ts'
import { GENOME_FILE, readAgentRecord, readJsonFile } from './agent-home.ts'
import { hostAddress } from './host-address.ts'
import { serveStatusHttp } from './status-server.ts'
import { loadOrCreateStatusToken } from './status-token.ts'
import { agentVersion } from './version.ts'
import { loadEffectiveIni } from '../../config/adapters/load-watch-config.ts'
import { createLogRecorder } from '../../reporter/adapters/log-recorder.ts'
import { openReporter } from '../../reporter/adapters/open-reporter.ts'
import { REPORT_LOG_LINES, type Reporter } from '../../reporter/reporter.ts'
import { readIrcConfig } from '../../irc/irc-config.ts'
import { createIrcComponent, type IrcComponent } from '../../irc/adapters/irc-component.ts'
import { CONFIG_FILE } from './agent-home.ts'
import { readFile } from 'node:fs/promises'

/**
 * The composition root of `plebnet daemon` (DESIGN.md §4): the status API and heartbeat, the overlay,
 * the ledger and, where the agent knows a world to buy in, its one agent ticking.
 */

/** How often the IRC bot announces the same error (by its report fingerprint), real ms: a day. */
const ERROR_LINE_EVERY_MS = 86_400_000
/** Error fingerprints the bot remembers announcing (then it forgets them all and starts again). */
const MAX_ANNOUNCED_ERRORS = 256

/**
 * Unpaid bytes after which an agent cuts a circuit (TUNNEL_UNPAID). Above the tunnels core's 8 MiB:
 * payments travel on the same libp2p connection as the cells they pay for, so each answer of a
 * payment (memo, agreement, the first crawl) waits behind up to one stream window (4 MiB) of queued
 * cells, and an exit three hops out is paid after three such payments. With 8 MiB, honest 3-hop and
 * even 1-hop downloads were cut on loopback; a free rider still gets at most this much per hop.
 */
export const AGENT_UNPAID_CAP_BYTES = 32n * 1024n * 1024n

/** Real ms before the first lifecycle tick after start (AGENT.md §3.2: 10 s). */
const TICK_FIRST_DELAY_MS = 10_000

/** Builds the daemon of the agent in `home` (after `setup`). */
export async function buildDaemon(
  deps: { readonly clock: Clock; readonly log: Logger },
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
  // Every entry of every component passes the recorder: the last lines go with an error report, and
  // each error-level entry (a failed tick, a handler's exception) is reported (AGENT.md §14).
  const reporting: { reporter?: Reporter } = {}
  const recorder = createLogRecorder(deps.log, {
    capacity: REPORT_LOG_LINES,
    nowMs: () => deps.clock.nowMs(),
    // Entries before the reporter exists (the daemon's first lines) are kept, not reported.
    onError: (entry) => void reporting.reporter?.report(entry.error, { component: entry.component }),
  })
  deps = { clock: deps.clock, log: recorder.log }
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
  // The reporter (AGENT.md §14): `reporter.onReported` is the hook of the IRC line
  // `A error occurred in <component> <message>` (reporter.ts `ircErrorLine`).
  const reporter = openReporter(
    { clock: deps.clock, log: deps.log, recentLogLines: recorder.lines },
    options.home,
    await loadEffectiveIni(options.home, options.env ?? {}),
    { tree: record.tree, version: agentVersion(), extraSecrets: [statusToken] },
  )
  reporting.reporter = reporter
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
  // The lifecycle tick runs where the agent knows a world to buy in (AGENT.md §3.2); world time paces it.
  const env = options.env ?? {}
  const config = await loadAgentConfig(options.home, env)
  // The ledger serves signing and crawls over the network's libp2p node, so it starts after it. It
  // countersigns tunnel payments the node announced first (issue 16), then the market's expectations.
  const tunnelLedger = createTunnelLedger(
    {
      log: deps.log,
      host: () => network.host(),
      ledger: { protocol: () => ledger.protocol(), ledger: () => ledger.ledger() },
    },
    { rule: config.tunnelPayoutRule, pay: true },
  )
  const ledger = createLedgerComponent(
    { clock: deps.clock, log: deps.log, identity, transport: () => network.ledgerTransport() },
    { home: options.home, policy: (inner) => tunnelLedger.policy(inner) },
  )
  // Every agent relays; an exit node (AGENT.md §10) also exits, under the world's content networks
  // (`[tunnels] exit_networks`) or, on the real Internet, Tor's reduced policy.
  const exitPolicy = tunnelExitPolicy(config.tunnelExitNetworks, config.world !== undefined)
  if (record.exitNode && exitPolicy === undefined)
    deps.log.warn('tunnels.exit_disabled', { reason: 'a world agent needs [tunnels] exit_networks to exit' })
  const tunnels = createTunnelComponent(
    { clock: deps.clock, rng: createCryptoRng(), log: deps.log, network, identity },
    {
      home: options.home,
      relay: true,
      exit: record.exitNode && exitPolicy !== undefined,
      ...(exitPolicy === undefined ? {} : { exitPolicy }),
      payments: tunnelLedger,
      paymentOptions: { unpaidCapBytes: AGENT_UNPAID_CAP_BYTES },
    },
  )
  const components: DaemonComponent[] = [network, ledger, tunnels]
  // The token market (issue 17, `[market] enabled`): a matchmaker for the neighbours and the agent's
  // TokenMarket, in world time, over the ledger's MB balance. Its code loads when it starts.
  let market: MarketComponent | undefined
  /** The trade settlement, once the agent's wallet is open (its first tick); matches before it are declined. */
  let settlement: (MatchSettler & Pick<Settlement, 'stats'>) | undefined
  /** The market's part of the status API (the `market` block, `/market/book`, `/market/trades`). */
  let marketView: MarketStatusSource | undefined
  const marketClock = config.world === undefined ? deps.clock : createScaledClock(config.world.timeScale)
  if (config.marketEnabled) {
    const running = createMarketComponent({
      clock: marketClock,
      // Book sync is network gossip: at least 1 s real between rounds (30 s world is 21 ms at 1440×).
      realClock: deps.clock,
      rng: createCryptoRng(),
      log: deps.log,
      signer: identity,
      network,
      balanceBytes: () => tunnelLedger.ownBalance(),
    })
    running.onMatch((match) => {
      void tradeMatch(match, settlement, (m, ok) => running.agentMarket()?.matchSettled(m, ok), deps.log)
    })
    market = running
    marketView = createMarketView({
      market: running,
      clock: marketClock,
      balanceBytes: () => tunnelLedger.ownBalance(),
      settlement: () => settlement?.stats(),
    })
    components.push(running)
  }
  // The settlement trades the market's matches: MB over the ledger, sats from the agent's wallet.
  const withWallet = async (opened: Pick<AgentRuntime, 'wallet' | 'chain'>): Promise<() => Promise<void>> => {
    const [{ createSettlement }, { createLibp2pTradeChannel }, { killCheckpointFromEnv }] = await Promise.all(
      [
        import('../../market/settlement/settlement.ts'),
        import('../../market/settlement/trade-channel.ts'),
        import('../../lifecycle/adapters/kill-checkpoint.ts'),
      ],
    )
    const host = network.host()
    if (host === undefined) throw new ReplicationError('REPLICATION_USAGE', 'the overlay is not running', {})
    const started = createSettlement({
      home: options.home,
      identity,
      // Real time: a trade's rounds wait for messages over the network, not for world events (at a
      // world's 1440× a 120 s round would be 83 ms).
      clock: deps.clock,
      log: deps.log,
      ledger,
      wallet: opened.wallet,
      chain: opened.chain,
      channel: createLibp2pTradeChannel({ host, log: deps.log }),
      // DOLLY_KILL_AT at a trade step (TRADE_KILL_POINTS) SIGKILLs the daemon there; unset, the no-op.
      checkpoint: killCheckpointFromEnv(env),
    })
    const open = await started.start()
    deps.log.info('market.settlement_started', { openTrades: open })
    settlement = started
    return async () => {
      settlement = undefined
      await started.stop()
    }
  }
  let lifecycleStatus: (() => LifecycleStatus | undefined) | undefined
  if (config.chainBackend !== undefined) {
    // One agent for the daemon's life: its wallet, SQLite and drivers stay open between ticks.
    const rng = createCryptoRng()
    const ticker = createAgentComponent(
      {
        realClock: deps.clock,
        log: deps.log,
        open: () =>
          openHomeAgent(
            {
              realClock: deps.clock,
              rng,
              log: deps.log,
              env,
              ...(market === undefined ? {} : { market: market.market, withWallet }),
            },
            options.home,
          ),
      },
      {
        home: options.home,
        tickIntervalMs: config.tickIntervalMs,
        timeScale: config.world?.timeScale.scale ?? 1,
        firstDelayMs: TICK_FIRST_DELAY_MS,
      },
    )
    components.push(ticker)
    lifecycleStatus = ticker.latest
  }
  // The IRC bot (AGENT.md §11), when the config names a server: last, so it answers from a running
  // agent; it connects in the background and never holds the daemon's start up.
  const built: { daemon?: Daemon } = {}
  const ircConfig = readIrcConfig(
    await readFile(join(options.home, CONFIG_FILE), 'utf8').catch(() => ''),
    env,
  )
  let irc: IrcComponent | undefined
  if (ircConfig !== undefined) {
    irc = createIrcComponent(
      {
        clock: deps.clock,
        rng: createCryptoRng(),
        log: deps.log,
        status: () => built.daemon?.status(),
        ledgerStore: () => ledger.store(),
        publicKey: identity.publicKey,
        matchmakers: () => {
          const overlay = network.network()
          return market === undefined || overlay === undefined ? 0 : matchmakersOf(overlay).length
        },
        worldNowMs: () => marketClock.nowMs(),
      },
      {
        home: options.home,
        config: ircConfig,
        createdAtMs: record.createdAtMs,
        selfState: record.selfState ?? null,
      },
    )
    components.push(irc)
    // Every reported error is announced in the channel (AGENT.md §14 "Error notification"). The bot's
    // own handler errors reach the reporter through the log (`component: irc`, an error entry), and
    // the bot has already posted their line (`A error occurred in IRCbot …`): not posted twice.
    // An error that recurs every tick is announced once a day, not every tick.
    const bot = irc
    const announced = new Map<string, number>()
    reporter.onReported((e) => {
      if (e.component === 'irc') return
      const now = deps.clock.nowMs()
      const last = announced.get(e.outcome.fingerprint)
      if (last !== undefined && now - last < ERROR_LINE_EVERY_MS) return
      if (announced.size >= MAX_ANNOUNCED_ERRORS) announced.clear()
      announced.set(e.outcome.fingerprint, now)
      bot.postError(e.component, e.message)
    })
  }
  const daemon = createDaemon(
    {
      clock: deps.clock,
      log: deps.log,
      serveStatus: (at, handler) => serveStatusHttp(at, handler, { token: statusToken }),
      components,
      ...(lifecycleStatus === undefined ? {} : { lifecycleStatus }),
      tunnelsStatus: () => tunnels.status(),
      ...(marketView === undefined ? {} : { market: marketView }),
      ...(irc === undefined ? {} : { ircStatus: irc.status }),
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
  built.daemon = daemon
  return daemon
}

/**
 * The exit policy of an exit agent: world mode over `exitNetworks` when set; none for a world agent
 * without them (it must not exit into the machine's own networks); else real mode, the agent's own
 * addresses refused.
 */
function tunnelExitPolicy(
  exitNetworks: readonly string[] | undefined,
  inWorld: boolean,
): ExitPolicy | undefined {
  if (exitNetworks !== undefined) return createWorldExitPolicy(exitNetworks)
  if (inWorld) return undefined
  const own = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => i.address.split('%')[0] ?? i.address)
    .filter((a) => parseIp(a) !== undefined)
  return createRealExitPolicy({ ownAddresses: own })
}
