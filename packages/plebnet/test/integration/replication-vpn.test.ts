import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCryptoRng, createMemoryLogger } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  renderWgQuickConfig,
  startVpnEndpoint,
  startWhoami,
  type VpnEndpoint,
  type WhoamiServer,
} from '@dolly/world'
import { inHost, runPlebnet, startTestWorld, type TestWorld } from './replication-helpers.ts'

// The child's VPN (AGENT.md §9) against the world's WireGuard endpoint: the parent hands over a
// wg-quick file, the child brings it up with policy routing, whoami (an "Internet" address, so
// reached through the default route) must see the endpoint, and SSH from a non-local address must
// still reach the child on its public address.
describe('plebnet create-child with a WireGuard VPN', () => {
  let world: TestWorld
  let home: string
  let vpn: VpnEndpoint
  let whoami: WhoamiServer

  beforeAll(async () => {
    world = await startTestWorld()
    home = await mkdtemp(join(tmpdir(), 'dolly-parent-vpn-'))
    vpn = await startVpnEndpoint({
      provisioner: world.provisioner,
      log: createMemoryLogger(),
      rng: createCryptoRng(),
    })
    whoami = await startWhoami({ host: world.network.internetIp, port: 0 })
    expect((await runPlebnet(home, ['setup', '--no-service', '--tree', 'vpnroot'])).exitCode).toBe(0)
  })

  afterAll(async () => {
    await whoami?.stop()
    await vpn?.stop()
    await world?.stop()
    if (home !== undefined) await rm(home, { recursive: true, force: true })
  })

  it('brings the tunnel up: the outbound address changes and SSH still reaches the public address', async () => {
    const host = await world.provisioner.create({ hostname: 'vpnchild', rootPassword: 'vpn-pw' })
    const privateKey = execFileSync('wg', ['genkey'], { encoding: 'utf8' }).trim()
    const publicKey = execFileSync('wg', ['pubkey'], { input: `${privateKey}\n`, encoding: 'utf8' }).trim()
    const grant = await vpn.addPeer(publicKey)
    const confPath = join(home, 'child_0_wg.conf')
    await writeFile(
      confPath,
      renderWgQuickConfig({ privateKey, address: grant.clientAddress }, grant.peerConfig),
      { mode: 0o600 },
    )
    expect((await inHost(host, `curl -sS --max-time 5 ${whoami.url}`)).trim()).toBe(host.ip)

    const run = await runPlebnet(
      home,
      [
        'create-child',
        '-i',
        host.ip,
        '-p',
        'vpn-pw',
        '-conf',
        confPath,
        'own_wg.conf',
        '--vpn-check-url',
        whoami.url,
        '--json',
      ],
      180_000,
    )
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as { steps: { step: string }[]; status: { access?: string } }
    expect(report.steps.map((s) => s.step)).toContain('vpn')
    // The parent reads the child's public status; the host address is in the full one, over loopback.
    expect(report.status.access).toBe('public')
    const inside = JSON.parse(await inHost(host, 'curl -sS --max-time 5 http://127.0.0.1:8480/status')) as {
      hostIp: string
    }
    expect(inside.hostIp).toBe(host.ip)
    expect((await inHost(host, `curl -sS --max-time 10 ${whoami.url}`)).trim()).toBe(vpn.host.ip)
    expect(await inHost(host, 'stat -c %a /root/own_wg.conf')).toBe('600\n')

    // From an address outside the child's subnet, as a parent on the Internet would connect: without
    // the policy rule the replies would go into the tunnel and the connection would hang.
    const ssh = spawnSync(
      'ssh',
      [
        '-b',
        world.network.internetIp,
        '-i',
        join(home, 'ssh_id_ed25519'),
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'ConnectTimeout=10',
        `root@${host.ip}`,
        'hostname',
      ],
      { encoding: 'utf8', timeout: 20_000 },
    )
    expect(ssh.stdout.trim(), ssh.stderr).toBe('vpnchild')
    const status = execFileSync(
      'curl',
      ['-sS', '--max-time', '10', '--interface', world.network.internetIp, `http://${host.ip}:8480/health`],
      {
        encoding: 'utf8',
      },
    )
    expect(JSON.parse(status)).toMatchObject({ ok: true, tree: 'vpnroot.0' })

    // A rerun changes nothing: the tunnel and the rule are there once.
    const again = await runPlebnet(
      home,
      ['create-child', '-i', host.ip, '-p', 'vpn-pw', '-conf', confPath, 'own_wg.conf', '--json'],
      120_000,
    )
    expect(again.exitCode, again.stdout).toBe(0)
    expect((await inHost(host, 'ip -4 rule show | grep -c "lookup 7100"')).trim()).toBe('1')
    await host.destroy()
  })
})
