/**
 * The child's VPN through the check tick (issue 15 item 5, AGENT.md §3.4 step 9, §3.5, §9): two
 * world agents with `[vpn] host = mullvad` buy a server at the world's TUN/TAP shop (twosync).
 * The first lists the world's Mullvad-like provider: it buys the VPN right after the server with the
 * same child account, and the child comes up with the tunnel (its outbound address is the VPN
 * endpoint's) while SSH to its public address still works; every satoshi is accounted for on the
 * chain. The second lists a VPN provider that does not answer: the VPN purchase fails, the error is
 * logged, and the paid server still gets its child, without a VPN. Needs root, litecoind and sshd.
 */
import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCryptoRng, createMemoryLogger, createSystemClock } from '@dolly/base'
import { STATE_DB_FILE } from '@dolly/ledger'
import { openLifecycleStore, type LifecycleState, type PurchaseItem } from '@dolly/plebnet'
import {
  createKeystore,
  deriveAccount,
  deriveAddress,
  openSqliteWalletStore,
  writeKeystoreFile,
} from '@dolly/wallet'
import { coinsToSats, genesisConfigText, startWorld, type WorldHandle } from '@dolly/world'
import { REPO_ROOT, inHost, runPlebnet } from './replication-helpers.ts'

const PASSPHRASE = 'vpn-tick-wallet-passphrase'
/** World ms per real ms: a world day (twosync's fraud window, one sign-up a day per address) is 12 real s. */
const TIME_SCALE = 7200
/** World seconds of each agent's lease: 60 world days, 12 real minutes, far beyond the test. */
const LEASE_S = 60 * 86_400
/** Each agent's coins: a server and its VPN with fee reserves, and a dowry; never a second server. */
const BOOTSTRAP_SATS = 32_000n
/** Real ms the agents get to reach a dowered child. */
const CONVERGE_MS = 150_000
/** The world's VPN month: 5 USD at 1,000 sats per USD. */
const VPN_MONTH_SATS = 5_000n

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Agent {
  readonly home: string
  readonly bootstrapTxid: string
}

function stateOf(home: string): LifecycleState | undefined {
  const store = openLifecycleStore(join(home, STATE_DB_FILE))
  try {
    return store.load()
  } finally {
    store.close()
  }
}

function check(home: string, whoamiUrl: string): ReturnType<typeof runPlebnet> {
  return runPlebnet(home, ['check', '--json'], 240_000, {
    PLEBNET_WALLET_PASSPHRASE: PASSPHRASE,
    PLEBNET_VPN_CHECK_URL: whoamiUrl,
  })
}

describe('plebnet check buys a VPN with the server and installs it with the child', () => {
  let dir: string
  let world: WorldHandle | undefined
  let whoamiUrl: string
  let good: Agent
  let bad: Agent

  async function newAgent(name: string, vpnUrl: string): Promise<Agent> {
    if (world === undefined) throw new Error('no world')
    const home = join(dir, name)
    await mkdir(home, { recursive: true, mode: 0o700 })
    const config = genesisConfigText(world.state, {
      walletPassword: PASSPHRASE,
      leaseS: LEASE_S,
      shops: ['twosync'],
    })
    // The world's VPN provider is one more `name=url` entry of `[world] providers`.
    const text = (config ?? '').replace(/^providers = (.*)$/m, `providers = $1,mullvad=${vpnUrl}`)
    expect(text).toMatch(/^providers = twosync=http:\/\/\S+,mullvad=/m)
    await writeFile(
      join(home, 'plebnet_setup.cfg'),
      `${text}\n[vpn]\nhost = mullvad\n\n[install]\ndowry_percent = 60\n`,
      { mode: 0o600 },
    )
    const { document, wallet } = await createKeystore(
      { rng: createCryptoRng(), clock: createSystemClock() },
      { network: 'world', passphrase: PASSPHRASE, kdf: { n: 1024, r: 8, p: 1 } },
    )
    await writeKeystoreFile(join(home, 'wallet.json'), document)
    const setup = await runPlebnet(home, ['setup', '--no-service', '--tree', name], 60_000, {
      PLEBNET_WALLET_PASSPHRASE: PASSPHRASE,
    })
    expect(setup.exitCode, setup.stderr).toBe(0)
    const address = deriveAddress(deriveAccount(wallet.root, wallet.params), wallet.params, 0, 0).address
    const bootstrapTxid = await world.chain.faucet(address, BOOTSTRAP_SATS)
    return { home, bootstrapTxid }
  }

  /** Checks until the agent's first item is dowered; `until` can stop earlier. */
  async function live(agent: Agent, until: (s: LifecycleState | undefined) => boolean): Promise<void> {
    const end = Date.now() + CONVERGE_MS
    let state = stateOf(agent.home)
    while (Date.now() < end && !until(state)) {
      const run = await check(agent.home, whoamiUrl)
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
      state = stateOf(agent.home)
      if (!until(state)) await sleep(1_000)
    }
    expect(until(state), JSON.stringify(state?.events, null, 1)).toBe(true)
  }

  const dowered = (s: LifecycleState | undefined) => s?.items[0]?.stage === 'dowered'

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-lifecycle-vpn-'))
    world = await startWorld(
      { log: createMemoryLogger(), realNowMs: () => Date.now(), pid: process.pid },
      {
        dir: join(dir, 'world'),
        timeScale: TIME_SCALE,
        blockIntervalMin: 30,
        providers: 4,
        repoDir: REPO_ROOT,
      },
    )
    const network = world.state.network
    if (network === undefined) throw new Error('the world has no host network')
    whoamiUrl = `http://${network.internetIp}:80/`
    const vpn = world.state.providers.find((p) => p.kind === 'vpn')
    if (vpn === undefined) throw new Error('the world runs no VPN provider')
    good = await newAgent('vpngood', vpn.url)
    // Nothing listens on port 9: the VPN's sign-up fails after its server is paid.
    bad = await newAgent('vpnbad', 'http://127.0.0.1:9/')
    await world.chain.mine(1)
  }, 240_000)

  afterAll(async () => {
    await world?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  }, 180_000)

  it(
    'installs the child behind the bought VPN with SSH still reachable, or without it when the VPN purchase fails',
    async () => {
      if (world?.provisioner === undefined) throw new Error('no world hosts')
      const w = world
      // twosync signs up one customer per address a world day: the second agent buys a day later.
      const paidAt = (s: LifecycleState | undefined) => (s?.items[0]?.txid ?? null) !== null
      const first = live(good, dowered)
      const second = (async () => {
        const end = Date.now() + CONVERGE_MS
        while (Date.now() < end && !paidAt(stateOf(good.home))) await sleep(500)
        await sleep(Math.ceil(86_400_000 / TIME_SCALE) + 2_000)
        await live(bad, dowered)
      })()
      await Promise.all([first, second])

      // The first agent: a server at a TUN/TAP shop and its VPN, both paid, the child installed with it.
      const item = stateOf(good.home)?.items[0] as PurchaseItem
      expect(item).toMatchObject({ provider: 'twosync', stage: 'dowered' })
      expect(item.vpn).toMatchObject({ provider: 'mullvad', stage: 'ready', error: null })
      expect(item.vpn?.txid).toMatch(/^[0-9a-f]{64}$/)
      const kinds = stateOf(good.home)?.events.map((e) => e.kind) ?? []
      expect(kinds.indexOf('paid')).toBeLessThan(kinds.indexOf('vpn-paid'))
      expect(kinds.indexOf('vpn-ready')).toBeLessThan(kinds.indexOf('installed'))
      expect((await stat(join(good.home, `child_${item.childIndex}_wg.conf`))).mode & 0o777).toBe(0o600)
      const host = w.provisioner?.list().find((h) => h.ip === item.ip)
      if (host === undefined || item.ip === null) throw new Error(`no world host at ${item.ip ?? '?'}`)
      expect(await inHost(host, 'stat -c %a /root/own_wg.conf')).toBe('600\n')
      const endpoint = w.provisioner?.list().find((h) => h.hostname === 'vpn-endpoint')
      expect(endpoint).toBeDefined()
      expect((await inHost(host, `curl -sS --max-time 10 ${whoamiUrl}`)).trim()).toBe(endpoint?.ip)
      // From outside the child's subnet, as a parent on the Internet: SSH reaches the public address.
      const ssh = spawnSync(
        'ssh',
        [
          '-b',
          w.state.network?.internetIp ?? '',
          '-i',
          join(good.home, 'ssh_id_ed25519'),
          '-o',
          'BatchMode=yes',
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'ConnectTimeout=10',
          `root@${item.ip}`,
          'cat /opt/plebnet/child.json',
        ],
        { encoding: 'utf8', timeout: 20_000 },
      )
      expect((JSON.parse(ssh.stdout || '{}') as { tree?: string }).tree, ssh.stderr).toBe(item.childTree)

      // The second agent: the VPN purchase failed and was logged; the paid server got its child anyway.
      const badState = stateOf(bad.home)
      const badItem = badState?.items[0] as PurchaseItem
      expect(badItem).toMatchObject({ provider: 'twosync', stage: 'dowered' })
      expect(badItem.txid).toMatch(/^[0-9a-f]{64}$/)
      expect(badItem.vpn).toMatchObject({ provider: 'mullvad', stage: 'failed', txid: null })
      const failure = badState?.events.find((e) => e.kind === 'vpn-failed')
      expect(failure?.text).toContain('!!! VPN is not installed, child may get banned !!!')
      const badHost = w.provisioner?.list().find((h) => h.ip === badItem.ip)
      if (badHost === undefined || badItem.ip === null) throw new Error('no host of the second child')
      expect((await inHost(badHost, 'test -e /root/own_wg.conf && echo yes || echo no')).trim()).toBe('no')
      expect((await inHost(badHost, `curl -sS --max-time 10 ${whoamiUrl}`)).trim()).toBe(badHost.ip)

      // Sats are conserved, on the chain: every payment the agents made is there as recorded, and
      // bootstrap = what each still holds + what it paid + fees.
      await w.chain.mine(1)
      for (const [agent, vpnPaid] of [
        [good, true],
        [bad, false],
      ] as const) {
        const final = await check(agent.home, whoamiUrl)
        expect(final.exitCode, final.stderr).toBe(0)
        const held = BigInt(
          (JSON.parse(final.stdout) as { status: { spendableSats: string } }).status.spendableSats,
        )
        const store = openSqliteWalletStore(join(agent.home, 'wallet.sqlite'))
        const payments = store.listPayments().filter((p) => p.state !== 'failed')
        store.close()
        let spent = 0n
        for (const p of payments) {
          const tx = await w.chain.rpc<{
            vout: { value: number; scriptPubKey: { address?: string; addresses?: string[] } }[]
          }>('getrawtransaction', [p.txid, true])
          const out = tx.vout.find(
            (o) => (o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0]) === p.toAddress,
          )
          expect(out === undefined ? undefined : coinsToSats(out.value)).toBe(p.amountSats)
          spent += p.amountSats + p.feeSats
        }
        expect(held + spent).toBe(BOOTSTRAP_SATS)
        const vpnPayment = payments.find((p) => p.txid === stateOf(agent.home)?.items[0]?.vpn?.txid)
        expect(vpnPayment?.amountSats).toBe(vpnPaid ? VPN_MONTH_SATS : undefined)
        // The server, the dowry, and the VPN when it was bought: nothing else left the wallet.
        expect(payments).toHaveLength(vpnPaid ? 3 : 2)
      }
      expect(good.bootstrapTxid).not.toBe(bad.bootstrapTxid)
    },
    CONVERGE_MS * 2 + 60_000,
  )
})
