/**
 * The `cloudomate` executable against a world shop: `vps list`, `vps options` with BTC estimates,
 * `vps purchase <shop> 0 --randomuser -f` paid from a keystore wallet and waited on until active,
 * then `getip`, `info` and `setrootpw`, and SSH with the new password. Exit codes of bad usage too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sshExec } from '../../src/adapters/ssh.ts'
import { createSshRootPasswordChanger, startProvider, type RunningProvider } from '../support/world.ts'
import { DAY_MS, makeCliHome, runCli, SCALE, startHarness, type Harness } from './world-harness.ts'

const run = runCli

describe('the cloudomate CLI on a world shop', () => {
  let h: Harness
  let shop: RunningProvider
  let home: string
  let env: Record<string, string>

  beforeAll(async () => {
    h = await startHarness('cloudomate-cli-')
    shop = await startProvider(
      {
        chain: h.chain,
        provisioner: h.provisioner,
        clock: h.worldClock,
        log: h.log,
        passwords: createSshRootPasswordChanger(),
      },
      {
        name: 'pulsevps',
        host: '127.0.0.1',
        invoiceExpiryMs: 20 * DAY_MS,
        pollIntervalMs: SCALE * 100,
        // A month of 60 world days was 30 real s at SCALE: on a loaded machine the lease ran out
        // between the purchase and the last SSH (EHOSTUNREACH). The lease is not what this tests.
        monthMs: 3_600 * DAY_MS,
      },
    )
    ;({ home, env } = await makeCliHome(h, `[pulsevps]\nurl = ${shop.url}`))
  })
  afterAll(async () => {
    await shop?.stop()
    await h?.stop()
  })

  it('lists, prices, buys with --randomuser, and reports IP and root password', async () => {
    const list = await run(['--home', home, 'vps', 'list'], env)
    expect(list.code).toBe(0)
    expect(list.stdout).toContain('   pulsevps       world: Pulse VPS')
    expect(list.stdout).toContain('   qhoster        https://www.qhoster.com')

    const options = await run(['--home', home, 'vps', 'options', 'pulsevps'], env)
    expect(options.code, options.stderr).toBe(0)
    // $5.99 at 1000 sats/USD + Coinbase's 1 % = 6050 sats, + 226 vB at 1 sat/vB = 6276 sats.
    expect(options.stdout).toMatch(/^0\s+Starter\s+1\s+1\s+25\s+1 TB\s+1\s+0\.06276\s+5\.99 USD\/month$/m)

    const buy = await run(['--home', home, 'vps', 'purchase', 'pulsevps', '0', '--randomuser', '-f'], env)
    expect(buy.code, buy.stderr + buy.stdout).toBe(0)
    expect(buy.stdout).toMatch(/Paying 0\.0000605 BTC to rltc1/)
    expect(buy.stdout).toMatch(/Server active: IP 10\.77\./)

    const journal = await run(['--home', home, 'vps', 'status'], env)
    expect(journal.stdout).toMatch(/^[0-9a-f]{24} {2}pulsevps +active +6050 sats {2}[0-9a-f]{64}$/m)
    const status = await run(['--home', home, 'vps', 'status', 'pulsevps'], env)
    expect(status.stdout).toContain('Online      yes')

    const ip = await run(['--home', home, 'vps', 'getip', 'pulsevps'], env)
    expect(ip.code, ip.stderr).toBe(0)
    const info = await run(['--home', home, '--json', 'vps', 'info', 'pulsevps'], env)
    const parsed = JSON.parse(info.stdout) as { ip: string; rootPassword: string }
    expect(parsed.ip).toBe(ip.stdout.trim())
    expect(
      (await sshExec({ host: parsed.ip, username: 'root', password: parsed.rootPassword }, 'true')).exitCode,
    ).toBe(0)

    const setpw = await run(['--home', home, 'vps', 'setrootpw', 'pulsevps', 'Fresh-Passw0rd-42'], env)
    expect(setpw.code, setpw.stderr).toBe(0)
    expect(
      (await sshExec({ host: parsed.ip, username: 'root', password: 'Fresh-Passw0rd-42' }, 'true')).exitCode,
    ).toBe(0)
    // `vps ssh` with a script on stdin (no terminal): the shell runs it on the server.
    const ssh = await run(['--home', home, 'vps', 'ssh', 'pulsevps'], env, 'echo on-$(hostname)\nexit\n')
    expect(ssh.code, ssh.stderr).toBe(0)
    expect(ssh.stdout).toMatch(/on-[a-z0-9]+\.example\.org/)
    const after = JSON.parse(
      (await run(['--home', home, '--json', 'vps', 'info', 'pulsevps'], env)).stdout,
    ) as { rootPassword: string }
    expect(after.rootPassword).toBe('Fresh-Passw0rd-42')
  })

  it('exits 2 for an unknown provider and 1 for an option out of range', async () => {
    expect((await run(['--home', home, 'vps', 'options', 'nosuchshop'], env)).code).toBe(2)
    const out = await run(['--home', home, 'vps', 'purchase', 'pulsevps', '7', '-f', '--randomuser'], env)
    expect(out.code).toBe(1)
    expect(out.stderr).toContain('Specified configuration 7 is not in range 0-1')
  })
})
