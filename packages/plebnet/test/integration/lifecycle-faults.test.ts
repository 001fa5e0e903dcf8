/**
 * Faults: `plebnet check` is killed with SIGKILL at random points of a purchase and an
 * installation, 20 times, then left to finish. Nothing is paid twice (every shop invoice address
 * received at most one payment, and every payment belongs to exactly one purchase of the agent),
 * nothing is installed twice, and the agent converges to an installed child. Needs root and litecoind.
 */
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCryptoRng, createMemoryLogger, createSeededRng, createSystemClock } from '@dolly/base'
import { STATE_DB_FILE } from '@dolly/ledger'
import { openLifecycleStore, type LifecycleState } from '@dolly/plebnet'
import { createKeystore, deriveAccount, deriveAddress, writeKeystoreFile } from '@dolly/wallet'
import { genesisConfigText, startWorld, type WorldHandle } from '@dolly/world'
import { REPO_ROOT, runPlebnet } from './replication-helpers.ts'

const KILLS = 20
const PASSPHRASE = 'faults-wallet-passphrase'
/** Real ms bound of the convergence runs after the kills. */
const CONVERGE_MS = 240_000

function checkKilledAfter(home: string, delayMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'packages/plebnet/bin/plebnet.js'), '--home', home, 'check'],
      {
        stdio: 'ignore',
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: home,
          PLEBNET_WALLET_PASSPHRASE: PASSPHRASE,
        },
      },
    )
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
}

function stateOf(home: string): LifecycleState | undefined {
  const store = openLifecycleStore(join(home, STATE_DB_FILE))
  try {
    return store.load()
  } finally {
    store.close()
  }
}

describe('plebnet check under kill -9', () => {
  let dir: string
  let world: WorldHandle | undefined
  let home: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-faults-'))
    world = await startWorld(
      { log: createMemoryLogger(), realNowMs: () => Date.now(), pid: process.pid },
      { dir: join(dir, 'world'), timeScale: 3600, blockIntervalMin: 10, providers: 2, repoDir: REPO_ROOT },
    )
    home = join(dir, 'agent')
    await mkdir(home, { recursive: true, mode: 0o700 })
    // Dowry 0: the child gets no coins, so every shop payment in this world is the agent's own.
    const config = genesisConfigText(world.state, { walletPassword: PASSPHRASE })
    await writeFile(join(home, 'plebnet_setup.cfg'), `${config ?? ''}\n[install]\ndowry_percent = 0\n`, {
      mode: 0o600,
    })
    const { document, wallet } = await createKeystore(
      { rng: createCryptoRng(), clock: createSystemClock() },
      { network: 'world', passphrase: PASSPHRASE, kdf: { n: 1024, r: 8, p: 1 } },
    )
    await writeKeystoreFile(join(home, 'wallet.json'), document)
    const setup = await runPlebnet(home, ['setup', '--no-service', '--tree', 'faulty'], 60_000, {
      PLEBNET_WALLET_PASSPHRASE: PASSPHRASE,
    })
    expect(setup.exitCode, setup.stderr).toBe(0)
    const address = deriveAddress(deriveAccount(wallet.root, wallet.params), wallet.params, 0, 0).address
    // Enough for one server only, so a double payment could not hide behind a second purchase.
    await world.chain.faucet(address, 40_000n)
    await world.chain.mine(1)
  }, 240_000)

  afterAll(async () => {
    await world?.stop()
    await rm(dir, { recursive: true, force: true })
  }, 180_000)

  it(
    'never pays twice, never installs twice, and converges',
    async () => {
      if (world === undefined) throw new Error('no world')
      const rng = createSeededRng(8)
      for (let k = 0; k < KILLS; k++) await checkKilledAfter(home, 300 + rng.int(6_000))
      // The kills hit the purchase: its intent was journaled before the last kill.
      expect(stateOf(home)?.items.length ?? 0).toBeGreaterThan(0)
      const end = Date.now() + CONVERGE_MS
      let state = stateOf(home)
      while (
        Date.now() < end &&
        !(state?.items.some((i) => i.stage === 'installed' || i.stage === 'dowered') ?? false)
      ) {
        const run = await runPlebnet(home, ['check'], 180_000, { PLEBNET_WALLET_PASSPHRASE: PASSPHRASE })
        expect(run.exitCode, run.stderr).toBe(0)
        state = stateOf(home)
        if (!(state?.items.some((i) => i.stage === 'installed') ?? false))
          await new Promise((r) => setTimeout(r, 2_000))
      }
      const items = state?.items ?? []
      expect(items.some((i) => i.stage === 'installed' || i.stage === 'dowered')).toBe(true)

      // Every shop invoice address was paid at most once, and every payment is one of the agent's purchases.
      const rpc = world.chain.rpc
      const received: { address: string; txids: string[] }[] = []
      for (const w of (await rpc<string[]>('listwallets')).filter((n) => n !== 'faucet')) {
        received.push(
          ...(await rpc<{ address: string; txids: string[] }[]>('listreceivedbyaddress', [0, false], {
            wallet: w,
          })),
        )
      }
      for (const r of received) expect(r.txids.length, r.address).toBeLessThanOrEqual(1)
      const paidTxids = new Set(received.flatMap((r) => r.txids))
      const ours = items.filter((i) => i.txid !== null).map((i) => i.txid)
      expect(new Set(ours).size).toBe(ours.length)
      expect([...paidTxids].sort()).toEqual([...ours].sort())

      // One child per installed server, none installed twice.
      const installed = items.filter((i) => i.childTree !== null)
      expect(new Set(installed.map((i) => i.ip)).size).toBe(installed.length)
      expect(new Set(installed.map((i) => i.childTree)).size).toBe(installed.length)
    },
    CONVERGE_MS + KILLS * 10_000 + 60_000,
  )
})
