import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCoreRpc, isAlive } from '@dolly/world'
import { DOLLY_MAIN, dolly as runDolly } from './dolly-cli.ts'
import { machineSnapshot } from './hosts-helpers.ts'

const MAIN = DOLLY_MAIN
const dolly = (...args: string[]) => runDolly(args)

async function pidsOf(dir: string): Promise<{ world: number; chain: number }> {
  const state = JSON.parse(await readFile(join(dir, 'world.json'), 'utf8')) as {
    pid: number
    chain: { pid: number }
  }
  return { world: state.pid, chain: state.chain.pid }
}

describe('dolly world (as a user runs it)', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-world-'))
  })

  afterAll(async () => {
    await dolly('world', 'down', '--dir', dir)
    await rm(dir, { recursive: true, force: true })
  })

  it('comes up detached with its shops, refuses a second up, pays from the faucet and shows the payment confirmed', async () => {
    const up = await dolly('world', 'up', '--detach', '--dir', dir, '--time-scale', '6000', '--json')
    expect(up.code, up.stderr).toBe(0)
    const status0 = JSON.parse(up.stdout) as {
      running: boolean
      chain: { height: number; rpcUrl: string }
      network: { gatewayIp: string; hostRpcUrl: string }
      components: {
        shops: Array<{ name: string; url: string }>
        apiProviders: Array<{ name: string }>
        vpnProviders: Array<{ name: string }>
        hosts: Array<{ hostname: string; ip: string }>
        release: { url: string } | null
      }
    }
    expect(status0.running).toBe(true)
    expect(status0.components.shops.map((s) => s.name)).toEqual([
      'bluecloud',
      'crownhost',
      'pulsevps',
      'twosync',
    ])
    expect(status0.components.apiProviders.map((s) => s.name)).toEqual(['sporestack', 'bitlaunch'])
    expect(status0.components.vpnProviders.map((s) => s.name)).toEqual(['mullvad'])
    expect(status0.components.hosts.map((h) => h.hostname)).toEqual(['vpn-endpoint'])
    // The shops really serve their WHMCS pages on the bridge (pulsevps has no JavaScript challenge).
    const shopPage = await fetch(new URL('cart.php', status0.components.shops[2]!.url))
    expect(shopPage.status).toBe(200)
    expect(await shopPage.text()).toMatch(/cart\.php\?a=add&amp;pid=\d/)
    expect(status0.network.hostRpcUrl).toContain(status0.network.gatewayIp)

    const second = await dolly('world', 'up', '--detach', '--dir', dir)
    expect(second.code).toBe(1)
    expect(second.stderr).toContain('WORLD_ALREADY_RUNNING')

    const state = JSON.parse(await readFile(join(dir, 'world.json'), 'utf8')) as {
      chain: { rpcUrl: string; rpcUser: string; rpcPassword: string }
    }
    const rpc = createCoreRpc({
      url: state.chain.rpcUrl,
      user: state.chain.rpcUser,
      password: state.chain.rpcPassword,
    })
    await rpc('createwallet', ['user'])
    const address = await rpc<string>('getnewaddress', ['', 'bech32'], { wallet: 'user' })

    const paid = await dolly('world', 'faucet', address, '1', '--dir', dir, '--json')
    expect(paid.code).toBe(0)
    const { txid } = JSON.parse(paid.stdout) as { txid: string }
    expect(txid).toMatch(/^[0-9a-f]{64}$/)

    // At 6000× a block comes every 0.1 real seconds: wait (bounded) for the payment to confirm.
    let confirmations = 0
    for (let i = 0; i < 100 && confirmations === 0; i++) {
      const status = JSON.parse((await dolly('world', 'status', '--json', '--dir', dir)).stdout) as {
        chain: { height: number }
        faucet: { payments: Array<{ txid: string; amountSats: string; confirmations: number }> }
      }
      const payment = status.faucet.payments.find((p) => p.txid === txid)
      expect(payment?.amountSats).toBe('100000000')
      confirmations = payment?.confirmations ?? 0
      expect(status.chain.height).toBeGreaterThanOrEqual(status0.chain.height)
    }
    expect(confirmations).toBeGreaterThan(0)
  })

  it('rejects bad faucet input with exit code 2 and pays nothing', async () => {
    const before = JSON.parse((await dolly('world', 'status', '--json', '--dir', dir)).stdout) as {
      faucet: { payments: unknown[] }
    }
    const cases: Array<[string[], string]> = [
      [['notanaddress', '1'], 'WORLD_INVALID_ADDRESS'],
      [['bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', '1'], 'WORLD_INVALID_ADDRESS'],
      [['rltc1qet3524zpdqup9q2vnyv6vaqs2377qg5pxdjf6t', '0.123456789'], 'BASE_AMOUNT_TOO_PRECISE'],
      [['rltc1qet3524zpdqup9q2vnyv6vaqs2377qg5pxdjf6t', '-1'], 'BASE_INVALID_AMOUNT'],
      [['rltc1qet3524zpdqup9q2vnyv6vaqs2377qg5pxdjf6t', '1', '--bogus'], "unknown option '--bogus'"],
    ]
    for (const [args, message] of cases) {
      const result = await dolly('world', 'faucet', ...args, '--dir', dir)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toContain(message)
    }
    const after = JSON.parse((await dolly('world', 'status', '--json', '--dir', dir)).stdout) as {
      faucet: { payments: unknown[] }
    }
    expect(after.faucet.payments).toHaveLength(before.faucet.payments.length)
  })

  it('cleans up after a crashed world and comes up again; down leaves no process, namespace or link behind', async () => {
    const { world, chain } = await pidsOf(dir)
    const crashed = JSON.parse(await readFile(join(dir, 'world.json'), 'utf8')) as {
      network: { bridge: string }
      content: { bridge: string; subnetCidr: string }
    }
    const bridge = crashed.network.bridge
    // The content network (issue 16) is the world network's twin: bridge dollycbr<i>, namespace dollyc<i>.
    const contentBridge = crashed.content.bridge
    const contentNetns = contentBridge.replace('dollycbr', 'dollyc')
    process.kill(world, 'SIGKILL')
    for (let i = 0; i < 50 && isAlive(world); i++) await new Promise((r) => setTimeout(r, 100))
    expect(isAlive(chain)).toBe(true) // the orphaned node is what "up after a crash" must clean

    const up = await dolly('world', 'up', '--detach', '--dir', dir)
    expect(up.code).toBe(0)
    expect(isAlive(chain)).toBe(false)
    const again = await pidsOf(dir)

    const down = await dolly('world', 'down', '--dir', dir, '--json')
    expect(down.code).toBe(0)
    expect(JSON.parse(down.stdout)).toMatchObject({ stopped: true })
    expect(isAlive(again.world)).toBe(false)
    expect(isAlive(again.chain)).toBe(false)
    // Whole names: another world running beside this one may hold dollybr31 when ours was dollybr3.
    const machine = machineSnapshot()
    expect(machine.links).not.toContain(bridge)
    expect(machine.links).not.toContain(contentBridge)
    expect(machine.netns).not.toContain(contentNetns)
    const status = await dolly('world', 'status', '--json', '--dir', dir)
    expect(JSON.parse(status.stdout)).toMatchObject({ running: false })
  })

  it('stops cleanly on Ctrl-C in the foreground', async () => {
    const child = spawn(
      process.execPath,
      [MAIN, 'world', '--dir', dir, 'up', '--time-scale', '600', '--providers', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    for (let i = 0; i < 600 && !out.includes('world: up.'); i++) await new Promise((r) => setTimeout(r, 100))
    expect(out).toContain('world: up.')
    const { chain } = await pidsOf(dir)
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(out).toContain('world: stopped')
    expect(isAlive(chain)).toBe(false)
    expect(JSON.parse((await dolly('world', 'status', '--json', '--dir', dir)).stdout)).toMatchObject({
      running: false,
    })
  })
})
