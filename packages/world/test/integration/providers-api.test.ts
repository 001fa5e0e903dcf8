/**
 * The API providers and the VPN provider against real components: the regtest chain, namespace hosts
 * and, for the VPN, the WireGuard endpoint host. A plain HTTP client (fetch) plays the buyer.
 * Needs root (namespaces), litecoind and wireguard-go.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCryptoRng, createMemoryLogger, createScaledClock, parseBtc } from '@dolly/base'
import { Client, utils } from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startChain, type ChainHandle } from '../../src/chain/adapters/litecoind.ts'
import {
  cleanupLeftovers,
  createHostNetwork,
  createHostProvisioner,
  type HostProvisioner,
  type PlannedHostNetwork,
  type WorldHost,
} from '../../src/hosts/index.ts'
import { createSshRootPasswordChanger } from '../../src/providers/adapters/ssh-root-password.ts'
import { startApiProvider, type RunningApiProvider } from '../../src/providers/api/start-api-provider.ts'
import { startVpnProvider, type RunningVpnProvider } from '../../src/providers/vpn/start-vpn-provider.ts'
import { startVpnEndpoint, type VpnEndpoint } from '../../src/vpn-endpoint/index.ts'
import { startWhoami, type WhoamiServer } from '../../src/whoami/index.ts'
import { isAlive, machineSnapshot, sshRun } from './hosts-helpers.ts'

// Two world days per real second.
const SCALE = 172_800

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> }
}

/** Logs in with a private key and runs `hostname`. */
function sshKeyHostname(ip: string, privateKey: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client()
    client
      .on('ready', () =>
        client.exec('hostname', (err, stream) => {
          if (err !== undefined && err !== null) return reject(err)
          let out = ''
          stream.on('data', (b: Buffer) => (out += b.toString()))
          stream.stderr.on('data', () => undefined)
          stream.on('close', () => {
            client.end()
            resolve(out.trim())
          })
        }),
      )
      .on('error', reject)
    client.connect({
      sock: connect({ host: ip, port: 22 }).setNoDelay(true),
      username: 'root',
      privateKey,
      readyTimeout: 30_000,
    })
  })
}

async function run(host: WorldHost, argv: string[], input?: string): Promise<string> {
  const result = await host.exec(argv, input === undefined ? {} : { input })
  if (result.exitCode !== 0) throw new Error(`${argv.join(' ')}: exit ${result.exitCode}: ${result.stderr}`)
  return result.stdout
}

describe('world API and VPN providers (real chain, real hosts)', () => {
  let dir: string
  let chain: ChainHandle
  let network: PlannedHostNetwork
  let provisioner: HostProvisioner
  let sporestack: RunningApiProvider
  let bitlaunch: RunningApiProvider
  let endpoint: VpnEndpoint
  let vpn: RunningVpnProvider
  let whoami: WhoamiServer
  const log = createMemoryLogger()
  /** Machine PIDs of every process that ran in a host of this suite; all must be gone after it. */
  const hostPids: number[] = []
  const recordPids = async (ip: string): Promise<void> => {
    hostPids.push(
      ...((await provisioner
        .list()
        .find((h) => h.ip === ip)
        ?.pids()) ?? []),
    )
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-providers-api-'))
    chain = await startChain({ dir: join(dir, 'chain') })
    network = await createHostNetwork({ stateDir: join(dir, 'hosts') })
    provisioner = createHostProvisioner({ network, log }, { stateDir: join(dir, 'hosts') })
    const now = Date.now()
    const clock = createScaledClock({ scale: SCALE, epochRealMs: now, epochWorldMs: now })
    const deps = { chain, provisioner, clock, log, passwords: createSshRootPasswordChanger() }
    const common = { host: '127.0.0.1', pollIntervalMs: SCALE * 100, invoiceExpiryMs: 60 * 86_400_000 }
    sporestack = await startApiProvider(deps, { kind: 'sporestack', ...common })
    bitlaunch = await startApiProvider(deps, { kind: 'bitlaunch', ...common })
    endpoint = await startVpnEndpoint({ provisioner, log, rng: createCryptoRng() })
    whoami = await startWhoami({ host: network.gatewayIp, port: 0 })
    vpn = await startVpnProvider(
      { chain, endpoint, clock, log },
      // Tokens live an hour of world time by default, 20 ms real at this scale; the test asks for 30 days.
      { host: network.gatewayIp, pollIntervalMs: SCALE * 100, accessTokenMs: 30 * 86_400_000 },
    )
  })

  afterAll(async () => {
    await Promise.allSettled([sporestack?.stop(), bitlaunch?.stop(), vpn?.stop(), whoami?.stop()])
    await endpoint?.stop()
    await provisioner?.destroyAll()
    await network?.stop()
    await chain?.stop()
    if (dir !== undefined) {
      await cleanupLeftovers(join(dir, 'hosts'))
      await rm(dir, { recursive: true, force: true })
    }
    const index = network?.index ?? -1
    const after = machineSnapshot()
    expect(after.netns.filter((n) => n.startsWith(`dolly${index}h`))).toEqual([])
    expect(after.links.filter((l) => l === `dollybr${index}` || l.startsWith(`dv${index}h`))).toEqual([])
    expect(after.mounts.filter((m) => dir !== undefined && m.startsWith(dir))).toEqual([])
    expect(hostPids.length).toBeGreaterThan(0)
    expect(hostPids.filter(isAlive)).toEqual([])
  })

  const pay = async (uri: string): Promise<void> => {
    const m = /^bitcoin:([a-z0-9]+)\?amount=([0-9.]+)$/.exec(uri)
    expect(m).not.toBeNull()
    await chain.faucet(m![1]!, parseBtc(m![2]!))
    await chain.mine(1)
  }

  it('SporeStack-like: token top-up by BIP21, a server reachable with the SSH key, gone when its days end', async () => {
    const keys = utils.generateKeyPairSync('ed25519', { comment: 'agent' })
    const token = 'tok_' + 'f'.repeat(28)
    const add = await call(sporestack.url, 'POST', `/token/${token}/add`, { currency: 'btc', dollars: 20 })
    await pay((add.body['payment'] as { uri: string }).uri)
    await until(
      'the top-up',
      async () =>
        (await call(sporestack.url, 'GET', `/token/${token}/balance`)).body['cents'] === 2000
          ? true
          : undefined,
      30_000,
    )
    const launch = await call(sporestack.url, 'POST', `/token/${token}/servers`, {
      days: 30,
      flavor: 'vps-1vcpu-1gb',
      ssh_key: keys.public,
      operating_system: 'debian-12',
      hostname: 'spore-child',
    })
    expect(launch.status).toBe(200)
    const id = launch.body['machine_id'] as string
    const ip = await until(
      'the server',
      async () => {
        const info = await call(sporestack.url, 'GET', `/token/${token}/servers/${id}`)
        return info.body['running'] === true ? (info.body['ipv4'] as string) : undefined
      },
      60_000,
    )
    await recordPids(ip)
    expect(await sshKeyHostname(ip, keys.private)).toBe('spore-child')
    await until(
      'expiry',
      async () =>
        (await call(sporestack.url, 'GET', `/token/${token}/servers/${id}`)).body['deleted'] === true
          ? true
          : undefined,
      60_000,
    )
    await until(
      'the host to be gone',
      async () => (provisioner.list().some((h) => h.ip === ip) ? undefined : true),
      30_000,
    )
  })

  it('BitLaunch-like: crypto top-up, a server with a password, deleted when the balance runs out', async () => {
    const account = await call(bitlaunch.url, 'POST', '/api/accounts', { email: 'agent@example.org' })
    const auth = { authorization: `Bearer ${account.body['token'] as string}` }
    const tx = await call(
      bitlaunch.url,
      'POST',
      '/api/transactions',
      { amountUsd: 7, cryptoSymbol: 'BTC', lightningNetwork: false },
      auth,
    )
    await pay(tx.body['paymentUri'] as string)
    await until(
      'the top-up',
      async () =>
        (await call(bitlaunch.url, 'GET', '/api/user', undefined, auth)).body['balance'] === 700
          ? true
          : undefined,
      30_000,
    )
    const created = await call(
      bitlaunch.url,
      'POST',
      '/api/servers',
      {
        server: {
          name: 'launch-child',
          hostID: 4,
          HostImageID: '10001',
          sizeID: 'nibble-1024',
          regionID: 'world-1',
          sshKeys: [],
          password: 'Launch-Passw0rd',
        },
      },
      auth,
    )
    expect(created.status).toBe(201)
    const id = created.body['id'] as string
    const ip = await until(
      'the server',
      async () => {
        const s = await call(bitlaunch.url, 'GET', `/api/servers/${id}`, undefined, auth)
        return s.body['status'] === 'ok' ? (s.body['ipv4'] as string) : undefined
      },
      60_000,
    )
    await recordPids(ip)
    expect((await sshRun(ip, 'Launch-Passw0rd', 'hostname')).trim()).toBe('launch-child')
    // $7 at one cent an hour: about 29 world days, under fifteen real seconds.
    await until(
      'the balance to run out',
      async () =>
        (await call(bitlaunch.url, 'GET', `/api/servers/${id}`, undefined, auth)).body['status'] === 'deleted'
          ? true
          : undefined,
      60_000,
    )
    await until(
      'the host to be gone',
      async () => (provisioner.list().some((h) => h.ip === ip) ? undefined : true),
      30_000,
    )
  })

  it("Mullvad-like: an account paid in bitcoin registers a key whose tunnel carries a host's traffic", async () => {
    const created = await call(vpn.url, 'POST', '/accounts/v1/accounts', {})
    const number = created.body['number'] as string
    // The account page the original scraped: "1 month = X BTC" and the read-only address.
    const login = await fetch(`${vpn.url}/en/account/login/`, {
      method: 'POST',
      body: new URLSearchParams({ account_number: number }),
      redirect: 'manual',
    })
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
    const page = await (await fetch(`${vpn.url}/en/account/bitcoin/`, { headers: { cookie } })).text()
    const month = /1 month = ([0-9.]+) BTC/.exec(page)![1]!
    const address = /readonly value="([^"]+)"/.exec(page)![1]!
    await chain.faucet(address, parseBtc(month))
    await chain.mine(1)
    const token = (await call(vpn.url, 'POST', '/auth/v1/token', { account_number: number })).body[
      'access_token'
    ] as string
    const auth = { authorization: `Bearer ${token}` }
    await until(
      'paid time',
      async () => {
        const me = await call(vpn.url, 'GET', '/accounts/v1/accounts/me', undefined, auth)
        return Date.parse(me.body['expiry'] as string) > Date.now() + 86_400_000 ? true : undefined
      },
      30_000,
    )
    const client = await provisioner.create({ hostname: 'vpn-client', rootPassword: 'client-pw-1' })
    await recordPids(client.ip)
    await recordPids(endpoint.host.ip)
    const privateKey = (await run(client, ['wg', 'genkey'])).trim()
    const publicKey = (await run(client, ['wg', 'pubkey'], `${privateKey}\n`)).trim()
    const device = await call(vpn.url, 'POST', '/accounts/v1/devices', { pubkey: publicKey }, auth)
    expect(device.status).toBe(201)
    const peer = device.body['peer'] as { public_key: string; endpoint: string; allowed_ips: string }
    const setup = [
      'set -euo pipefail',
      'for i in $(seq 100); do wg show wg0 >/dev/null 2>&1 && break; sleep 0.05; done',
      'umask 077; cat > /tmp/wg0.key',
      `wg set wg0 private-key /tmp/wg0.key peer ${peer.public_key} endpoint ${peer.endpoint} allowed-ips ${peer.allowed_ips}`,
      `ip address add ${device.body['ipv4_address'] as string} dev wg0`,
      'ip link set wg0 up',
      `ip route add ${network.gatewayIp}/32 dev wg0`,
    ].join('\n')
    await run(client, ['wireguard-go', 'wg0'])
    await run(client, ['bash', '-c', setup], `${privateKey}\n`)
    expect((await run(client, ['curl', '-sS', '--max-time', '10', whoami.url])).trim()).toBe(endpoint.host.ip)
    // A month is 15 real seconds here: when it ends, the key is revoked at the endpoint.
    await until(
      'revocation',
      async () => (endpoint.peers().some((p) => p.publicKey === publicKey) ? undefined : true),
      60_000,
    )
    await client.destroy()
  })
})
