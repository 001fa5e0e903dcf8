import { join } from 'node:path'
import { bytesToHex, createSeededRng, realSleep, type Logger, type Rng } from '@dolly/base'
import type { HostProvisioner, WorldHost } from '../../hosts/index.ts'
import type { ContentFile } from '../../content/files.ts'
import { bootstrapAddrs, type BootstrapAgent } from '../bootstrap.ts'
import {
  DEFAULT_HOP_WEIGHTS,
  DEFAULT_PARETO_ALPHA,
  chooseFreeRiders,
  planSchedule,
  type DemandOptions,
} from '../demand.ts'
import { planBuyers, type BuyerModelOptions, type BuyerProfile } from '../buyers.ts'
import { emptyStats, type UserStats } from '../stats.ts'
import { startUserDriver, type UserDriver } from './user-driver.ts'
import { setupUserWallet } from './user-wallet.ts'

/** Ports of {@link startUserFleet}. */
export interface UserFleetDeps {
  /** Creates the users' hosts (with `contentLink: false`). */
  readonly provisioner: HostProvisioner
  /** The agents the world knows now (its census). */
  readonly agents: () => Promise<readonly BootstrapAgent[]>
  readonly log: Logger
  /** Real Unix time (ms). */
  readonly nowMs: () => number
  /** Draws the user hosts' root passwords (nobody logs in; they must still not be guessable). */
  readonly rng: Rng
  /**
   * Turns a command into one that runs in a user host's network namespace; default `nsenter --net=`
   * the host's namespace (named after its id, hosts/naming.ts), with the machine's files, where node
   * and the repository are. Tests run users on loopback.
   */
  readonly inHostNet?: (host: WorldHost, argv: readonly string[]) => string[]
  /** What token buyers need (with `buying`): the world config of their homes and the faucet. */
  readonly buyers?: {
    /** The `plebnet_setup.cfg` of a buyer's home, with its wallet's passphrase. */
    configText(walletPassword: string): string
    /** Pays `sats` from the faucet to `address` (and mines it). */
    fund(address: string, sats: bigint): Promise<void>
  }
}

/** Options of {@link startUserFleet}. */
export interface UserFleetOptions {
  /** Number of users (1..50). */
  readonly users: number
  /** Share of users that are free riders (their proxy runs with `--no-pay`), in [0, 1]. */
  readonly freeRiderFraction: number
  /** Seed of the demand model (schedules and which users ride free). */
  readonly seed: string
  /** Where the users' proxy homes go (`<dir>/users/<name>`). */
  readonly stateDir: string
  /** How to run the plebnet CLI, e.g. `[node, <repo>/packages/plebnet/bin/plebnet.js]`. */
  readonly plebnetCommand: readonly string[]
  /** The content server's base URL and its files. */
  readonly contentUrl: string
  readonly files: readonly ContentFile[]
  /** Mean requests per real second of each user. */
  readonly ratePerSecond: number
  /** Alive agents the users wait for (default {@link MIN_AGENTS_FOR_USERS}). */
  readonly minAgents?: number
  /** Real ms before a user whose proxy did not start tries again (default {@link PROXY_RETRY_MS}). */
  readonly retryMs?: number
  /** Real ms a user's proxy may take to be ready (default {@link PROXY_START_TIMEOUT_MS}). */
  readonly proxyStartTimeoutMs?: number
  /** The proxies' base port P (SOCKS on P+1..P+3; default 1080, each user has a host of its own). */
  readonly basePort?: number
  /**
   * The paying users buy MB tokens with Bitcoin on the agents' market (issue 17, buyers.ts); absent:
   * nobody buys.
   */
  readonly buying?: {
    readonly model: BuyerModelOptions
    readonly belowMb: number
    readonly bidMb: number
    /** How long a bid stands, world s. */
    readonly bidTimeoutS: number
    /** Sats the faucet pays each buyer at its start and every `allowanceEveryMs`. */
    readonly allowanceSats: bigint
    /** Real ms between two allowances (a world month). */
    readonly allowanceEveryMs: number
  }
}

/** The world's users. */
export interface UserFleet {
  /** Each user's totals, in user order. */
  stats(): UserStats[]
  /** Stops every user's requests and proxy (their hosts go with the provisioner); idempotent. */
  stop(): Promise<void>
}

/** Most users a world runs: each is a host plus a proxy process. */
export const MAX_USERS = 50
/** Default mean requests per real second of a user: one every 30 s. */
export const DEFAULT_USER_RATE_PER_SECOND = 1 / 30
/** Default share of free riders. */
export const DEFAULT_FREE_RIDER_FRACTION = 0.33
/** Real ms between looks at the census while no agent is alive to bootstrap from. */
const AGENT_POLL_MS = 2_000
/** Real ms a user's proxy may take to be ready (it joins the overlay and builds circuits). */
export const PROXY_START_TIMEOUT_MS = 120_000
/**
 * Alive agents the users wait for: a proxy is ready only once it has a circuit of each hop count
 * 1–3, and a 3-hop circuit needs three distinct agents (one of them an exit). Started with fewer,
 * every proxy would give up with TUNNEL_NO_PATH while the family is still growing.
 */
export const MIN_AGENTS_FOR_USERS = 3
/** Real ms before a user whose proxy did not start (no path yet, say) tries again with fresh bootstrap. */
export const PROXY_RETRY_MS = 30_000
/** A schedule covers this much real time (ms), at most {@link MAX_SCHEDULED} requests. */
const SCHEDULE_HORIZON_MS = 7 * 86_400_000
const MAX_SCHEDULED = 100_000
/** The proxy's base port P (SOCKS on P+1..P+3), as `plebnet proxy` defaults. */
const PROXY_BASE_PORT = 1080
/** Requests a user runs at once at most. */
const MAX_IN_FLIGHT = 4

/**
 * Starts the world's users in the background: waits until the census shows `minAgents` agents alive
 * (enough for 3-hop circuits), creates one host per user without a link into the content network, and
 * starts each user's driver with the alive agents as bootstrap. A user whose proxy fails to start is
 * listed as `failed` with the reason and tries again every `retryMs` with the agents alive then, until
 * the fleet stops; a user whose host cannot be created stays `failed`.
 */
export function startUserFleet(deps: UserFleetDeps, options: UserFleetOptions): UserFleet {
  const log = deps.log.child({ component: 'users' })
  const rng = createSeededRng(options.seed)
  const freeRiders = chooseFreeRiders(rng, options.users, options.freeRiderFraction)
  const demand: DemandOptions = {
    files: options.files,
    ratePerSecond: options.ratePerSecond,
    paretoAlpha: DEFAULT_PARETO_ALPHA,
    hopWeights: DEFAULT_HOP_WEIGHTS,
  }
  const names = Array.from({ length: options.users }, (_, i) => `user${i + 1}`)
  const schedules = names.map(() => planSchedule(rng, demand, SCHEDULE_HORIZON_MS, MAX_SCHEDULED))
  const buying = deps.buyers === undefined ? undefined : options.buying
  const profiles: (BuyerProfile | undefined)[] =
    buying === undefined ? names.map(() => undefined) : planBuyers(rng, freeRiders, buying.model)
  const funded = names.map(() => 0n)
  const stats: UserStats[] = names.map((name, i) => emptyStats(name, '', freeRiders[i] === true))
  const drivers: (UserDriver | undefined)[] = names.map(() => undefined)
  const hosts: WorldHost[] = []
  const stopper = new AbortController()

  const minAgents = options.minAgents ?? MIN_AGENTS_FOR_USERS
  const inHostNet =
    deps.inHostNet ??
    ((host: WorldHost, argv: readonly string[]) => ['nsenter', `--net=/run/netns/${host.id}`, '--', ...argv])
  const aliveAgents = async (): Promise<string[]> => bootstrapAddrs(await deps.agents().catch(() => []))

  /**
   * A buyer's wallet and config in its home, funded now and every `allowanceEveryMs` by the faucet
   * until the fleet stops (a failed payment is logged and tried at the next allowance).
   */
  const startAllowance = async (
    name: string,
    i: number,
    homeDir: string,
    ports: NonNullable<UserFleetDeps['buyers']>,
    buy: NonNullable<UserFleetOptions['buying']>,
  ): Promise<{ readonly belowMb: number; readonly bidMb: number; readonly bidTimeoutS: number }> => {
    const { address } = await setupUserWallet({ rng: deps.rng }, homeDir, (pw) => ports.configText(pw))
    const pay = async (): Promise<void> => {
      try {
        await ports.fund(address, buy.allowanceSats)
        funded[i] = (funded[i] ?? 0n) + buy.allowanceSats
        log.info('users.allowance', { user: name, address, sats: buy.allowanceSats })
      } catch (err) {
        if (!stopper.signal.aborted) log.warn('users.allowance_failed', { user: name, error: err })
      }
    }
    await pay()
    void (async () => {
      while (!stopper.signal.aborted) {
        await realSleep(buy.allowanceEveryMs, { signal: stopper.signal }).catch(() => undefined)
        if (!stopper.signal.aborted) await pay()
      }
    })()
    return { belowMb: buy.belowMb, bidMb: buy.bidMb, bidTimeoutS: buy.bidTimeoutS }
  }

  /** One user: its host, then its proxy and requests; a proxy that does not start is tried again until stop. */
  const runUser = async (name: string, i: number, firstBootstrap: readonly string[]): Promise<void> => {
    const host = await deps.provisioner.create(
      { hostname: name, rootPassword: bytesToHex(deps.rng.bytes(16)), contentLink: false },
      { signal: stopper.signal },
    )
    hosts.push(host)
    stats[i] = { ...(stats[i] as UserStats), hostIp: host.ip, state: 'starting' }
    const homeDir = join(options.stateDir, 'users', name)
    const profile = profiles[i]
    const buyer =
      profile === undefined || buying === undefined || deps.buyers === undefined
        ? undefined
        : await startAllowance(name, i, homeDir, deps.buyers, buying)
    let bootstrap = firstBootstrap
    for (;;) {
      stopper.signal.throwIfAborted()
      try {
        drivers[i] = await startUserDriver(
          { inUserNet: (argv) => inHostNet(host, argv), log, nowMs: deps.nowMs },
          {
            name,
            hostIp: host.ip,
            homeDir,
            plebnetCommand: options.plebnetCommand,
            bootstrap,
            freeRider: freeRiders[i] === true,
            basePort: options.basePort ?? PROXY_BASE_PORT,
            contentUrl: options.contentUrl,
            schedule: schedules[i] ?? [],
            maxInFlight: MAX_IN_FLIGHT,
            proxyStartTimeoutMs: options.proxyStartTimeoutMs ?? PROXY_START_TIMEOUT_MS,
            signal: stopper.signal,
            refreshBootstrap: aliveAgents,
            ...(buyer === undefined || profile === undefined
              ? {}
              : {
                  buyer: {
                    profile,
                    belowMb: buyer.belowMb,
                    bidMb: buyer.bidMb,
                    bidTimeoutS: buyer.bidTimeoutS,
                    fundedSats: () => funded[i] ?? 0n,
                  },
                }),
          },
        )
        return
      } catch (err) {
        if (stopper.signal.aborted) throw err
        stats[i] = {
          ...(stats[i] as UserStats),
          state: 'failed',
          error: err instanceof Error ? err.message : String(err),
        }
        log.warn('users.proxy_retry', { user: name, inMs: options.retryMs ?? PROXY_RETRY_MS, error: err })
        await realSleep(options.retryMs ?? PROXY_RETRY_MS, { signal: stopper.signal })
        const fresh = await aliveAgents()
        if (fresh.length > 0) bootstrap = fresh
      }
    }
  }

  const run = async (): Promise<void> => {
    let bootstrap: string[] = []
    while (bootstrap.length < minAgents) {
      bootstrap = await aliveAgents()
      if (bootstrap.length < minAgents) await realSleep(AGENT_POLL_MS, { signal: stopper.signal })
    }
    log.info('users.bootstrap', { agents: bootstrap.length })
    await Promise.all(
      names.map(async (name, i) => {
        try {
          await runUser(name, i, bootstrap)
        } catch (err) {
          if (stopper.signal.aborted) return
          stats[i] = {
            ...(stats[i] as UserStats),
            state: 'failed',
            error: err instanceof Error ? err.message : String(err),
          }
          log.warn('users.start_failed', { user: name, error: err })
        }
      }),
    )
  }
  const running = run().catch((err: unknown) => {
    if (!stopper.signal.aborted) log.error('users.failed', { error: err })
  })

  let stopping: Promise<void> | undefined
  return {
    stats: () => names.map((_, i) => drivers[i]?.stats() ?? (stats[i] as UserStats)),
    stop: () =>
      (stopping ??= (async () => {
        stopper.abort()
        await running
        await Promise.allSettled(drivers.map((d) => d?.stop()))
        await Promise.allSettled(hosts.map((h) => h.destroy()))
      })()),
  }
}
