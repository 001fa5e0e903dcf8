import { spawn } from 'node:child_process'
import { openSync, closeSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { InvalidArgumentError, Option } from 'commander'
import {
  createCryptoRng,
  createPinoLogger,
  createScaledClock,
  emit,
  formatBtc,
  parseBtc,
  realSleep,
  type CliIo,
  type LogLevel,
} from '@dolly/base'
import { coinsToSats, createCoreRpc, type CoreRpcCall } from '../chain/adapters/core-rpc.ts'
import { FAUCET_WALLET, isAlive, stopLeftoverChain } from '../chain/adapters/litecoind.ts'
import { WorldError } from '../errors.ts'
import {
  readLock,
  readWorldState,
  writeWorldState,
  releaseLock,
  removeWorldState,
  worldPaths,
} from '../runtime/adapters/world-dir.ts'
import {
  DEFAULT_BLOCK_INTERVAL_MIN,
  DEFAULT_LEASE_DAYS,
  DEFAULT_PROVIDERS,
  DEFAULT_TIME_SCALE,
  startWorld,
} from '../runtime/world.ts'
import { cleanupLeftovers } from '../hosts/index.ts'
import { cleanupContentLeftovers } from '../content/adapters/content-network.ts'
import { stopLeftoverIrcServer } from '../irc/adapters/ngircd.ts'
import { DEFAULT_FREE_RIDER_FRACTION, MAX_USERS } from '../users/adapters/user-fleet.ts'
import type { UserStats } from '../users/stats.ts'
import {
  renderAgentMarket,
  renderAgentTraffic,
  renderAudit,
  renderLoop,
  renderMarketSummary,
  renderUser,
  renderUsersTotal,
  summarizeMarket,
  type WorldMarketSummary,
} from './traffic.ts'
import type { WorldState } from '../runtime/world-state.ts'
import type { FamilyAgent } from '../genesis/family.ts'
import { readWorldVisionUrl, startWorldVision, visionPort, worldIrcAddress } from './vision.ts'
import {
  DEFAULT_GENESIS_FUND,
  genesisInWorld,
  type GenesisInWorldOptions,
  type GenesisResult,
} from '../genesis/adapters/genesis.ts'
import { GenesisError } from '../genesis/errors.ts'
import { registerWatchCommands } from './watch.ts'
import { readMailbox } from '../mail/adapters/mail-sink.ts'
import { readIssues } from '../issues/adapters/issue-tracker.ts'
import type { WorldCliEnv } from './env.ts'

export type { WorldCliEnv } from './env.ts'

/** How long `up --detach` waits for the world to come up, and `down` for it to stop (real ms). */
const DETACH_TIMEOUT_MS = 180_000
const DOWN_TIMEOUT_MS = 90_000
/** How long `up --detach --genesis` then waits for the genesis agent to answer (its install over SSH). */
const GENESIS_TIMEOUT_MS = 600_000

const CHAIN_NOTE =
  'The chain is litecoind in regtest mode: Bitcoin Core 0.21 code with Litecoin parameters, standing in for ' +
  'Bitcoin (addresses look like rltc1…). Its coins are worthless and exist only on this machine.'

export function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`)
    return n
  }
}

/** The flags of `dolly world up`. */
interface UpFlags {
  timeScale: number
  blockInterval: number
  providers: number
  leaseDays: number
  genesis?: boolean
  fund: string
  detach?: boolean
  logLevel: LogLevel
  json?: boolean
  users: number
  freeRiders: number
  usersSeed?: string
  userAllowance: string
  cheaters: number
  vision?: boolean
  visionPort: string
}

/** Users `dolly world up` starts by default (issue 16): a few, so a demo shows traffic without loading the machine. */
const DEFAULT_USERS = 3
/**
 * Coins the faucet pays each paying user at its start and every world month to buy MB tokens from
 * the agents (issue 17): the demand that keeps a family alive (users/buyers.ts).
 */
const DEFAULT_USER_ALLOWANCE = '0.0005'
/** Share of the buying users that cheat (users/buyers.ts). */
const DEFAULT_CHEATERS = 0.2

/**
 * Installs the funded genesis agent in the world this process runs (`world up --genesis`, `world
 * genesis`), announcing it unless `quiet`.
 */
export async function installGenesis(
  io: CliIo,
  env: WorldCliEnv,
  world: Parameters<typeof genesisInWorld>[0],
  options: Omit<GenesisInWorldOptions, 'rng' | 'repoDir'> & { readonly quiet?: boolean },
): Promise<GenesisResult> {
  if (options.quiet !== true)
    io.out(`genesis: installing the first agent and funding it with ${formatBtc(options.fundSats)} coins…`)
  return genesisInWorld(world, { ...options, rng: createCryptoRng(), repoDir: env.repoDir })
}

/** Registers `dolly world up | down | status | faucet`. */
export function registerWorldCommands(program: Command, io: CliIo, env: WorldCliEnv): void {
  const world = program
    .command('world')
    .description('run the local world that stands in for the Internet (chain, faucet, later shops and hosts)')
    .addHelpText('after', `\n${CHAIN_NOTE}`)
    .addOption(new Option('--dir <dir>', 'world directory').default(env.defaultWorldDir))
  const dirOf = (cmd: Command): string => resolve(String(cmd.optsWithGlobals()['dir']))

  world
    .command('up')
    .description(
      'start the world (chain, block producer, faucet) and run until Ctrl-C, or in the background with --detach',
    )
    .addOption(
      new Option('--time-scale <n>', 'world seconds per real second')
        .default(DEFAULT_TIME_SCALE)
        .argParser(positiveNumber('--time-scale')),
    )
    .addOption(
      new Option('--block-interval <min>', 'world minutes between blocks')
        .default(DEFAULT_BLOCK_INTERVAL_MIN)
        .argParser(positiveNumber('--block-interval')),
    )
    .addOption(
      new Option('--providers <n>', 'provider shops to start, 0-4 (0: chain only, no root needed)')
        .default(DEFAULT_PROVIDERS)
        .argParser((v: string) => {
          const n = Number(v)
          if (!Number.isInteger(n) || n < 0 || n > 4)
            throw new InvalidArgumentError('--providers must be a whole number from 0 to 4')
          return n
        }),
    )
    .addOption(
      new Option('--lease-days <days>', "world days a shop's server is leased for (a billing month)")
        .default(DEFAULT_LEASE_DAYS)
        .argParser(positiveNumber('--lease-days')),
    )
    .option('--genesis', 'also install the genesis agent, funded by the faucet (needs --providers ≥ 1)')
    .addOption(
      new Option('--fund <btc>', 'with --genesis: bootstrap coins the faucet pays the genesis agent')
        .default(DEFAULT_GENESIS_FUND)
        .argParser((v: string) => {
          try {
            if (parseBtc(v) <= 0n) throw new Error('not positive')
          } catch {
            throw new InvalidArgumentError('--fund must be a positive amount of coins, e.g. 0.001')
          }
          return v
        }),
    )
    .addOption(
      new Option(
        '--users <n>',
        `world users fetching content through plebnet proxy once an agent is alive, 0-${MAX_USERS} (0: none; needs --providers ≥ 1)`,
      )
        .default(DEFAULT_USERS)
        .argParser((v: string) => {
          const n = Number(v)
          if (!Number.isInteger(n) || n < 0 || n > MAX_USERS)
            throw new InvalidArgumentError(`--users must be a whole number from 0 to ${MAX_USERS}`)
          return n
        }),
    )
    .addOption(
      new Option(
        '--free-riders <fraction>',
        "share of the users whose proxy does not pay ('--no-pay', a test knob)",
      )
        .default(DEFAULT_FREE_RIDER_FRACTION)
        .argParser((v: string) => {
          const n = Number(v)
          if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
            throw new InvalidArgumentError('--free-riders must be a fraction from 0 to 1')
          return n
        }),
    )
    .addOption(
      new Option(
        '--user-allowance <coins>',
        "coins the faucet pays each paying user at its start and every world month to buy MB tokens on the agents' market (0: users do not buy)",
      )
        .default(DEFAULT_USER_ALLOWANCE)
        .argParser((v: string) => {
          try {
            parseBtc(v)
          } catch {
            throw new InvalidArgumentError('--user-allowance must be an amount of coins, e.g. 0.0002')
          }
          return v
        }),
    )
    .addOption(
      new Option(
        '--cheaters <fraction>',
        'share of the buying users that cheat: never pay, or stop paying mid-trade (a world knob)',
      )
        .default(DEFAULT_CHEATERS)
        .argParser((v: string) => {
          const n = Number(v)
          if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
            throw new InvalidArgumentError('--cheaters must be a fraction from 0 to 1')
          return n
        }),
    )
    .option(
      '--users-seed <seed>',
      "seed of the users' demand model (schedules, free riders); random by default",
    )
    .option('--detach', 'start in the background and return once the world is up (and genesis installed)')
    .option('--vision', "also serve Vision (family tree and charts, fed by the world's IRC) on --vision-port")
    .option('--vision-port <port>', 'port of Vision with --vision', '5500')
    .addOption(
      new Option('--log-level <level>', 'log level of the JSON log on stderr')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('warn'),
    )
    .option('--json', 'print the world status as JSON once it is up')
    .addHelpText(
      'after',
      `\n${CHAIN_NOTE}\nA second 'up' on a directory whose world runs is refused; 'up' after a crash cleans up first.`,
    )
    .action(async (opts: UpFlags, cmd: Command) => {
      const dir = dirOf(cmd)
      if (opts.genesis === true && opts.providers < 1)
        throw new WorldError(
          'WORLD_INVALID_OPTION',
          '--genesis needs a world with shops and hosts: --providers 1 to 4',
          { providers: opts.providers },
        )
      if (opts.vision === true) visionPort(opts.visionPort)
      if (opts.detach === true) {
        await upDetached(io, env, dir, opts)
        return
      }
      const log = createPinoLogger(
        { clock: { nowMs: env.realNowMs, sleep: realSleep } },
        { level: opts.logLevel },
      )
      const json = opts.json === true
      if (!json)
        io.out(
          `world: starting in ${dir} (time scale ${opts.timeScale}×, a block every ${opts.blockInterval} world minutes)…`,
        )
      // Signals are handled from the first moment: a Ctrl-C during start-up stops what has started.
      const { promise: stopped, resolve: onStopped } = Promise.withResolvers<void>()
      const running: { handle?: Awaited<ReturnType<typeof startWorld>> } = {}
      let stopRequested = false
      // Ends the genesis host's lease timer when the world stops (the world destroys its hosts itself).
      const lifetime = new AbortController()
      const shutdown = (why: string): void => {
        if (stopRequested) return
        stopRequested = true
        lifetime.abort()
        if (!json) io.out(`world: ${why}, stopping…`)
        if (running.handle !== undefined) void running.handle.stop().then(onStopped)
      }
      process.on('SIGINT', () => shutdown('SIGINT received'))
      process.on('SIGTERM', () => shutdown('SIGTERM received'))
      const handle = await startWorld(
        {
          log,
          realNowMs: env.realNowMs,
          pid: env.pid,
          ...(json
            ? {}
            : {
                onBlock: (height: number, worldMs: number) =>
                  io.out(`world: block ${height} at world time ${new Date(worldMs).toISOString()}`),
              }),
        },
        {
          dir,
          timeScale: opts.timeScale,
          blockIntervalMin: opts.blockInterval,
          providers: opts.providers,
          repoDir: env.repoDir,
          leaseDays: opts.leaseDays,
          users: opts.users,
          freeRiderFraction: opts.freeRiders,
          userAllowanceSats: parseBtc(opts.userAllowance),
          cheaterFraction: opts.cheaters,
          plebnetCommand: [env.selfCommand[0], resolve(env.repoDir, 'packages/plebnet/bin/plebnet.js')],
          ...(opts.usersSeed === undefined ? {} : { usersSeed: opts.usersSeed }),
        },
      )
      running.handle = handle
      if (stopRequested) {
        await handle.stop()
        onStopped()
      } else {
        const status = await collectStatus(dir, env)
        emit(
          io,
          json,
          status,
          () =>
            `${renderStatus(status)}\n\nworld: up. Press Ctrl-C to stop (or run 'dolly world down --dir ${dir}').`,
        )
      }
      // Vision (issue 18) watches the world's IRC; a Vision that cannot start stops the world.
      let vision: Awaited<ReturnType<typeof startWorldVision>> | undefined
      let visionFailure: unknown
      if (opts.vision === true && !stopRequested) {
        const irc = worldIrcAddress(handle.state)
        try {
          vision = await startWorldVision({ dir, irc, port: visionPort(opts.visionPort), logger: log })
          const url = vision.url
          emit(io, json, { vision: { url, tracker: irc ?? null } }, () =>
            irc === undefined
              ? `world: Vision at ${url} (this world runs no IRC server: no tracker)`
              : `world: Vision at ${url} (tracker on ${irc.host}:${irc.port})`,
          )
        } catch (err) {
          visionFailure = err
          shutdown('Vision failed to start')
        }
      }
      let genesisFailure: unknown
      if (opts.genesis === true && !stopRequested) {
        try {
          const genesis = await installGenesis(io, env, handle, {
            worldDir: dir,
            log,
            fundSats: parseBtc(opts.fund),
            leaseDays: opts.leaseDays,
            signal: lifetime.signal,
            quiet: json,
          })
          // Published for `up --detach`, which returns once genesis is installed and funded.
          if (!stopRequested)
            await writeWorldState(dir, {
              ...handle.state,
              genesis: {
                tree: genesis.tree,
                hostIp: genesis.host.ip,
                address: genesis.address,
                fundTxid: genesis.fundTxid,
              },
            })
          emit(
            io,
            json,
            { genesis: { tree: genesis.tree, hostIp: genesis.host.ip, fundTxid: genesis.fundTxid } },
            () => `genesis: ${genesis.tree} lives on ${genesis.host.ip} (funded ${genesis.fundTxid}).`,
          )
        } catch (err) {
          // A Ctrl-C during the install destroys the host under it: that is a stop, not a failure.
          if (!stopRequested) {
            genesisFailure = err
            shutdown('genesis failed')
          }
        }
      }
      await stopped
      await vision?.close()
      if (!json) io.out('world: stopped; no process, lock or port left behind.')
      if (genesisFailure !== undefined) throw genesisFailure
      if (visionFailure !== undefined) throw visionFailure
    })

  world
    .command('down')
    .description('stop the world in --dir and remove what it started')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const dir = dirOf(cmd)
      const result = await downWorld(dir)
      emit(io, opts.json, result, () =>
        result.stopped
          ? `world: stopped the world in ${dir} (pid ${result.pid})`
          : `world: no world was running in ${dir}${result.cleaned ? '; cleaned up leftovers' : ''}`,
      )
    })

  world
    .command('status')
    .description('show chain height, time scale, world time, faucet balance and recent faucet payments')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const status = await collectStatus(dirOf(cmd), env)
      emit(io, opts.json, status, () => renderStatus(status))
    })

  world
    .command('loop')
    .description(
      "trace the loop on the chain: the users' market payments for MB tokens, and the agents' payments to providers they funded",
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const dir = dirOf(cmd)
      const { rpc } = await connect(dir)
      const { readdir } = await import('node:fs/promises')
      const names = (await readdir(join(dir, 'users')).catch(() => [])).sort()
      const { traceLoop } = await import('../users/adapters/loop-trace.ts')
      const trace = await traceLoop(
        rpc,
        names.map((name) => ({ name, home: join(dir, 'users', name) })),
      )
      emit(io, opts.json, trace, () => renderLoop(trace))
    })

  world
    .command('audit')
    .description(
      "audit every trade in the world: each user's and each live agent's journal against its ledger, wallet and the chain (plebnet market audit), then the two sides of each trade against each other; exit 1 on a mismatch",
    )
    .option(
      '--json',
      'machine-readable output (on a mismatch: the error document, the audit in details.audit)',
    )
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const dir = dirOf(cmd)
      await connect(dir) // WORLD_NOT_RUNNING before any home is read: the audit needs the chain
      const { auditWorldTrades } = await import('../users/adapters/trade-audit.ts')
      // The homes' configs name the world's chain in their [world] section: no environment needed.
      const audit = await auditWorldTrades(dir, {})
      if (audit.problems.length === 0 || opts.json !== true)
        emit(io, opts.json, audit, () => renderAudit(audit))
      if (audit.problems.length > 0)
        throw new WorldError(
          'WORLD_AUDIT_MISMATCH',
          `${audit.problems.length} problems in the world's trades`,
          opts.json === true ? { audit } : { problems: audit.problems.length },
        )
    })

  world
    .command('faucet')
    .description(
      'pay <amount> coins (a decimal like 0.5, at most 8 decimals) from the faucet to <address>; prints the txid',
    )
    .argument('<address>', 'an address of the world chain (rltc1…)')
    .argument('<amount>', 'amount in coins, e.g. 1 or 0.00041')
    .option('--json', 'machine-readable output')
    .action(async (address: string, amount: string, opts: { json?: boolean }, cmd: Command) => {
      const amountSats = parseBtc(amount)
      if (amountSats <= 0n)
        throw new WorldError('WORLD_INVALID_OPTION', `amount must be above zero, got ${amount}`, { amount })
      const { rpc } = await connect(dirOf(cmd))
      const check = await rpc<{ isvalid: boolean }>('validateaddress', [address])
      if (!check.isvalid) {
        throw new WorldError(
          'WORLD_INVALID_ADDRESS',
          `${JSON.stringify(address)} is not an address of the world chain (expected rltc1…, bcrt-style addresses of other chains are refused)`,
          {
            address,
          },
        )
      }
      const balanceSats = coinsToSats(await rpc<number>('getbalance', ['*', 1], { wallet: FAUCET_WALLET }))
      if (balanceSats < amountSats) {
        throw new WorldError(
          'WORLD_FAUCET_EMPTY',
          `the faucet holds ${formatBtc(balanceSats)}, less than ${formatBtc(amountSats)}`,
          { balanceSats, amountSats },
        )
      }
      const txid = await rpc<string>('sendtoaddress', [address, formatBtc(amountSats)], {
        wallet: FAUCET_WALLET,
      })
      emit(io, opts.json, { txid, address, amountSats }, () => txid)
    })

  registerWatchCommands(world, io, dirOf)
}

/** The running world of `dir`: its state and an admin RPC to its chain (WORLD_NOT_RUNNING otherwise). */
export async function connect(dir: string): Promise<{ state: WorldState; rpc: CoreRpcCall }> {
  const holder = await readLock(dir)
  const state = holder.kind === 'live' ? await readWorldState(dir) : undefined
  if (state === undefined) {
    throw new WorldError(
      'WORLD_NOT_RUNNING',
      `no world is running in ${dir}; start one with 'dolly world up --dir ${dir}' (or --detach)`,
      { dir },
    )
  }
  return {
    state,
    rpc: createCoreRpc({
      url: state.chain.rpcUrl,
      user: state.chain.rpcUser,
      password: state.chain.rpcPassword,
    }),
  }
}

/** The status report of `dolly world status`. */
interface WorldStatus {
  readonly running: boolean
  readonly dir: string
  readonly pid?: number
  readonly chain?: {
    readonly height: number
    readonly rpcUrl: string
    readonly bestBlockHash: string
    readonly network: string
  }
  readonly timeScale?: number
  readonly worldTime?: string
  readonly blockIntervalWorldMinutes?: number
  readonly faucet?: { readonly balanceSats: bigint; readonly payments: readonly FaucetPayment[] }
  /** The hosts' bridge and what agents inside hosts use to reach the chain. */
  readonly network?: WorldState['network']
  /** The content network agents exit to (issue 16). */
  readonly content?: WorldState['content']
  /** The world's IRC server and the family channel (issue 18). */
  readonly irc?: WorldState['irc']
  /** Shops, API and VPN providers, hosts, release server, whoami, as the world process reports them. */
  readonly components?: WorldComponents
  /** The token market over the agents' `market` blocks (issue 17); absent when no agent runs one. */
  readonly market?: WorldMarketSummary
  /** Where the world's Vision serves (`up --vision`). */
  readonly vision?: { readonly url: string }
  /** Postcards in the world's mail sink and error reports in its issue tracker (issue 18). */
  readonly watch?: {
    readonly smtp: string
    readonly postcards: number
    readonly issuesUrl: string
    readonly issues: number
  }
}

/** What the world process's control endpoint reports. */
export interface WorldComponents {
  /** The family: every agent seen on the world's hosts (absent from worlds older than issue 8). */
  readonly agents?: readonly FamilyAgent[]
  readonly shops: ReadonlyArray<{
    name: string
    url: string
    gatewayUrl: string
    template: string
    gateway: string
    quirks: readonly string[]
    hosts: ReadonlyArray<{ serviceId: number; ip: string; status: string; leaseEndMs: number | null }>
  }>
  readonly apiProviders: ReadonlyArray<{
    name: string
    kind: string
    url: string
    hosts: ReadonlyArray<{ id: string; ip: string; expiresMs: number | null }>
  }>
  readonly vpnProviders: ReadonlyArray<{
    name: string
    url: string
    endpoint: string
    accounts: readonly unknown[]
  }>
  readonly hosts: ReadonlyArray<{ id: string; hostname: string; ip: string }>
  readonly release: { url: string; tag: string } | null
  readonly whoamiUrl: string | null
  /** The world's users (issue 16; absent from older worlds). */
  readonly users?: readonly UserStats[]
}

interface FaucetPayment {
  readonly txid: string
  readonly address: string
  readonly amountSats: bigint
  readonly feeSats: bigint
  readonly confirmations: number
}

async function collectStatus(dir: string, env: WorldCliEnv): Promise<WorldStatus> {
  const holder = await readLock(dir)
  if (holder.kind !== 'live') return { running: false, dir }
  const { state, rpc } = await connect(dir)
  const info = await rpc<{ blocks: number; bestblockhash: string; chain: string }>('getblockchaininfo')
  const balanceSats = coinsToSats(await rpc<number>('getbalance', ['*', 1], { wallet: FAUCET_WALLET }))
  const payments = await recentFaucetPayments(rpc, 10)
  const clock = createScaledClock(state.timeScale, env.realNowMs)
  const components = await readComponents(state.controlUrl)
  const market = summarizeMarket(components.agents ?? [])
  const visionUrl = await readWorldVisionUrl(dir)
  const watch =
    state.mail === undefined || state.issues === undefined
      ? undefined
      : {
          smtp: `${state.mail.host}:${state.mail.port}`,
          postcards: (await readMailbox(state.mail.dir)).length,
          issuesUrl: `${state.issues.url}/repos/${state.issues.owner}/${state.issues.repo}/issues`,
          issues: (await readIssues(state.issues.dir)).length,
        }
  return {
    running: true,
    dir,
    pid: state.pid,
    chain: {
      height: info.blocks,
      rpcUrl: state.chain.rpcUrl,
      bestBlockHash: info.bestblockhash,
      network: `litecoin-${info.chain}`,
    },
    timeScale: state.timeScale.scale,
    worldTime: new Date(clock.nowMs()).toISOString(),
    blockIntervalWorldMinutes: state.blockIntervalWorldMs / 60_000,
    faucet: { balanceSats, payments },
    ...(state.network === undefined ? {} : { network: state.network }),
    ...(state.content === undefined ? {} : { content: state.content }),
    ...(state.irc === undefined ? {} : { irc: state.irc }),
    components,
    ...(market === undefined ? {} : { market }),
    ...(visionUrl === undefined ? {} : { vision: { url: visionUrl } }),
    ...(watch === undefined ? {} : { watch }),
  }
}

/** Pages backwards through the faucet wallet (mined coinbases crowd it) for its latest payments. */
async function recentFaucetPayments(rpc: CoreRpcCall, wanted: number): Promise<FaucetPayment[]> {
  const PAGE = 200
  const MAX_PAGES = 20
  const found: FaucetPayment[] = []
  for (let page = 0; page < MAX_PAGES && found.length < wanted; page++) {
    const txs = await rpc<
      Array<{
        category: string
        txid: string
        address?: string
        amount: number
        fee?: number
        confirmations: number
      }>
    >('listtransactions', ['*', PAGE, page * PAGE, true], { wallet: FAUCET_WALLET })
    for (const t of [...txs].reverse()) {
      if (t.category !== 'send' || t.address === undefined || t.address.startsWith('tmweb')) continue
      found.push({
        txid: t.txid,
        address: t.address,
        amountSats: -coinsToSats(t.amount),
        feeSats: t.fee === undefined ? 0n : -coinsToSats(t.fee),
        confirmations: t.confirmations,
      })
      if (found.length === wanted) break
    }
    if (txs.length < PAGE) break
  }
  return found
}

/**
 * Real ms `dolly world status` waits for the world's control endpoint. It polls every agent (each
 * gets 5 s) and reads new agents' status tokens from their hosts; a world of a dozen daemons on two
 * cores took 50 s to answer.
 */
const CONTROL_TIMEOUT_MS = 60_000

/** The running world's components, from its control endpoint. */
export async function readComponents(controlUrl: string): Promise<WorldComponents> {
  let response: Response
  try {
    response = await fetch(new URL('status', controlUrl), { signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS) })
  } catch (err) {
    throw new WorldError(
      'WORLD_NOT_RUNNING',
      `the world's control endpoint ${controlUrl} did not answer`,
      { controlUrl },
      { cause: err },
    )
  }
  return (await response.json()) as WorldComponents
}

function isoOrDash(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString()
}

function renderStatus(s: WorldStatus): string {
  if (!s.running || s.chain === undefined || s.faucet === undefined) return `world: not running in ${s.dir}`
  const lines = [
    `world: running in ${s.dir} (pid ${s.pid})`,
    `  chain        ${s.chain.network}, height ${s.chain.height}, RPC ${s.chain.rpcUrl}`,
    `  time         ${s.worldTime} (scale ${s.timeScale}×, a block every ${s.blockIntervalWorldMinutes} world minutes)`,
    `  faucet       ${formatBtc(s.faucet.balanceSats)} coins`,
    ...(s.vision === undefined ? [] : [`  vision       ${s.vision.url}`]),
  ]
  if (s.network !== undefined) {
    lines.push(
      `  network      bridge ${s.network.bridge}, hosts ${s.network.subnetCidr}, chain RPC for hosts ${s.network.hostRpcUrl}`,
    )
  }
  if (s.content !== undefined) {
    lines.push(
      `  content      ${s.content.subnetCidr} (exits only): files ${s.content.httpUrl}, UDP echo ${s.content.udpEcho}`,
    )
  }
  if (s.irc !== undefined) {
    lines.push(
      `  irc          ${s.irc.localHost}:${s.irc.port} ${s.irc.channel} (hosts: ${s.irc.host}:${s.irc.port}; ngircd pid ${s.irc.pid})`,
    )
  }
  if (s.watch !== undefined) {
    lines.push(
      `  mail         ${s.watch.smtp}: ${s.watch.postcards} postcard(s) (dolly world mail)`,
      `  issues       ${s.watch.issuesUrl}: ${s.watch.issues} error report(s) (dolly world issues)`,
    )
  }
  const c = s.components
  if (c !== undefined) {
    for (const shop of c.shops) {
      lines.push(
        `  shop         ${shop.name.padEnd(10)} ${shop.url}  (${shop.template}, ${shop.gateway}; quirks: ${shop.quirks.join(', ') || 'none'})`,
      )
      for (const h of shop.hosts)
        lines.push(
          `                 service ${h.serviceId}: ${h.ip} ${h.status}, lease ends ${isoOrDash(h.leaseEndMs)}`,
        )
    }
    for (const api of c.apiProviders) {
      lines.push(`  api          ${api.name.padEnd(10)} ${api.url}`)
      for (const h of api.hosts)
        lines.push(`                 server ${h.id}: ${h.ip}, expires ${isoOrDash(h.expiresMs)}`)
    }
    for (const vpn of c.vpnProviders)
      lines.push(
        `  vpn          ${vpn.name.padEnd(10)} ${vpn.url}  (WireGuard endpoint ${vpn.endpoint}, ${vpn.accounts.length} accounts)`,
      )
    if (c.release !== null) lines.push(`  release      ${c.release.url} (${c.release.tag})`)
    if (c.whoamiUrl !== null) lines.push(`  whoami       ${c.whoamiUrl}`)
    for (const a of c.agents ?? []) {
      lines.push(
        `  agent        ${a.tree.padEnd(14)} ${a.hostIp.padEnd(12)} ${(a.provider ?? '?').padEnd(10)} ${a.alive ? 'alive' : 'dead '} ${a.balanceSats ?? '-'} sats`,
      )
      // What it relayed and exited for the users, and what it earned (issue 16); --json has the block.
      if (a.tunnels !== undefined) lines.push(`                 tunnels ${renderAgentTraffic(a.tunnels)}`)
      // Its orders and settled trades (issue 17); --json has the block.
      if (a.market !== undefined) lines.push(`                 market  ${renderAgentMarket(a.market)}`)
    }
    if (s.market !== undefined) lines.push(`  market       ${renderMarketSummary(s.market)}`)
    const users = c.users ?? []
    if (users.length > 0) lines.push(`  users        ${renderUsersTotal(users)}`)
    for (const u of users) lines.push(`  user         ${renderUser(u)}`)
    lines.push(
      `  hosts        ${c.hosts.length === 0 ? 'none' : c.hosts.map((h) => `${h.hostname} ${h.ip}`).join(', ')}`,
    )
  }
  if (s.faucet.payments.length > 0) {
    lines.push('  payments')
    for (const p of s.faucet.payments) {
      lines.push(
        `    ${p.txid}  ${formatBtc(p.amountSats)} → ${p.address}  ${p.confirmations > 0 ? `${p.confirmations} conf.` : 'unconfirmed'}`,
      )
    }
  }
  return lines.join('\n')
}

async function downWorld(dir: string): Promise<{ stopped: boolean; pid?: number; cleaned: boolean }> {
  const holder = await readLock(dir)
  if (holder.kind === 'live') {
    process.kill(holder.pid, 'SIGTERM')
    for (let waitedMs = 0; isAlive(holder.pid) && waitedMs < DOWN_TIMEOUT_MS; waitedMs += 100)
      await realSleep(100)
    if (isAlive(holder.pid)) process.kill(holder.pid, 'SIGKILL')
    const cleaned = await stopLeftoverChain(worldPaths(dir).chainDir)
    await cleanupLeftovers(dir)
    await cleanupContentLeftovers(dir)
    await stopLeftoverIrcServer(join(dir, 'irc'))
    await removeWorldState(dir)
    await releaseLock(dir, holder.pid)
    return { stopped: true, pid: holder.pid, cleaned }
  }
  const cleaned = await stopLeftoverChain(worldPaths(dir).chainDir)
  await cleanupLeftovers(dir)
  await cleanupContentLeftovers(dir)
  const ircCleaned = await stopLeftoverIrcServer(join(dir, 'irc'))
  await removeWorldState(dir)
  if (holder.kind === 'stale') await releaseLock(dir, holder.pid)
  return { stopped: false, cleaned: cleaned || ircCleaned || holder.kind === 'stale' }
}

async function upDetached(io: CliIo, env: WorldCliEnv, dir: string, opts: UpFlags): Promise<void> {
  const holder = await readLock(dir)
  if (holder.kind === 'live') {
    throw new WorldError(
      'WORLD_ALREADY_RUNNING',
      `a world is already running in ${dir} (pid ${holder.pid}); stop it with 'dolly world down --dir ${dir}'`,
      {
        dir,
        pid: holder.pid,
      },
    )
  }
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const logFile = worldPaths(dir).log
  const fd = openSync(logFile, 'a', 0o600)
  const args = [
    env.selfCommand[1],
    'world',
    '--dir',
    dir,
    'up',
    '--time-scale',
    String(opts.timeScale),
    '--block-interval',
    String(opts.blockInterval),
    '--providers',
    String(opts.providers),
    '--lease-days',
    String(opts.leaseDays),
    '--log-level',
    opts.logLevel,
    '--users',
    String(opts.users),
    '--free-riders',
    String(opts.freeRiders),
    '--user-allowance',
    opts.userAllowance,
    '--cheaters',
    String(opts.cheaters),
    ...(opts.usersSeed === undefined ? [] : ['--users-seed', opts.usersSeed]),
    ...(opts.genesis === true ? ['--genesis', '--fund', opts.fund] : []),
    ...(opts.vision === true ? ['--vision', '--vision-port', opts.visionPort] : []),
  ]
  const child = spawn(env.selfCommand[0], args, { detached: true, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  let exitCode: number | null | undefined
  child.once('exit', (code) => {
    exitCode = code
  })
  child.unref()
  const exited = async (during: 'start-up' | 'genesis'): Promise<Error | undefined> => {
    if (exitCode === undefined) return undefined
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n')
    const message = `the world exited during ${during} (exit code ${exitCode}); last lines of ${logFile}:\n${tail}`
    return during === 'genesis'
      ? new GenesisError('WORLD_GENESIS_FAILED', message, { logFile })
      : new WorldError('WORLD_CHAIN_START', message, { logFile })
  }
  let state: WorldState | undefined
  for (let waitedMs = 0; waitedMs < DETACH_TIMEOUT_MS && state === undefined; waitedMs += 200) {
    const failure = await exited('start-up')
    if (failure !== undefined) throw failure
    const written = await readWorldState(dir).catch(() => undefined)
    if (written !== undefined && written.pid === child.pid) state = written
    else await realSleep(200)
  }
  let up = state !== undefined
  if (state !== undefined && opts.genesis === true) {
    if (opts.json !== true) io.out('world: up; genesis: installing the first agent…')
    up = false
    // The world process installs genesis; it is done when it has published the funded genesis agent
    // in world.json (an agent that answers on its host is not funded yet: the faucet pays after
    // create-child saw its heartbeat) and the agent answers (only the control endpoint is asked, not
    // the chain).
    const controlUrl = state.controlUrl
    for (let waitedMs = 0; waitedMs < GENESIS_TIMEOUT_MS && !up; waitedMs += 1_000) {
      const failure = await exited('genesis')
      if (failure !== undefined) throw failure
      const published = await readWorldState(dir).catch(() => undefined)
      const genesisTree =
        published !== undefined && published.pid === child.pid ? published.genesis?.tree : undefined
      if (genesisTree !== undefined) {
        const components = await readComponents(controlUrl).catch(() => undefined)
        up = components?.agents?.some((a) => a.alive && a.tree === genesisTree) === true
      }
      if (!up) await realSleep(1_000)
    }
  }
  if (up) {
    const status = await collectStatus(dir, env)
    emit(
      io,
      opts.json,
      status,
      () =>
        `${renderStatus(status)}\n\nworld: up in the background (log: ${logFile}); stop it with 'dolly world down --dir ${dir}'`,
    )
    return
  }
  if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM')
  throw new WorldError(
    'WORLD_START_TIMEOUT',
    `the world${opts.genesis === true ? ' and its genesis agent' : ''} did not come up in time; see ${logFile}`,
    { logFile },
  )
}
