/**
 * A small world for cloudomate's integration tests: the regtest chain, the host network and
 * provisioner, a real @dolly/wallet wallet funded by the faucet, and a background block producer.
 * Everything is made in one temp dir and removed by `stop()`.
 */
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createCryptoRng,
  createMemoryLogger,
  createScaledClock,
  createSystemClock,
  type ScaledClock,
} from '@dolly/base'
import {
  createBitcoinCoreRpcChain,
  createKeystore,
  createWallet,
  deriveAddress,
  writeKeystoreFile,
  deriveAccount,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
  type Wallet,
  type WalletStore,
} from '@dolly/wallet'
import { createFetchSend } from '../../src/adapters/fetch-send.ts'
import { createHttpSession } from '../../src/http/session.ts'
import {
  cleanupLeftovers,
  createHostNetwork,
  createHostProvisioner,
  startChain,
  type ChainHandle,
  type HostProvisioner,
  type PlannedHostNetwork,
} from '../support/world.ts'

/** Two world days per real second: provisioning delays become milliseconds. */
export const SCALE = 172_800
export const DAY_MS = 86_400_000
// BIP39 vector mnemonic: a test-only key on the local regtest chain.
const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow'

export interface Harness {
  readonly dir: string
  readonly chain: ChainHandle
  readonly network: PlannedHostNetwork
  readonly provisioner: HostProvisioner
  readonly worldClock: ScaledClock
  readonly log: ReturnType<typeof createMemoryLogger>
  openWallet(dbName?: string): Wallet
  /** Mines one block, serialised with the producer. */
  mine(): Promise<void>
  newSession(): ReturnType<typeof createHttpSession>
  stop(): Promise<void>
}

export async function startHarness(prefix: string): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  const log = createMemoryLogger()
  const chain = await startChain({ dir: join(dir, 'chain') })
  const network = await createHostNetwork({ stateDir: join(dir, 'hosts') })
  const provisioner = createHostProvisioner({ network, log }, { stateDir: join(dir, 'hosts') })
  const now = Date.now()
  const worldClock = createScaledClock({ scale: SCALE, epochRealMs: now, epochWorldMs: now })
  const backend = createBitcoinCoreRpcChain(
    { clock: createSystemClock() },
    { url: chain.rpcUrl, user: chain.rpcUser, password: chain.rpcPassword, timeoutMs: 30_000 },
  )
  const stores: WalletStore[] = []
  let queue: Promise<unknown> = Promise.resolve()
  const mine = (): Promise<void> => {
    const run = queue.then(() => chain.mine(1))
    queue = run.catch(() => undefined)
    return run.then(() => undefined)
  }
  // A block every 300 ms, like the world's block producer, so payments confirm without the test's help.
  let producing = true
  const producer = (async () => {
    while (producing) {
      await mine().catch(() => undefined)
      await new Promise((r) => setTimeout(r, 300))
    }
  })()
  const clock = createSystemClock()
  const rng = createCryptoRng()
  return {
    dir,
    chain,
    network,
    provisioner,
    worldClock,
    log,
    openWallet: (dbName = 'wallet.sqlite') => {
      const store = openSqliteWalletStore(join(dir, dbName))
      stores.push(store)
      const world = networkParams('world')
      return createWallet(
        { chain: backend, store, clock, logger: createMemoryLogger() },
        // The world's prices are a few thousand sats, so a regtest fee is a large share of them.
        {
          network: world,
          account: deriveAccount(mnemonicToRoot(MNEMONIC, world), world),
          maxFeePercent: 100n,
        },
      )
    },
    mine,
    newSession: () => createHttpSession({ send: createFetchSend(), clock, rng }, { minIntervalMs: 0 }),
    stop: async () => {
      producing = false
      await producer
      for (const s of stores) s.close()
      await provisioner.destroyAll()
      await network.stop()
      await chain.stop()
      await cleanupLeftovers(join(dir, 'hosts'))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Runs the `cloudomate` executable with Node 24. */
export function runCli(
  args: readonly string[],
  envExtra: Record<string, string>,
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const bin = new URL('../../bin/cloudomate.js', import.meta.url).pathname
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...envExtra },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    if (stdin !== undefined) child.stdin?.end(stdin)
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

/**
 * A cloudomate home with a funded keystore wallet and a config pointing at the harness chain;
 * `sections` are appended to cloudomate.cfg. Returns the home and the environment for `runCli`.
 */
export async function makeCliHome(
  h: Harness,
  sections: string,
): Promise<{ home: string; env: Record<string, string> }> {
  const home = join(h.dir, `cloudomate-${Math.random().toString(36).slice(2, 8)}`)
  const walletDir = join(home, 'wallet')
  await mkdir(walletDir, { recursive: true })
  const { document, wallet } = await createKeystore(
    { rng: createCryptoRng(), clock: createSystemClock() },
    { network: 'world', passphrase: 'correct horse', kdf: { n: 1024, r: 8, p: 1 } },
  )
  await writeKeystoreFile(join(walletDir, 'wallet.json'), document)
  const first = deriveAddress(deriveAccount(wallet.root, wallet.params), wallet.params, 0, 0)
  await h.chain.faucet(first.address, 10_000_000n)
  await h.mine()
  const rpc = new URL(h.chain.rpcUrl)
  rpc.username = encodeURIComponent(h.chain.rpcUser)
  rpc.password = encodeURIComponent(h.chain.rpcPassword)
  await writeFile(
    join(home, 'cloudomate.cfg'),
    `[client]\nallow_fake_identity = 1\n\n[payment]\nwalletpath = ${walletDir}\nbackend = ${rpc.toString()}\nwait_first_poll = 0.2\nwait_max_poll = 1\nwait_timeout = 90\n\n${sections}\n`,
  )
  return {
    home,
    env: {
      PLEBNET_WALLET_PASSPHRASE: 'correct horse',
      XDG_CONFIG_HOME: join(h.dir, 'xdg'),
      DOLLY_WORLD_DIR: join(h.dir, 'noworld'),
    },
  }
}
