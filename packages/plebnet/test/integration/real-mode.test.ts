/**
 * Real mode (issue 15): agents configured as if on the Internet, with no `[world]` section, only
 * plain URLs: the chain's RPC (the world's restricted agent user), the BTC/USD rate configured
 * explicitly, and the providers by their cloudomate sections. One agent knows only a BitLaunch-like
 * API provider (`[bitlaunch] url`, an account created through its API), the other only a WHMCS shop
 * (`[bluecloud] url`); each chooses its offer by learning from what its providers list, pays on the
 * chain and installs a child exactly as a world agent does (`plebnet check`, a real process). From
 * the chain: each payment went to its provider's wallet. From the child's host: its status API
 * answers with the child's tree. Needs root, litecoind and sshd.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCryptoRng, createMemoryLogger, createSystemClock } from '@dolly/base'
import { STATE_DB_FILE } from '@dolly/ledger'
import { openLifecycleStore, readAgentConfig, type LifecycleState } from '@dolly/plebnet'
import { createKeystore, deriveAccount, deriveAddress, writeKeystoreFile } from '@dolly/wallet'
import { startWorld, type WorldHandle } from '@dolly/world'
import { REPO_ROOT, runPlebnet } from './replication-helpers.ts'

const PASSPHRASE = 'real-mode-wallet-passphrase'
/**
 * World seconds per real second. The agents live in real time (no `[world]`, so no world clock): the
 * world must run slowly enough that its API top-up invoices (open one world hour) outlive the real
 * seconds between an agent's quote and its payment.
 */
const TIME_SCALE = 120
/** Enough for one server of either provider, its fee reserve and a dowry. */
const BOOTSTRAP_SATS = 60_000n
/**
 * Real ms the agents get to buy and install their children: a real agent polls a pending server
 * after 1, then 2 real minutes (the tick's backoff), and BitLaunch's server is pending twice (top-up
 * unconfirmed, then created), before the install's SSH copy.
 */
const CONVERGE_MS = 360_000
/** The child's status API port (replication/constants.ts STATUS_PORT). */
const STATUS_PORT = 8480

interface Agent {
  readonly name: string
  readonly home: string
  /** The provider sections of its config: all it knows about where to buy. */
  readonly providers: string
}

function stateOf(home: string): LifecycleState | undefined {
  const store = openLifecycleStore(join(home, STATE_DB_FILE))
  try {
    return store.load()
  } finally {
    store.close()
  }
}

const installed = (state: LifecycleState | undefined) =>
  state?.items.find((i) => (i.stage === 'installed' || i.stage === 'dowered') && i.childTree !== null)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('real mode: an agent without [world] buys and installs by plain URLs', () => {
  let dir: string
  let world: WorldHandle | undefined
  const agents: Agent[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-real-mode-'))
    // One shop (bluecloud) beside the API providers: the others' quirks fail purchases at random.
    world = await startWorld(
      { log: createMemoryLogger(), realNowMs: () => Date.now(), pid: process.pid },
      {
        dir: join(dir, 'world'),
        timeScale: TIME_SCALE,
        blockIntervalMin: 2,
        providers: 1,
        repoDir: REPO_ROOT,
      },
    )
    const { state } = world
    if (state.network === undefined) throw new Error('no world hosts')
    const { agentRpcUser, agentRpcPassword } = state.chain
    if (agentRpcUser === undefined || agentRpcPassword === undefined) throw new Error('no agent RPC user')
    // The chain as an agent on a host reaches it, as the restricted agent user: a plain Core RPC URL.
    const rpc = new URL(state.network.hostRpcUrl)
    rpc.username = encodeURIComponent(agentRpcUser)
    rpc.password = encodeURIComponent(agentRpcPassword)
    const urlOf = (name: string): string => {
      const provider = state.providers.find((p) => p.name === name)
      if (provider === undefined) throw new Error(`the world runs no ${name}`)
      return provider.url
    }
    agents.push(
      {
        name: 'apiroot',
        home: join(dir, 'apiroot'),
        // BitLaunch's API root is `/api`, as app.bitlaunch.io/api; its world twin opens accounts by API.
        providers: `[bitlaunch]\nurl = ${urlOf('bitlaunch').replace(/\/$/, '')}/api\ncreate_account = 1\n`,
      },
      {
        name: 'shoproot',
        home: join(dir, 'shoproot'),
        providers: `[bluecloud]\nurl = ${urlOf('bluecloud')}\n`,
      },
    )
    for (const agent of agents) {
      await mkdir(agent.home, { recursive: true, mode: 0o700 })
      const config = [
        '[wallets]',
        `password = ${PASSPHRASE}`,
        '',
        '[chain]',
        `backend = ${rpc.toString()}`,
        '',
        '[rates]',
        // The world's providers price at 1 BTC = 100,000 USD; a real agent would say `mempool`.
        'source = fixed 1000',
        '',
        agent.providers,
      ].join('\n')
      await writeFile(join(agent.home, 'plebnet_setup.cfg'), config, { mode: 0o600 })
      const { document, wallet } = await createKeystore(
        { rng: createCryptoRng(), clock: createSystemClock() },
        { network: 'world', passphrase: PASSPHRASE, kdf: { n: 1024, r: 8, p: 1 } },
      )
      await writeKeystoreFile(join(agent.home, 'wallet.json'), document)
      const setup = await runPlebnet(agent.home, ['setup', '--no-service', '--tree', agent.name], 60_000, {
        PLEBNET_WALLET_PASSPHRASE: PASSPHRASE,
      })
      expect(setup.exitCode, setup.stderr).toBe(0)
      await world.chain.faucet(
        deriveAddress(deriveAccount(wallet.root, wallet.params), wallet.params, 0, 0).address,
        BOOTSTRAP_SATS,
      )
    }
    await world.chain.mine(1)
  }, 240_000)

  afterAll(async () => {
    await world?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  }, 180_000)

  it(
    'buys from the API provider and from the WHMCS shop, pays on the chain and installs a child',
    async () => {
      if (world === undefined) throw new Error('no world')
      const w = world
      for (const agent of agents) {
        const config = readAgentConfig(await readFile(join(agent.home, 'plebnet_setup.cfg'), 'utf8'))
        expect(config.world, agent.name).toBeUndefined()
        expect(config.providers.length, agent.name).toBe(1)
      }
      // Both agents tick side by side, as two operators' agents would.
      const converge = async (agent: Agent): Promise<{ state: LifecycleState | undefined; last: string }> => {
        const end = Date.now() + CONVERGE_MS
        let state = stateOf(agent.home)
        let last = ''
        while (Date.now() < end && installed(state) === undefined) {
          const run = await runPlebnet(agent.home, ['check', '--json'], 180_000, {
            PLEBNET_WALLET_PASSPHRASE: PASSPHRASE,
          })
          expect(run.exitCode, `${agent.name}: ${run.stdout}\n${run.stderr}`).toBe(0)
          last = `${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`
          state = stateOf(agent.home)
          if (installed(state) === undefined) await sleep(1_000)
        }
        return { state, last }
      }
      const runs = await Promise.all(agents.map(converge))

      const expected = { apiroot: 'bitlaunch', shoproot: 'bluecloud' } as const
      for (const [k, agent] of agents.entries()) {
        const state = runs[k]?.state
        const item = installed(state)
        const items = JSON.stringify(state?.items ?? [], (_, v: unknown) =>
          typeof v === 'bigint' ? v.toString() : v,
        )
        expect(item, `${agent.name}: ${items}\n${runs[k]?.last ?? ''}`).toBeDefined()
        if (item === undefined || item.txid === null || item.ip === null) throw new Error('unreachable')
        // Its only provider, chosen among the plans that provider listed.
        expect(item.provider).toBe(expected[agent.name as keyof typeof expected])
        // The payment is on the chain, in the provider's own wallet.
        const received = await w.chain.rpc<{ address: string; txids: string[] }[]>(
          'listreceivedbyaddress',
          [0, false],
          { wallet: `provider-${item.provider}` },
        )
        expect(
          received.flatMap((r) => r.txids),
          agent.name,
        ).toContain(item.txid)
        const tx = await w.chain.rpc<{ confirmations?: number }>('getrawtransaction', [item.txid, true])
        expect(tx.confirmations ?? 0, agent.name).toBeGreaterThan(0)
        // The child runs on the bought server and answers on its status API with its own tree.
        const status = (await (await fetch(`http://${item.ip}:${STATUS_PORT}/status`)).json()) as {
          tree?: string
        }
        expect(status.tree, agent.name).toBe(item.childTree)
        expect(item.childTree?.startsWith(`${agent.name}.`)).toBe(true)
        // The world runs the server the agent paid for.
        expect(w.provisioner?.list().some((h) => h.ip === item.ip)).toBe(true)
      }
    },
    CONVERGE_MS + 60_000,
  )
})
