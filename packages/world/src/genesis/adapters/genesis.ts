import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import type { Clock, Logger, Rng } from '@dolly/base'
import { createSystemClock, writeFileAtomic } from '@dolly/base'
import {
  createKeystore,
  deriveAccount,
  deriveAddress,
  deriveChildRoot,
  keystoreAccount,
  readKeystoreFile,
  unlockKeystore,
  writeKeystoreFile,
} from '@dolly/wallet'
import { GenesisError } from '../errors.ts'
import type { HostProvisioner, WorldHost } from '../../hosts/index.ts'
import type { WorldState } from '../../runtime/world-state.ts'
import { genesisConfigText, type GenesisConfigOptions } from '../genesis-config.ts'

/** Tree path of the operator's root: the genesis agent is `dolly.0`, its children `dolly.0.N`. */
export const OPERATOR_TREE = 'dolly'
/** Real ms create-child may take for the genesis host (copy of the runtime and the app). */
const CREATE_CHILD_TIMEOUT_MS = 600_000

/** What genesis needs from the running world. */
export interface GenesisDeps {
  readonly provisioner: HostProvisioner
  readonly chain: {
    faucet(address: string, amountSats: bigint): Promise<string>
    mine(blocks: number): Promise<string[]>
  }
  readonly log: Logger
  readonly rng: Rng
  /** The world's clock: the genesis host's lease runs on it. */
  readonly clock: Clock
  /**
   * Ends the genesis host's lease timer (the world stops). Without it the host lives until the
   * world stops, like a server the operator keeps paying for.
   */
  readonly signal?: AbortSignal
}

/** The genesis agent's lease when none is given: the original's 30 days (world s). */
const DEFAULT_LEASE_S = 2_592_000

/** Options of one genesis. */
export interface GenesisOptions extends Omit<GenesisConfigOptions, 'walletPassword'> {
  readonly worldDir: string
  readonly state: WorldState
  /** The repository whose `plebnet` the operator runs (and the genesis agent copies). */
  readonly repoDir: string
  /** The bootstrap coins (sats) the faucet pays the genesis agent. */
  readonly fundSats: bigint
}

/** The genesis agent, installed and funded. */
export interface GenesisResult {
  readonly operatorHome: string
  readonly host: { readonly id: string; readonly ip: string }
  readonly tree: string
  readonly address: string
  readonly fundTxid: string
  /** World ms the genesis host's lease ends (the host is destroyed then when a signal was given). */
  readonly leaseEndMs: number
}

function runPlebnet(
  repoDir: string,
  home: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<string> {
  const bin = join(repoDir, 'packages', 'plebnet', 'bin', 'plebnet.js')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--home', home, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, ...env },
      timeout: CREATE_CHILD_TIMEOUT_MS,
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')))
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(out)
      else
        reject(
          new GenesisError(
            'WORLD_GENESIS_FAILED',
            `plebnet ${args[0] ?? ''} exited ${code}: ${(err || out).slice(-2000)}`,
            {
              args: args.slice(0, 1),
            },
          ),
        )
    })
  })
}

/** Attempts to destroy the genesis host when its lease ends, and the real ms between them. */
const LEASE_END_DESTROY_ATTEMPTS = 5
const LEASE_END_RETRY_REAL_MS = 30_000

/**
 * The original's first node, by hand (DESIGN.md §6): an operator root with a world wallet and the
 * family's config, one host provisioned from the operator side, `plebnet create-child` run on it,
 * and the genesis agent's wallet (derived from the operator's family key tree) funded by the faucet.
 * The genesis agent is an exit node (`create-child --exitnode`, genome `exitNode` true): a root genome
 * would otherwise say false and a family only gets exits by mutation, so users' circuits would have
 * no last hop. Its children inherit the trait (flipped now and then by mutation) and the family
 * config's `[tunnels] exit_networks`, so exits exit to the world's content network only. It sells
 * with `constant_sell` (`--strategy`), the shipped config's strategy, whatever inheritance draws.
 *
 * @throws GenesisError WORLD_GENESIS_FAILED; WORLD_GENESIS_INVALID in a world without hosts
 */
export async function runGenesis(deps: GenesisDeps, options: GenesisOptions): Promise<GenesisResult> {
  const log = deps.log.child({ component: 'genesis' })
  const walletPassword = Buffer.from(deps.rng.bytes(18)).toString('base64url')
  const config = genesisConfigText(options.state, { ...options, walletPassword })
  if (config === undefined) {
    throw new GenesisError(
      'WORLD_GENESIS_INVALID',
      'genesis needs a world with hosts and shops (--providers ≥ 1)',
      {},
    )
  }
  const home = join(options.worldDir, 'operator', `genesis-${Buffer.from(deps.rng.bytes(4)).toString('hex')}`)
  await mkdir(home, { recursive: true, mode: 0o700 })
  await writeFileAtomic(join(home, 'plebnet_setup.cfg'), config, { mode: 0o600 })
  const { document } = await createKeystore(
    { rng: deps.rng, clock: createSystemClock() },
    { network: 'world', passphrase: walletPassword, kdf: { n: 16384, r: 8, p: 1 } },
  )
  await writeKeystoreFile(join(home, 'wallet.json'), document)
  const env = { PLEBNET_WALLET_PASSPHRASE: walletPassword }
  await runPlebnet(options.repoDir, home, ['setup', '--no-service', '--tree', OPERATOR_TREE, '--json'], env)
  const rootPassword = Buffer.from(deps.rng.bytes(18)).toString('base64url')
  const host: WorldHost = await deps.provisioner.create({ hostname: 'genesis', rootPassword })
  // The operator rented this server like any other: its lease starts now and the agent is told when it ends.
  const leaseMs = (options.leaseS ?? DEFAULT_LEASE_S) * 1000
  const leaseEndMs = deps.clock.nowMs() + leaseMs
  log.info('genesis.host', { id: host.id, ip: host.ip, leaseEndMs })
  let report: { tree: string; index: number }
  try {
    const out = await runPlebnet(
      options.repoDir,
      home,
      [
        'create-child',
        '-i',
        host.ip,
        '-p',
        rootPassword,
        '--self',
        '--lease-end',
        String(Math.floor(leaseEndMs / 1000)),
        // The family's first exit (see above).
        '--exitnode',
        // The shipped config's strategy: a history-based one (SMA, crossover) falls back to
        // last_day_sell while the market has had no trade, so a family founded by one would sell
        // nothing before its first lease's last day.
        '--strategy',
        'constant_sell',
        '--json',
      ],
      env,
    )
    report = JSON.parse(out) as { tree: string; index: number }
  } catch (err) {
    await host.destroy()
    throw err
  }
  const unlocked = await unlockKeystore(await readKeystoreFile(join(home, 'wallet.json')), walletPassword)
  const { params } = keystoreAccount(document)
  const address = deriveAddress(
    deriveAccount(deriveChildRoot(unlocked.root, report.index), params),
    params,
    0,
    0,
  ).address
  const fundTxid = await deps.chain.faucet(address, options.fundSats)
  await deps.chain.mine(1)
  log.info('genesis.funded', { tree: report.tree, address, fundSats: options.fundSats })
  const signal = deps.signal
  if (signal !== undefined) {
    void deps.clock.sleep(leaseEndMs - deps.clock.nowMs(), { signal }).then(
      async () => {
        log.info('genesis.lease_ended', { id: host.id, ip: host.ip })
        // A teardown can fail on an overloaded machine (a process slow to die); it must not take the
        // world down with it: retried a few times, then left to `world down`, which cleans up hosts.
        for (let attempt = 1; attempt <= LEASE_END_DESTROY_ATTEMPTS; attempt++) {
          try {
            await host.destroy()
            return
          } catch (err) {
            log.error('genesis.host_destroy_failed', { id: host.id, attempt, err })
            if (attempt < LEASE_END_DESTROY_ATTEMPTS)
              await delay(LEASE_END_RETRY_REAL_MS, undefined, { signal }).catch(() => undefined)
            if (signal.aborted) return
          }
        }
      },
      () => undefined, // the world stopped first; it destroys its hosts itself
    )
  }
  return {
    operatorHome: home,
    host: { id: host.id, ip: host.ip },
    tree: report.tree,
    address,
    fundTxid,
    leaseEndMs,
  }
}

/** The default bootstrap in coins: 0.001, enough for three to five world servers with fees. */
export const DEFAULT_GENESIS_FUND = '0.001'

/** What {@link genesisInWorld} needs beside the running world. */
export interface GenesisInWorldOptions {
  readonly worldDir: string
  readonly log: Logger
  readonly rng: Rng
  readonly repoDir: string
  readonly fundSats: bigint
  /** The genesis host's lease in world days (the shops' billing month). */
  readonly leaseDays: number
  /** Aborted when the world stops: ends the genesis host's lease timer. */
  readonly signal: AbortSignal
}

/**
 * Genesis in a world this process runs (`dolly world genesis`, `dolly world up --genesis`).
 *
 * @throws GenesisError WORLD_GENESIS_INVALID in a world without hosts; WORLD_GENESIS_FAILED
 */
export async function genesisInWorld(
  world: {
    readonly state: WorldState
    readonly clock: Clock
    readonly provisioner: HostProvisioner | undefined
    readonly chain: GenesisDeps['chain']
  },
  options: GenesisInWorldOptions,
): Promise<GenesisResult> {
  if (world.provisioner === undefined)
    throw new GenesisError(
      'WORLD_GENESIS_INVALID',
      'genesis needs a world with hosts and shops (--providers ≥ 1)',
      {},
    )
  return runGenesis(
    {
      provisioner: world.provisioner,
      chain: world.chain,
      log: options.log,
      rng: options.rng,
      clock: world.clock,
      signal: options.signal,
    },
    {
      worldDir: options.worldDir,
      state: world.state,
      repoDir: options.repoDir,
      fundSats: options.fundSats,
      leaseS: Math.round(options.leaseDays * 86_400),
    },
  )
}
