/**
 * `dolly world up --detach --genesis` as a user runs it: the world comes up in the background with a
 * funded genesis agent on a world host, `dolly world status --json` lists it, and `down` removes
 * everything. Bad flag combinations are refused before anything starts.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dolly as runDolly } from './dolly-cli.ts'
import { isAlive, machineSnapshot } from './hosts-helpers.ts'

/** Genesis installs over SSH, so `up --genesis` gets more time than the default. */
const dolly = (...args: string[]) => runDolly(args, 400_000)

interface Status {
  running: boolean
  pid: number
  network: { bridge: string }
  faucet: { payments: Array<{ address: string; amountSats: string | number }> }
  components: {
    hosts: Array<{ hostname: string; ip: string }>
    agents: Array<{
      tree: string
      hostIp: string
      provider: string | null
      alive: boolean
      balanceSats: string | null
      tunnels?: { relay: boolean; exit: boolean }
    }>
  }
}

describe('dolly world up --genesis (as a user runs it)', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-up-genesis-'))
  })

  afterAll(async () => {
    await dolly('world', 'down', '--dir', dir)
    await rm(dir, { recursive: true, force: true })
  })

  it('refuses --genesis without shops and a malformed --fund, starting nothing', async () => {
    const noShops = await dolly('world', 'up', '--detach', '--dir', dir, '--genesis', '--providers', '0')
    expect(noShops.code).toBe(2)
    expect(noShops.stderr).toContain('--genesis needs a world with shops and hosts')
    const badFund = await dolly('world', 'up', '--detach', '--dir', dir, '--genesis', '--fund', 'lots')
    expect(badFund.code).toBe(2)
    expect(badFund.stderr).toContain('--fund must be a positive amount')
    const status = await dolly('world', 'status', '--dir', dir, '--json')
    expect((JSON.parse(status.stdout) as { running: boolean }).running).toBe(false)
  })

  it('comes up in the background with a funded genesis agent that status lists, and down removes it all', async () => {
    const up = await dolly(
      'world',
      'up',
      '--detach',
      '--dir',
      dir,
      '--genesis',
      '--fund',
      '0.0005',
      '--providers',
      '1',
      '--time-scale',
      '3600',
      '--json',
    )
    expect(up.code, up.stderr).toBe(0)
    const status = JSON.parse(up.stdout) as Status
    const genesisHost = status.components.hosts.find((h) => h.hostname === 'genesis')
    expect(genesisHost).toBeDefined()
    const genesis = status.components.agents.find((a) => a.tree === 'dolly.0')
    expect(genesis).toMatchObject({ hostIp: genesisHost?.ip, provider: 'operator', alive: true })
    // The family's first exit (issue 16): it relays and exits, to the world's content network only.
    expect(genesis?.tunnels).toMatchObject({ relay: true, exit: true })
    // The bootstrap came from the faucet, on chain, to the genesis agent's wallet.
    expect(status.faucet.payments.some((p) => BigInt(p.amountSats) === 50_000n)).toBe(true)

    const later = JSON.parse((await dolly('world', 'status', '--dir', dir, '--json')).stdout) as Status
    expect(later.components.agents.some((a) => a.tree === 'dolly.0' && a.alive)).toBe(true)

    const down = await dolly('world', 'down', '--dir', dir)
    expect(down.code, down.stderr).toBe(0)
    expect(isAlive(status.pid)).toBe(false)
    // Every host of this world (genesis and what it bought) is gone with its namespace and the bridge.
    const index = status.network.bridge.replace('dollybr', '')
    const machine = machineSnapshot()
    expect(machine.netns.filter((n) => n.startsWith(`dolly${index}h`))).toEqual([])
    expect(machine.links).not.toContain(status.network.bridge)
    // The content network and the users' hosts (issue 16) go with it.
    expect(machine.links).not.toContain(`dollycbr${index}`)
    expect(machine.links.filter((l) => l.startsWith(`dc${index}h`) || l === `dcs${index}`)).toEqual([])
    expect(machine.netns).not.toContain(`dollyc${index}`)
  })
})
