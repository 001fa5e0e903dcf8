import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCryptoRng, createMemoryLogger, errorCode } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanupLeftovers,
  createHostNetwork,
  createHostProvisioner,
  type HostProvisioner,
  type PlannedHostNetwork,
  type WorldHost,
} from '../../src/hosts/index.ts'
import { renderWgQuickConfig, startVpnEndpoint, type VpnEndpoint } from '../../src/vpn-endpoint/index.ts'
import { startWhoami, type WhoamiServer } from '../../src/whoami/index.ts'
import { machineSnapshot } from './hosts-helpers.ts'

async function run(host: WorldHost, argv: string[], input?: string): Promise<string> {
  const result = await host.exec(argv, input === undefined ? {} : { input })
  if (result.exitCode !== 0)
    throw new Error(`${argv.join(' ')} in ${host.hostname}: exit ${result.exitCode}: ${result.stderr}`)
  return result.stdout
}

describe('VPN endpoint host', () => {
  let stateDir: string
  let network: PlannedHostNetwork
  let provisioner: HostProvisioner
  let whoami: WhoamiServer
  let vpn: VpnEndpoint
  const log = createMemoryLogger()

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'dolly-vpn-'))
    network = await createHostNetwork({ stateDir })
    provisioner = createHostProvisioner({ network, log }, { stateDir })
    whoami = await startWhoami({ host: network.gatewayIp, port: 0 })
    vpn = await startVpnEndpoint({ provisioner, log, rng: createCryptoRng() })
  })

  afterAll(async () => {
    await whoami?.stop()
    await vpn?.stop()
    await provisioner?.destroyAll()
    await network?.stop()
    if (stateDir !== undefined) {
      await cleanupLeftovers(stateDir)
      await rm(stateDir, { recursive: true, force: true })
    }
  })

  it('routes a client host through WireGuard so whoami sees the endpoint address instead of its own', async () => {
    const client = await provisioner.create({ hostname: 'client', rootPassword: 'client-pw' })
    const whoamiUrl = whoami.url
    expect((await run(client, ['curl', '-sS', '--max-time', '5', whoamiUrl])).trim()).toBe(client.ip)

    const privateKey = (await run(client, ['wg', 'genkey'])).trim()
    const publicKey = (await run(client, ['wg', 'pubkey'], `${privateKey}\n`)).trim()
    const grant = await vpn.addPeer(publicKey)
    expect(grant.clientAddress).toBe('10.99.0.2/32')
    expect(grant.peerConfig).toMatchObject({ publicKey: vpn.publicKey, endpoint: vpn.endpoint })
    expect(await vpn.addPeer(publicKey)).toEqual(grant)

    // What a client does with the provider's config: wg-quick's steps by hand (wireguard-go as the
    // interface, as the agent does on a VPS without the kernel module), routing the whoami host only.
    const config = renderWgQuickConfig({ privateKey, address: grant.clientAddress }, grant.peerConfig)
    expect(config).toContain(`Endpoint = ${vpn.endpoint}`)
    await run(client, ['wireguard-go', 'wg0'])
    const setup = [
      'set -euo pipefail',
      'for i in $(seq 100); do wg show wg0 >/dev/null 2>&1 && break; sleep 0.05; done',
      'umask 077; cat > /tmp/wg0.key',
      `wg set wg0 private-key /tmp/wg0.key peer ${grant.peerConfig.publicKey} endpoint ${grant.peerConfig.endpoint} allowed-ips ${grant.peerConfig.allowedIps}`,
      `ip address add ${grant.clientAddress} dev wg0`,
      'ip link set wg0 up',
      `ip route add ${network.gatewayIp}/32 dev wg0`,
    ].join('\n')
    await run(client, ['bash', '-c', setup], `${privateKey}\n`)
    expect((await run(client, ['curl', '-sS', '--max-time', '10', whoamiUrl])).trim()).toBe(vpn.host.ip)

    await vpn.removePeer(publicKey)
    expect(vpn.peers()).toEqual([])
    const cut = await client.exec(['curl', '-sS', '--max-time', '2', whoamiUrl])
    expect(cut.exitCode).not.toBe(0)
    await client.destroy()
  })

  it('with the wg-quick file as handed out, Internet traffic leaves through the endpoint and the LAN stays direct', async () => {
    const client = await provisioner.create({ hostname: 'quick', rootPassword: 'quick-pw' })
    const internet = await startWhoami({ host: network.internetIp, port: 0 })
    try {
      expect((await run(client, ['curl', '-sS', '--max-time', '5', internet.url])).trim()).toBe(client.ip)
      const privateKey = (await run(client, ['wg', 'genkey'])).trim()
      const publicKey = (await run(client, ['wg', 'pubkey'], `${privateKey}\n`)).trim()
      const grant = await vpn.addPeer(publicKey)
      const config = renderWgQuickConfig({ privateKey, address: grant.clientAddress }, grant.peerConfig)
      await run(
        client,
        ['bash', '-c', 'umask 077; mkdir -p /etc/wireguard; cat > /etc/wireguard/wg0.conf; wg-quick up wg0'],
        config,
      )
      expect((await run(client, ['curl', '-sS', '--max-time', '10', internet.url])).trim()).toBe(vpn.host.ip)
      // wg-quick keeps directly connected subnets off the tunnel (suppress_prefixlength 0).
      expect((await run(client, ['curl', '-sS', '--max-time', '10', whoami.url])).trim()).toBe(client.ip)
      await vpn.removePeer(publicKey)
    } finally {
      await internet.stop()
      await client.destroy()
    }
  })

  it('refuses a malformed client key', async () => {
    await expect(vpn.addPeer('not-a-key')).rejects.toSatisfy((e) => errorCode(e) === 'WORLD_VPN_INVALID_KEY')
  })

  it('stop destroys the endpoint host and everything in it', async () => {
    const pids = await vpn.host.pids()
    expect(pids.length).toBeGreaterThan(0)
    await vpn.stop()
    expect(await vpn.host.pids()).toEqual([])
    expect(machineSnapshot().netns).not.toContain(vpn.host.id)
    await expect(vpn.addPeer(vpn.publicKey)).rejects.toSatisfy((e) => errorCode(e) === 'WORLD_VPN_STOPPED')
  })
})
