import { join } from 'node:path'
import { bytesToHex, createScaledClock, createCryptoRng, type Logger, type ScaledClock } from '@dolly/base'
import { startChain, stopLeftoverChain, type ChainHandle } from '../chain/adapters/litecoind.ts'
import { startBlockProducer } from '../chain/block-producer.ts'
import { WorldError } from '../errors.ts'
import {
  cleanupLeftovers,
  createHostNetwork,
  createHostProvisioner,
  type HostProvisioner,
} from '../hosts/index.ts'
import { startProviders, startVpnProvider } from '../providers/index.ts'
import { startReleaseServer } from '../release/index.ts'
import { startVpnEndpoint } from '../vpn-endpoint/index.ts'
import { startWhoami } from '../whoami/index.ts'
import { startIrcServer, stopLeftoverIrcServer } from '../irc/adapters/ngircd.ts'
import { startControlServer } from './adapters/control-server.ts'
import { mailDir, startMailSink } from '../mail/adapters/mail-sink.ts'
import { issuesDir, startIssueTracker } from '../issues/adapters/issue-tracker.ts'
import { WORLD_ISSUES_OWNER, WORLD_ISSUES_REPO } from '../genesis/genesis-config.ts'
import { cleanupContentLeftovers, startContentNetwork } from '../content/adapters/content-network.ts'
import {
  MAX_USERS,
  startUserFleet,
  DEFAULT_USER_RATE_PER_SECOND,
  type UserFleetDeps,
} from '../users/adapters/user-fleet.ts'
import { BUYER_DEFAULTS } from '../users/buyers.ts'
import { userConfigText } from '../users/adapters/user-wallet.ts'
import { createFamilyCensus, hostTokenReader } from '../genesis/adapters/census.ts'
import {
  acquireLock,
  releaseLock,
  removeWorldState,
  worldPaths,
  writeWorldState,
} from './adapters/world-dir.ts'
import type { WorldState } from './world-state.ts'

/** A world month (the buyers' allowance period), world ms. */
const WORLD_MONTH_MS = 30 * 86_400_000

/** Default world seconds per real second: one real second is one world minute. */
export const DEFAULT_TIME_SCALE = 60
/** World days of a shop's billing month (WHMCS moves the due date a month; the world uses 30 days). */
export const DEFAULT_LEASE_DAYS = 30
/** Default block interval in world minutes (Bitcoin's target spacing). */
export const DEFAULT_BLOCK_INTERVAL_MIN = 10
/** Default number of WHMCS-like shops (the four standard ones). */
export const DEFAULT_PROVIDERS = 4
/** Real ms a buyer gets to pay an invoice at any time scale (a world invoice lasts at least this long). */
const INVOICE_REAL_MS = 120_000
/** Real ms between passes of the shops' invoice/lease loops. */
const PROVIDER_POLL_REAL_MS = 500

/** Options of `startWorld`, parsed from the CLI. */
export interface WorldOptions {
  readonly dir: string
  readonly timeScale: number
  readonly blockIntervalMin: number
  /** Shops to start (0–4). 0 runs a chain-only world that needs no root; anything else needs root for hosts. */
  readonly providers: number
  /** The repository the release server publishes (the working tree agents install themselves from). */
  readonly repoDir: string
  /** World days of a shop's billing month, the lease of a server bought for one month (default 30). */
  readonly leaseDays?: number
  /**
   * World users (issue 16): hosts that fetch content through `plebnet proxy` once an agent is alive
   * (default 0: none). Needs hosts (`providers` ≥ 1); ignored in a chain-only world.
   */
  readonly users?: number
  /** Share of the users that are free riders (proxy with `--no-pay`), in [0, 1]; default 0. */
  readonly freeRiderFraction?: number
  /** Seed of the users' demand model; a random one when absent. */
  readonly usersSeed?: string
  /** How users run the plebnet CLI, e.g. `[node, <repo>/packages/plebnet/bin/plebnet.js]`; needed with `users`. */
  readonly plebnetCommand?: readonly string[]
  /**
   * Sats the faucet pays each paying user at its start and every world month, to buy MB tokens on the
   * agents' market (issue 17, users/buyers.ts); 0: users do not buy. Default 0.
   */
  readonly userAllowanceSats?: bigint
  /** Share of the buying users that cheat (never pay, or stop paying mid-trade), in [0, 1]; default 0.2. */
  readonly cheaterFraction?: number
}

/** What `startWorld` needs from its composition root. */
export interface WorldDeps {
  readonly log: Logger
  /** Real Unix time in ms (the system clock's), the epoch world time is scaled from. */
  readonly realNowMs: () => number
  readonly pid: number
  /** Called after each block the producer mines, for progress output. */
  readonly onBlock?: (height: number, worldTimeMs: number) => void
}

/** A running world. */
export interface WorldHandle {
  readonly state: WorldState
  readonly clock: ScaledClock
  readonly chain: ChainHandle
  /** The host provisioner; undefined in a chain-only world. Genesis provisions its host with it. */
  readonly provisioner: HostProvisioner | undefined
  /** Stops every component in reverse start order and releases the directory; idempotent. */
  stop(): Promise<void>
}

function checkOptions(options: WorldOptions): void {
  const bad = (flag: string, message: string, value: number): never => {
    throw new WorldError('WORLD_INVALID_OPTION', `${flag} ${message}, got ${value}`, { [flag]: value })
  }
  if (!Number.isFinite(options.timeScale) || options.timeScale <= 0 || options.timeScale > 1_000_000) {
    bad('--time-scale', 'must be a number in (0, 1000000]', options.timeScale)
  }
  if (
    options.leaseDays !== undefined &&
    (!Number.isFinite(options.leaseDays) || options.leaseDays <= 0 || options.leaseDays > 3650)
  ) {
    bad('--lease-days', 'must be a number of world days in (0, 3650]', options.leaseDays)
  }
  if (!Number.isFinite(options.blockIntervalMin) || options.blockIntervalMin <= 0) {
    bad('--block-interval', 'must be a positive number of world minutes', options.blockIntervalMin)
  }
  if (!Number.isInteger(options.providers) || options.providers < 0 || options.providers > 4) {
    bad('--providers', 'must be a whole number from 0 to 4', options.providers)
  }
  const users = options.users ?? 0
  if (!Number.isInteger(users) || users < 0 || users > MAX_USERS) {
    bad('--users', `must be a whole number from 0 to ${MAX_USERS}`, users)
  }
  const cheaters = options.cheaterFraction ?? 0
  if (!Number.isFinite(cheaters) || cheaters < 0 || cheaters > 1)
    bad('--cheaters', 'must be in [0, 1]', cheaters)
  const allowance = options.userAllowanceSats ?? 0n
  if (allowance < 0n || allowance > 100_000_000n)
    bad('--user-allowance', 'must be 0 to 1 coin', Number(allowance))
  if (users > 0 && (options.plebnetCommand?.length ?? 0) === 0) {
    bad('--users', 'needs the command that runs plebnet (plebnetCommand)', users)
  }
  const riders = options.freeRiderFraction ?? 0
  if (!Number.isFinite(riders) || riders < 0 || riders > 1) {
    bad('--free-riders', 'must be a fraction in [0, 1]', riders)
  }
}

/**
 * Starts the world in `options.dir`: takes the directory's lock (refusing a second world), cleans
 * up what a crashed world left behind, then starts the host bridge, the chain (RPC on loopback and
 * on the bridge for agents), the block producer on the scaled clock, the provider shops with their
 * gateways, the API and VPN providers, the release server and whoami, and publishes `world.json`.
 *
 * @throws WorldError WORLD_ALREADY_RUNNING, WORLD_INVALID_OPTION; the chain's and hosts' start errors
 *   (e.g. WORLD_HOSTS_NOT_ROOT when shops are asked for without root).
 */
export async function startWorld(deps: WorldDeps, options: WorldOptions): Promise<WorldHandle> {
  checkOptions(options)
  const log = deps.log.child({ component: 'world' })
  const { staleFrom } = await acquireLock(options.dir, deps.pid)
  const paths = worldPaths(options.dir)
  if (staleFrom !== undefined) {
    log.warn('world.leftovers', { stalePid: staleFrom })
    await stopLeftoverChain(paths.chainDir, log)
    await cleanupLeftovers(options.dir)
    await cleanupContentLeftovers(options.dir)
    await stopLeftoverIrcServer(join(options.dir, 'irc'), log)
    await removeWorldState(options.dir)
  }
  const stops: Array<() => Promise<void>> = []
  // The block producer stops first: tearing hosts down slows the chain's RPC, and a block mined
  // during teardown only failed with a warning.
  let stopProducer: (() => Promise<void>) | undefined
  const stopAll = async (): Promise<void> => {
    await stopProducer?.().catch((err: unknown) => log.error('world.stop_failed', { err }))
    for (const stop of stops.reverse()) {
      try {
        await stop()
      } catch (err) {
        log.error('world.stop_failed', { err })
      }
    }
    stops.length = 0
    await removeWorldState(options.dir)
    await releaseLock(options.dir, deps.pid)
  }
  try {
    const rng = createCryptoRng()
    const epochRealMs = deps.realNowMs()
    const clock = createScaledClock(
      { scale: options.timeScale, epochRealMs, epochWorldMs: epochRealMs },
      deps.realNowMs,
    )
    const network =
      options.providers > 0 ? await createHostNetwork({ stateDir: options.dir, log }) : undefined
    if (network !== undefined) stops.push(() => network.stop())

    const chain = await startChain({
      dir: paths.chainDir,
      log,
      ...(network === undefined
        ? {}
        : { extraRpcBind: [network.gatewayIp], extraRpcAllow: [network.subnetCidr] }),
    })
    stops.push(() => chain.stop())
    const producer = startBlockProducer(
      {
        clock,
        log,
        mineBlock: async () => {
          await chain.mine(1)
          deps.onBlock?.(await chain.rpc<number>('getblockcount'), clock.nowMs())
        },
      },
      { intervalWorldMs: Math.round(options.blockIntervalMin * 60_000) },
    )
    stops.push(() => producer.stop())
    stopProducer = () => producer.stop()

    // Postcards and error reports (issue 18): an SMTP sink and a GitHub-compatible tracker where
    // hosts reach them (the bridge's gateway, as the shops), on loopback in a chain-only world.
    const watchHost = network?.gatewayIp ?? '127.0.0.1'
    const mail = await startMailSink({
      host: watchHost,
      port: 0,
      dir: mailDir(options.dir),
      log,
      nowMs: deps.realNowMs,
    })
    stops.push(() => mail.stop())
    const trackerToken = bytesToHex(rng.bytes(20))
    const tracker = await startIssueTracker({
      host: watchHost,
      port: 0,
      dir: issuesDir(options.dir),
      token: trackerToken,
      log,
      nowMs: deps.realNowMs,
    })
    stops.push(() => tracker.stop())

    // The family's IRC server (issue 18): on loopback for tools, and on the bridge for the hosts.
    const irc = await startIrcServer({
      dir: join(options.dir, 'irc'),
      listen: network === undefined ? ['127.0.0.1'] : ['127.0.0.1', network.gatewayIp],
      log,
    })
    stops.push(() => irc.stop())

    const components = network === undefined ? undefined : await startHostedComponents()
    async function startHostedComponents() {
      if (network === undefined) throw new WorldError('WORLD_INVALID_OPTION', 'no host network', {})
      const content = await startContentNetwork({ index: network.index, stateDir: options.dir, log })
      stops.push(() => content.stop())
      const provisioner = createHostProvisioner(
        { network, log, contentBridge: content.bridge },
        { stateDir: options.dir },
      )
      stops.push(() => provisioner.destroyAll())
      const timing = {
        invoiceExpiryMs: Math.max(15 * 60_000, Math.round(options.timeScale * INVOICE_REAL_MS)),
        pollIntervalMs: Math.max(1_000, Math.round(options.timeScale * PROVIDER_POLL_REAL_MS)),
      }
      const providers = await startProviders(
        { chain, provisioner, clock, log, rng },
        {
          host: network.gatewayIp,
          count: options.providers,
          ...timing,
          ...(options.leaseDays === undefined ? {} : { monthMs: Math.round(options.leaseDays * 86_400_000) }),
        },
      )
      stops.push(() => providers.stop())
      const endpoint = await startVpnEndpoint({ provisioner, log, rng })
      stops.push(() => endpoint.stop())
      const vpn = await startVpnProvider(
        { chain, endpoint, clock, log, rng },
        { host: network.gatewayIp, pollIntervalMs: timing.pollIntervalMs },
      )
      stops.push(() => vpn.stop())
      const release = await startReleaseServer({
        repoDir: options.repoDir,
        host: network.gatewayIp,
        port: 0,
        dataDir: `${options.dir}/release`,
        log,
      })
      stops.push(() => release.stop())
      // whoami stands on the bridge's "Internet" address, so a host's VPN carries the request.
      const whoami = await startWhoami({ host: network.internetIp, port: 80 })
      stops.push(() => whoami.stop())
      return { provisioner, providers, endpoint, vpn, release, whoami, content }
    }

    const census = createFamilyCensus({
      readToken: hostTokenReader(() => components?.provisioner.list() ?? []),
    })
    const hostIps = (): string[] => components?.provisioner.list().map((h) => h.ip) ?? []
    /** The world's state once published (the buyers' config is written from it, after agents live). */
    const published: { state?: WorldState } = {}
    const allowanceSats = options.userAllowanceSats ?? 0n
    const buyers: UserFleetDeps['buyers'] =
      allowanceSats === 0n
        ? undefined
        : {
            configText: (walletPassword) => userConfigText(published.state, walletPassword),
            async fund(address, sats) {
              await chain.faucet(address, sats)
              await chain.mine(1)
            },
          }
    const users =
      components === undefined || (options.users ?? 0) === 0
        ? undefined
        : startUserFleet(
            {
              provisioner: components.provisioner,
              agents: () => census.poll(hostIps()),
              log,
              nowMs: deps.realNowMs,
              rng,
              ...(buyers === undefined ? {} : { buyers }),
            },
            {
              users: options.users ?? 0,
              freeRiderFraction: options.freeRiderFraction ?? 0,
              seed: options.usersSeed ?? bytesToHex(rng.bytes(8)),
              stateDir: options.dir,
              plebnetCommand: options.plebnetCommand ?? [],
              contentUrl: components.content.httpUrl,
              files: components.content.files,
              ratePerSecond: DEFAULT_USER_RATE_PER_SECOND,
              buying: {
                model: {
                  minSatPerMb: BUYER_DEFAULTS.minSatPerMb,
                  maxSatPerMb: BUYER_DEFAULTS.maxSatPerMb,
                  cheaterFraction: options.cheaterFraction ?? BUYER_DEFAULTS.cheaterFraction,
                },
                belowMb: BUYER_DEFAULTS.belowMb,
                bidMb: BUYER_DEFAULTS.bidMb,
                bidTimeoutS: BUYER_DEFAULTS.bidTimeoutS,
                allowanceSats,
                allowanceEveryMs: Math.max(1_000, Math.round(WORLD_MONTH_MS / options.timeScale)),
              },
            },
          )
    if (users !== undefined) stops.push(() => users.stop())
    const control = await startControlServer(async () => ({
      shops: components?.providers.providers.map((p) => p.info()) ?? [],
      apiProviders: components?.providers.apiProviders.map((p) => p.info()) ?? [],
      vpnProviders: components === undefined ? [] : [components.vpn.info()],
      hosts: components?.provisioner.list().map((h) => ({ id: h.id, hostname: h.hostname, ip: h.ip })) ?? [],
      release:
        components === undefined
          ? null
          : { url: components.release.url, tag: components.release.release.tag },
      whoamiUrl: components?.whoami.url ?? null,
      // Every agent the world has seen on its hosts, alive or dead (issue 8: `dolly world status --json`).
      agents: await census.poll(hostIps()),
      // The world's users and what they fetched (issue 16); empty without --users.
      users: users?.stats() ?? [],
    }))
    stops.push(() => control.stop())

    const state: WorldState = {
      version: 1,
      pid: deps.pid,
      startedAtRealMs: epochRealMs,
      timeScale: clock.timeScale,
      blockIntervalWorldMs: Math.round(options.blockIntervalMin * 60_000),
      chain: {
        rpcUrl: chain.rpcUrl,
        rpcUser: chain.rpcUser,
        rpcPassword: chain.rpcPassword,
        agentRpcUser: chain.agentRpcUser,
        agentRpcPassword: chain.agentRpcPassword,
        dataDir: chain.dataDir,
        pid: chain.pid,
      },
      controlUrl: control.url,
      mail: { host: mail.host, port: mail.port, dir: mailDir(options.dir) },
      issues: {
        url: tracker.url,
        owner: WORLD_ISSUES_OWNER,
        repo: WORLD_ISSUES_REPO,
        token: trackerToken,
        dir: issuesDir(options.dir),
      },
      irc: {
        host: network?.gatewayIp ?? irc.host,
        localHost: irc.host,
        port: irc.port,
        channel: irc.channel,
        pid: irc.pid,
      },
      providers:
        components === undefined
          ? []
          : [
              ...components.providers.providers.map((p) => ({
                name: p.name,
                kind: 'whmcs' as const,
                url: p.url,
              })),
              ...components.providers.apiProviders.map((p) => ({ name: p.name, kind: p.kind, url: p.url })),
              { name: components.vpn.name, kind: 'vpn' as const, url: components.vpn.url },
            ],
      ...(network === undefined
        ? {}
        : {
            network: {
              bridge: network.bridge,
              gatewayIp: network.gatewayIp,
              subnetCidr: network.subnetCidr,
              internetIp: network.internetIp,
              hostRpcUrl: `http://${network.gatewayIp}:${chain.rpcPort}/`,
            },
          }),
      ...(components === undefined
        ? {}
        : {
            content: {
              bridge: components.content.bridge,
              subnetCidr: components.content.subnetCidr,
              serverIp: components.content.serverIp,
              httpUrl: components.content.httpUrl,
              udpEcho: components.content.udpEcho,
              files: components.content.files.map((f) => ({ name: f.name, bytes: f.bytes })),
            },
          }),
    }
    await writeWorldState(options.dir, state)
    published.state = state
    log.info('world.up', { dir: options.dir, timeScale: options.timeScale, providers: options.providers })
    let stopped: Promise<void> | undefined
    return {
      state,
      clock,
      chain,
      provisioner: components?.provisioner,
      stop: () => (stopped ??= stopAll()),
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}
