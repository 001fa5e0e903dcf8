import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac, randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { formatBtc, realSleep, type Logger, createNullLogger } from '@dolly/base'
import { WorldError } from '../../errors.ts'
import { createCoreRpc, coinsToSats, type CoreRpcCall, type CoreRpcCallOptions } from './core-rpc.ts'

/** The faucet's wallet name on the node. */
export const FAUCET_WALLET = 'faucet'
/**
 * Height the bootstrap mines to: coinbases mature after 100 blocks, so every block up to 432 is
 * spendable, about 12,900 coins with regtest's 150-block halving.
 */
const BOOTSTRAP_HEIGHT = 532
/**
 * Keeps Litecoin's MWEB extension from ever activating (Core 0.21's NEVER_ACTIVE start time). The
 * chain stands in for Bitcoin, which has no MWEB; and once MWEB is active, Litecoin 0.21.2 copies its
 * leaf-set files on every chainstate flush and dies at about the 9,986th (`CopyTo: Failed to copy
 * leaf009986.dat to leaf009986.dat`). Every `scantxoutset` flushes, so a world of busy wallets
 * killed its node after ten real minutes.
 */
const MWEB_NEVER_ACTIVE = 'vbparams=mweb:-2:0'
/** The node's pid file, relative to its regtest directory (set in the config, so a crashed world's node can be found). */
const PID_FILE = 'litecoind.pid'
/** How long the node may take to answer RPC after launch (ms). */
const START_TIMEOUT_MS = 60_000
/** How long a clean stop may take before the node is killed (ms). */
const STOP_TIMEOUT_MS = 30_000

/** Options of `startChain`. */
export interface ChainOptions {
  /** Directory for the node's data (created); reused across restarts, so the chain and faucet persist. */
  readonly dir: string
  readonly log?: Logger
  /** Extra addresses the RPC server binds to (e.g. the world bridge's gateway), besides 127.0.0.1. */
  readonly extraRpcBind?: readonly string[]
  /** Source subnets allowed to call RPC besides loopback (e.g. the world's host subnet). */
  readonly extraRpcAllow?: readonly string[]
}

/**
 * The only RPC methods the agents' user may call: what an agent's wallet asks of a Core node
 * (`@dolly/wallet` bitcoin-core-rpc-chain.ts). No wallet RPC, so an agent holding this credential
 * cannot spend the faucet or read the operator's wallets (issue 14: every child got the admin password).
 */
export const AGENT_RPC_METHODS = [
  'getblockcount',
  'getbestblockhash',
  'getrawtransaction',
  'sendrawtransaction',
  'estimatesmartfee',
  'getnetworkinfo',
  'scantxoutset',
] as const

/** A running world chain node. */
export interface ChainHandle {
  readonly rpcUrl: string
  readonly rpcPort: number
  /** The node's admin user: the world's own tools (faucet, miner, shops' gateways) only. */
  readonly rpcUser: string
  readonly rpcPassword: string
  /** The user agents get in their config: limited to AGENT_RPC_METHODS (`rpcwhitelist`). */
  readonly agentRpcUser: string
  readonly agentRpcPassword: string
  readonly dataDir: string
  /** The node's process id (for status and crash cleanup). */
  readonly pid: number
  /** Raw JSON-RPC against the node. */
  readonly rpc: CoreRpcCall
  /** Mines `blocks` blocks to the faucet; returns their hashes. */
  mine(blocks: number): Promise<string[]>
  /** Pays `amountSats` from the faucet to `address`; returns the txid. */
  faucet(address: string, amountSats: bigint): Promise<string>
  /** The faucet's confirmed spendable balance in sats. */
  faucetBalance(): Promise<bigint>
  /** Stops the node cleanly (kills it if it hangs); idempotent. */
  stop(): Promise<void>
}

/** Finds a free TCP port on loopback (the kernel picks; a race with another process is retried by the caller). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Stops a node left running in `dataDir` by a crashed world (its pid file names it). */
export async function stopLeftoverChain(dataDir: string, log: Logger = createNullLogger()): Promise<boolean> {
  const pidFile = join(dataDir, 'regtest', PID_FILE)
  let pid: number
  try {
    pid = Number.parseInt(await readFile(pidFile, 'utf8'), 10)
  } catch {
    return false
  }
  if (!Number.isSafeInteger(pid) || pid <= 1 || !isAlive(pid)) {
    await rm(pidFile, { force: true })
    return false
  }
  log.warn('chain.leftover_stopped', { pid, dataDir })
  process.kill(pid, 'SIGTERM')
  for (let waitedMs = 0; isAlive(pid) && waitedMs < STOP_TIMEOUT_MS; waitedMs += 100) await realSleep(100)
  if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  await rm(pidFile, { force: true })
  return true
}

/** True when a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  // A zombie (exited, not yet reaped by its new parent) still answers signal 0 but holds nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true
  }
}

/**
 * Starts `litecoind -regtest` (Bitcoin Core 0.21 code with Litecoin parameters, standing in for
 * Bitcoin) in `options.dir` with RPC on loopback at a free port, makes sure the faucet wallet
 * exists and holds mature coins, and returns a handle.
 *
 * @throws WorldError WORLD_LITECOIND_MISSING, WORLD_CHAIN_START
 */
export async function startChain(options: ChainOptions): Promise<ChainHandle> {
  const log = (options.log ?? createNullLogger()).child({ component: 'chain' })
  const dataDir = options.dir
  await mkdir(dataDir, { recursive: true })
  await stopLeftoverChain(dataDir, log)
  const rpcUser = 'dolly'
  const rpcPassword = randomBytes(16).toString('hex')
  const agentRpcUser = 'agent'
  const agentRpcPassword = randomBytes(16).toString('hex')
  // rpcauth = user:salt$HMAC-SHA256(key = salt, password), as Bitcoin Core's share/rpcauth/rpcauth.py
  // writes it; the node keeps only the hash.
  const agentSalt = randomBytes(16).toString('hex')
  const agentHash = createHmac('sha256', agentSalt).update(agentRpcPassword).digest('hex')
  const rpcPort = await freePort()
  // A chain made before MWEB was switched off keeps it (its blocks carry MWEB data); new chains never have it.
  const confPath = join(dataDir, 'litecoin.conf')
  const legacyMweb =
    existsSync(join(dataDir, 'regtest', 'blocks')) &&
    !(await readFile(confPath, 'utf8').catch(() => '')).includes(MWEB_NEVER_ACTIVE)
  if (legacyMweb)
    log.warn('chain.mweb_legacy', {
      dataDir,
      note: 'MWEB is active on this chain; its node dies after ~9,986 flushes',
    })
  const binds = ['127.0.0.1', ...(options.extraRpcBind ?? [])]
  const allows = ['127.0.0.1', ...(options.extraRpcAllow ?? [])]
  // Everything node-specific lives in the config file, so `litecoin-cli -datadir=…` works by hand.
  const conf = [
    'regtest=1',
    '[regtest]',
    'server=1',
    'listen=0',
    'dnsseed=0',
    'discover=0',
    'upnp=0',
    'txindex=1',
    `pid=${PID_FILE}`,
    // estimatesmartfee has no data on a quiet regtest chain; 20 sat/vB keeps wallet sends working.
    'fallbackfee=0.0002',
    `rpcport=${rpcPort}`,
    `rpcuser=${rpcUser}`,
    `rpcpassword=${rpcPassword}`,
    `rpcauth=${agentRpcUser}:${agentSalt}$${agentHash}`,
    `rpcwhitelist=${agentRpcUser}:${AGENT_RPC_METHODS.join(',')}`,
    // Only the agents' user is whitelisted; the admin user keeps every method.
    'rpcwhitelistdefault=0',
    ...binds.map((b) => `rpcbind=${b}`),
    ...allows.map((a) => `rpcallowip=${a}`),
    'rpcworkqueue=64',
    ...(legacyMweb ? [] : [MWEB_NEVER_ACTIVE]),
    '',
  ].join('\n')
  await writeFile(confPath, conf, { mode: 0o600 })

  const child = spawn('litecoind', [`-datadir=${dataDir}`, '-daemon=0', '-printtoconsole=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const spawned = await new Promise<{ ok: true } | { ok: false; err: NodeJS.ErrnoException }>((resolve) => {
    child.once('spawn', () => resolve({ ok: true }))
    child.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, err }))
  })
  if (!spawned.ok) {
    if (spawned.err.code === 'ENOENT') {
      throw new WorldError(
        'WORLD_LITECOIND_MISSING',
        "litecoind is not installed or not on PATH; run 'npm run setup' (it installs Debian's litecoind package)",
        {},
        { cause: spawned.err },
      )
    }
    throw new WorldError(
      'WORLD_CHAIN_START',
      `could not launch litecoind: ${spawned.err.message}`,
      {},
      { cause: spawned.err },
    )
  }

  const rpcUrl = `http://127.0.0.1:${rpcPort}/`
  const rpc = createCoreRpc({ url: rpcUrl, user: rpcUser, password: rpcPassword })
  await waitForRpc(rpc, child, exited, () => stderr, dataDir)
  log.info('chain.started', { rpcUrl, pid: child.pid, dataDir })

  const handle = makeHandle(
    rpc,
    child,
    exited,
    { rpcUrl, rpcPort, rpcUser, rpcPassword, agentRpcUser, agentRpcPassword, dataDir },
    log,
  )
  try {
    await ensureFaucet(rpc, log)
  } catch (err) {
    await handle.stop()
    throw err
  }
  return handle
}

async function waitForRpc(
  rpc: CoreRpcCall,
  child: ChildProcess,
  exited: Promise<number | null>,
  stderr: () => string,
  dataDir: string,
): Promise<void> {
  let dead = false
  void exited.then(() => {
    dead = true
  })
  for (let waitedMs = 0; waitedMs < START_TIMEOUT_MS; waitedMs += 100) {
    if (dead) {
      const debugLog = await readFile(join(dataDir, 'regtest', 'debug.log'), 'utf8').catch(() => '')
      const reason = (stderr().trim() || debugLog.split('\n').slice(-8).join('\n')).trim()
      throw new WorldError(
        'WORLD_CHAIN_START',
        `litecoind exited during start-up (exit code ${child.exitCode ?? 'signal'}): ${reason || 'no output'}; see ${join(dataDir, 'regtest', 'debug.log')}`,
        { dataDir },
      )
    }
    try {
      await rpc('getblockcount')
      return
    } catch {
      await realSleep(100)
    }
  }
  child.kill('SIGKILL')
  throw new WorldError('WORLD_CHAIN_START', `litecoind did not answer RPC within ${START_TIMEOUT_MS} ms`, {
    dataDir,
  })
}

/** Creates or loads the faucet wallet and mines the bootstrap blocks on a new chain. */
async function ensureFaucet(rpc: CoreRpcCall, log: Logger): Promise<void> {
  const loaded = await rpc<string[]>('listwallets')
  if (!loaded.includes(FAUCET_WALLET)) {
    try {
      await rpc('loadwallet', [FAUCET_WALLET])
    } catch {
      await rpc('createwallet', [FAUCET_WALLET])
    }
  }
  const wallet: CoreRpcCallOptions = { wallet: FAUCET_WALLET }
  let height = await rpc<number>('getblockcount')
  if (height >= BOOTSTRAP_HEIGHT) return
  const address = await rpc<string>('getnewaddress', ['', 'bech32'], wallet)
  log.info('chain.bootstrap', { fromHeight: height, toHeight: BOOTSTRAP_HEIGHT })
  while (height < BOOTSTRAP_HEIGHT) {
    const info = await rpc<{
      softforks?: Record<string, { active?: boolean; bip9?: { status?: string; since?: number } }>
    }>('getblockchaininfo')
    const mweb = info.softforks?.['mweb']?.bip9
    // On a legacy chain (made before MWEB_NEVER_ACTIVE) MWEB activates at height 432, and its first
    // block needs a peg-in for the HogEx transaction to have an input (as Litecoin's own functional
    // tests do); without it no further block can be mined.
    if (mweb?.status === 'active' && mweb.since === height + 1) {
      const mwebAddress = await rpc<string>('getnewaddress', ['', 'mweb'], wallet)
      await rpc('sendtoaddress', [mwebAddress, '1'], wallet)
    }
    const step =
      height < 432
        ? Math.max(1, Math.min(431 - height, BOOTSTRAP_HEIGHT - height))
        : BOOTSTRAP_HEIGHT - height
    await rpc('generatetoaddress', [step, address])
    height = await rpc<number>('getblockcount')
  }
}

function makeHandle(
  rpc: CoreRpcCall,
  child: ChildProcess,
  exited: Promise<number | null>,
  info: {
    rpcUrl: string
    rpcPort: number
    rpcUser: string
    rpcPassword: string
    agentRpcUser: string
    agentRpcPassword: string
    dataDir: string
  },
  log: Logger,
): ChainHandle {
  let stopping: Promise<void> | undefined
  const wallet: CoreRpcCallOptions = { wallet: FAUCET_WALLET }
  return {
    ...info,
    pid: child.pid ?? -1,
    rpc,
    async mine(blocks) {
      const address = await rpc<string>('getnewaddress', ['', 'bech32'], wallet)
      return rpc<string[]>('generatetoaddress', [blocks, address])
    },
    async faucet(address, amountSats) {
      // Amounts go to the node as decimal strings: exact, never through a float.
      const txid = await rpc<string>('sendtoaddress', [address, formatBtc(amountSats)], wallet)
      log.info('chain.faucet_paid', { address, amountSats, txid })
      return txid
    },
    async faucetBalance() {
      return coinsToSats(await rpc<number>('getbalance', ['*', 1], wallet))
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        try {
          await rpc('stop')
        } catch {
          child.kill('SIGTERM')
        }
        // The guard timer is cancelled once the node exits, so it never keeps the process alive.
        const guard = new AbortController()
        const timedOut = await Promise.race([
          exited.then(() => false),
          realSleep(STOP_TIMEOUT_MS, { signal: guard.signal }).then(
            () => true,
            () => false,
          ),
        ])
        guard.abort()
        if (timedOut) {
          log.warn('chain.stop_timeout', { pid: child.pid })
          child.kill('SIGKILL')
          await exited
        }
        log.info('chain.stopped', { pid: child.pid })
      })()
      return stopping
    },
  }
}
