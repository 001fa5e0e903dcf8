import { readFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  deriveAccount,
  deriveChildRoot,
  keystoreAccount,
  parseKeystoreDocument,
  readKeystoreFile,
  unlockKeystore,
} from '@dolly/wallet'
import type { WorldHost } from '@dolly/world'
import {
  inHost,
  runPlebnet as runIn,
  snapshotApp,
  startTestWorld,
  type TestWorld,
} from './replication-helpers.ts'

// Real world hosts (namespaces with their own sshd), the real CLI, real SSH: needs root, like every
// integration test of hosts. One parent home for the file, so the copy-self bundle is built once.
describe('plebnet create-child on world hosts', () => {
  let world: TestWorld
  let home: string
  let child: WorldHost
  let app: string
  const runPlebnet = (...args: Parameters<typeof runIn>) => runIn(args[0], args[1], args[2], args[3], app)
  const passphrase = 'parent-wallet-passphrase'

  const create = (ip: string, password: string, extra: string[] = []) =>
    runPlebnet(
      home,
      ['create-child', '-i', ip, '-p', password, '--heartbeat-timeout', '30', '--json', ...extra],
      240_000,
      {
        PLEBNET_WALLET_PASSPHRASE: passphrase,
      },
    )

  beforeAll(async () => {
    world = await startTestWorld()
    app = await snapshotApp()
    home = await mkdtemp(join(tmpdir(), 'dolly-parent-'))
    // The parent: a root agent with a wallet, so the child's wallet key comes from the family tree.
    expect((await runPlebnet(home, ['setup', '--no-service', '--tree', 'genesis'])).exitCode).toBe(0)
    const created = await runPlebnet(home, ['wallet', 'create', '--network', 'world'], 60_000, {
      PLEBNET_WALLET_PASSPHRASE: passphrase,
    })
    expect(created.exitCode, created.stderr).toBe(0)
  })

  afterAll(async () => {
    await world?.stop()
    for (const dir of [home, app]) if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('installs a child on a fresh host whose daemon answers its status API with its tree path', async () => {
    child = await world.provisioner.create({ hostname: 'child0', rootPassword: 'provider-pw-0' })
    const run = await runPlebnet(
      home,
      ['create-child', '-i', child.ip, '-p', 'provider-pw-0', '--heartbeat-timeout', '30', '--json'],
      240_000,
      { PLEBNET_WALLET_PASSPHRASE: passphrase },
    )
    expect(run.exitCode, run.stderr + run.stdout).toBe(0)
    const report = JSON.parse(run.stdout) as {
      tree: string
      bytesPushed: number
      status: { tree: string; publicKey: string; parentTree: string; hostIp: string; heartbeatAtMs: number }
    }
    expect(report.tree).toBe('genesis.0')
    expect(report.bytesPushed).toBeGreaterThan(1_000_000)

    // From inside the child's own host over loopback: the full status.
    const inside = JSON.parse(
      await inHost(child, 'curl -sS --max-time 5 http://127.0.0.1:8480/status'),
    ) as Record<string, unknown>
    expect(inside).toMatchObject({ tree: 'genesis.0', parentTree: 'genesis', hostIp: child.ip })
    // Over the host's address (not loopback) without the token: the public part only.
    const viaAddress = JSON.parse(
      await inHost(child, `curl -sS --max-time 5 http://${child.ip}:8480/status`),
    ) as Record<string, unknown>
    expect(viaAddress).toMatchObject({ access: 'public', tree: 'genesis.0', handingOver: false })
    expect(viaAddress).not.toHaveProperty('hostIp')
    expect(viaAddress).not.toHaveProperty('lifecycle')
    // With the child's token (0600 in its home) over the same address: everything.
    const withToken = JSON.parse(
      await inHost(
        child,
        `curl -sS --max-time 5 -H "authorization: Bearer $(cat /root/.config/plebnet/status.token)" http://${child.ip}:8480/status`,
      ),
    ) as Record<string, unknown>
    expect(withToken).toMatchObject({ tree: 'genesis.0', hostIp: child.ip })
    expect(
      await inHost(child, 'curl -sS -o /dev/null -w "%{http_code}" -X POST http://127.0.0.1:8480/status'),
    ).toBe('405')
    // The child made its own identity: not the parent's key.
    const parentStatus = await runPlebnet(home, ['status', '--host', child.ip, '--json'])
    expect(parentStatus.exitCode).toBe(0)
    expect(JSON.parse(parentStatus.stdout)).toMatchObject({
      tree: 'genesis.0',
      publicKey: inside['publicKey'],
    })
    expect(await readFile(join(home, 'identity.key'), 'utf8')).not.toContain(String(inside['publicKey']))

    // Hand-over: the wallet is the family key tree's child 0 of the parent, sealed on the child; secrets 0600.
    const childWallet = parseKeystoreDocument(
      JSON.parse(await inHost(child, 'cat /root/.config/plebnet/wallet.json')),
    )
    const parentDoc = await readKeystoreFile(join(home, 'wallet.json'))
    const parentRoot = (await unlockKeystore(parentDoc, passphrase)).root
    const { params } = keystoreAccount(parentDoc)
    expect(childWallet.tree).toBe('genesis.0')
    expect(childWallet.accountXpub).toBe(
      deriveAccount(deriveChildRoot(parentRoot, 0), params).neutered().toBase58(),
    )
    const modes = await inHost(
      child,
      'cd /root/.config/plebnet && stat -c "%a %n" identity.key wallet.json plebnet_setup.cfg agent.json',
    )
    expect(
      modes
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['600', '600', '600', '600'])
    expect(await inHost(child, 'ls /root/.config/plebnet/child_payload')).toBe('')
    const cfg = await inHost(child, 'cat /root/.config/plebnet/plebnet_setup.cfg')
    expect(cfg).toMatch(/^password = \S{20,}$/m)
    // Access: key login only now, with a new root password the parent kept.
    const record = JSON.parse(await readFile(join(home, 'children', `${child.ip}.json`), 'utf8')) as Record<
      string,
      unknown
    >
    expect(record).toMatchObject({ keyInstalled: true, passwordLoginDisabled: true, tree: 'genesis.0' })
    expect(String(record['fingerprint'])).toMatch(/^SHA256:/)
    // The new root password the parent kept is really root's now (libc crypt against the shadow hash).
    const shadow = (await inHost(child, 'getent shadow root | cut -d: -f2')).trim()
    const verify = (password: string) =>
      child.exec(
        [
          'perl',
          '-e',
          'my $p = <STDIN>; chomp $p; print crypt($p, $ARGV[0]) eq $ARGV[0] ? "ok" : "no"',
          shadow,
        ],
        {
          input: `${password}\n`,
        },
      )
    expect((await verify(String(record['rootPassword']))).stdout).toBe('ok')
    expect((await verify('provider-pw-0')).stdout).toBe('no')
    expect(await inHost(child, 'sshd -T | awk \'$1=="passwordauthentication"{print $2}\'')).toBe('no\n')
    const parentRecord = JSON.parse(await readFile(join(home, 'agent.json'), 'utf8')) as {
      contacts: unknown[]
      childIndex: number
    }
    expect(parentRecord.contacts).toEqual([
      { publicKey: inside['publicKey'], tree: 'genesis.0', host: child.ip, statusPort: 8480 },
    ])
    expect(parentRecord.childIndex).toBe(1)
    // Supervision: the watchdog restarts a killed daemon, under the cron @reboot entry's script.
    expect(await inHost(child, 'cat /etc/cron.d/plebnet')).toContain('@reboot root')
  })

  it('changes nothing when run again on an installed child', async () => {
    const before = await inHost(
      child,
      'pgrep -f "^/opt/plebnet/current/bin/node .* daemon"; readlink /opt/plebnet/current; cat /root/.config/plebnet/agent.json',
    )
    const run = await create(child.ip, 'provider-pw-0')
    expect(run.exitCode, run.stdout).toBe(0)
    const report = JSON.parse(run.stdout) as {
      bytesPushed: number
      steps: { step: string; skipped: boolean }[]
    }
    expect(report.bytesPushed).toBe(0)
    expect(report.steps.filter((s) => s.skipped).map((s) => s.step)).toEqual([
      'access',
      'install',
      'handover',
    ])
    expect(
      await inHost(
        child,
        'pgrep -f "^/opt/plebnet/current/bin/node .* daemon"; readlink /opt/plebnet/current; cat /root/.config/plebnet/agent.json',
      ),
    ).toBe(before)
  })

  it('restarts a killed daemon through the watchdog', async () => {
    const pid = (await inHost(child, 'pgrep -f "^/opt/plebnet/current/bin/node .* daemon"')).trim()
    await inHost(child, `kill -9 ${pid}`)
    let answered = ''
    for (let i = 0; i < 50 && answered === ''; i++) {
      await new Promise((r) => setTimeout(r, 200))
      const r = await child.exec(['curl', '-sS', '--max-time', '1', `http://${child.ip}:8480/health`])
      answered = r.exitCode === 0 ? r.stdout : ''
    }
    expect(JSON.parse(answered)).toMatchObject({ ok: true, tree: 'genesis.0' })
    expect((await inHost(child, 'pgrep -f "^/opt/plebnet/current/bin/node .* daemon"')).trim()).not.toBe(pid)
  })

  it('fails with exit 2 and a clear error on a wrong password', async () => {
    const host = await world.provisioner.create({ hostname: 'wrongpw', rootPassword: 'the-real-one' })
    const run = await create(host.ip, 'not-the-password')
    expect(run.exitCode).toBe(2)
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string } }
    expect(error.code).toBe('REPLICATION_SSH_AUTH_FAILED')
    expect(error.message).toContain('refused root login with the given password')
    await host.destroy()
  })

  it('refuses a server whose host key changed since it was pinned', async () => {
    await inHost(
      child,
      'rm -f /etc/ssh/ssh_host_ed25519_key* /etc/ssh/ssh_host_ecdsa_key* && ssh-keygen -q -A && kill -HUP "$(cat /run/sshd.pid)"',
    )
    await new Promise((r) => setTimeout(r, 300))
    const run = await create(child.ip, 'provider-pw-0')
    expect(run.exitCode).toBe(2)
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string } }
    expect(error.code).toBe('REPLICATION_HOST_KEY_CHANGED')
  })

  it('never installs a second child on a server another child claimed', async () => {
    const host = await world.provisioner.create({ hostname: 'taken', rootPassword: 'taken-pw' })
    await inHost(
      host,
      'mkdir -p /opt/plebnet && echo \'{"tree":"other.3","parentPublicKey":"x"}\' > /opt/plebnet/child.json',
    )
    const run = await create(host.ip, 'taken-pw')
    expect(run.exitCode).toBe(3)
    expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toBe(
      'REPLICATION_SERVER_OCCUPIED',
    )
    expect(await inHost(host, 'ls /opt/plebnet')).toBe('child.json\n')
    await host.destroy()
  })

  // Two full create-child runs (each allowed 240 s) on a busy machine: the test gets both.
  it(
    'resumes the upload after the host link is cut mid-install and restored',
    { timeout: 480_000 },
    async () => {
      // 80 Mbit/s towards the host: the bundle takes seconds to upload, so the cut lands inside it
      // however slowly this machine polls (unthrottled, a busy poll could miss the whole upload).
      const host = await world.provisioner.create({
        hostname: 'flaky',
        rootPassword: 'flaky-pw',
        bandwidthMbit: 80,
      })
      const pending = create(host.ip, 'flaky-pw')
      // Cut the link once a few MB of the bundle reached the server.
      let size = 0
      for (let i = 0; i < 3000 && size < 8_000_000; i++) {
        await new Promise((r) => setTimeout(r, 20))
        const r = await host.exec([
          'bash',
          '-c',
          'stat -c %s /opt/plebnet/incoming/*.part 2>/dev/null || echo 0',
        ])
        const now = Number(r.stdout.trim().split('\n')[0] ?? 0)
        // The part file vanishes when the upload completes: then the cut would come too late.
        if (now === 0 && size > 0)
          throw new Error(`the upload finished before the cut (last seen ${size} bytes)`)
        size = now
      }
      expect(size).toBeGreaterThanOrEqual(8_000_000)
      await inHost(host, 'ip link set eth0 down')
      const cut = await pending
      expect(cut.exitCode, cut.stdout + cut.stderr).toBe(2)
      expect((JSON.parse(cut.stdout) as { error: { code: string } }).error.code).toBe(
        'REPLICATION_SSH_UNREACHABLE',
      )
      const kept = Number((await inHost(host, 'stat -c %s /opt/plebnet/incoming/*.part')).trim())
      expect(kept).toBeGreaterThan(0)
      await inHost(
        host,
        `ip link set eth0 up && ip route replace default via ${world.network.gatewayIp} || true`,
      )
      const resumed = await create(host.ip, 'flaky-pw')
      expect(resumed.exitCode, resumed.stdout).toBe(0)
      const report = JSON.parse(resumed.stdout) as {
        resumedFromBytes: number
        bytesPushed: number
        bundleBytes: number
        tree: string
      }
      // Late writes of the cut session may have landed after `kept` was read; never fewer bytes.
      expect(report.resumedFromBytes).toBeGreaterThanOrEqual(kept)
      expect(report.resumedFromBytes + report.bytesPushed).toBe(report.bundleBytes)
      expect(report.tree).toMatch(/^genesis\.\d+$/)
      await host.destroy()
    },
  )
})
