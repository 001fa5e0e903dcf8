/**
 * `dolly world up --detach --genesis` as a user runs it: the world comes up in the background with a
 * funded genesis agent on a world host, `dolly world status --json` lists it, and `down` removes
 * everything. Bad flag combinations are refused before anything starts.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realSleep } from '@dolly/base'
import { dolly as runDolly } from './dolly-cli.ts'
import { isAlive, machineSnapshot } from './hosts-helpers.ts'

/**
 * Joins the world's IRC channel as `tester` (Vision's tracker is `watcher`), asks `!general` every 5 s and returns the first reply
 * (the PRIVMSG text) whose tree is `tree`, within `timeoutMs`.
 */
async function askGeneral(irc: Status['irc'], tree: string, timeoutMs: number): Promise<string> {
  const socket = connect({ host: irc.localHost, port: irc.port })
  let buffer = ''
  const lines: string[] = []
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffer += chunk
    const parts = buffer.split('\r\n')
    buffer = parts.pop() ?? ''
    for (const line of parts) {
      if (line.startsWith('PING ')) socket.write(`PONG ${line.slice(5)}\r\n`)
      lines.push(line)
    }
  })
  socket.on('error', () => undefined)
  socket.write(`NICK tester\r\nUSER tester 0 * :test\r\nJOIN ${irc.channel}\r\n`)
  try {
    for (let waited = 0; waited < timeoutMs; waited += 5_000) {
      socket.write(`PRIVMSG ${irc.channel} :!general\r\n`)
      await realSleep(5_000)
      const reply = lines
        .map((l) => /^:[^ !]+![^ ]+ PRIVMSG [^ ]+ :(general: .*)$/.exec(l)?.[1])
        .find((text) => text?.includes(`'tree': '${tree}'`))
      if (reply !== undefined) return reply
    }
    throw new Error(
      `no !general reply for ${tree} in ${timeoutMs} ms; last lines:\n${lines.slice(-10).join('\n')}`,
    )
  } finally {
    socket.destroy()
  }
}

/** Genesis installs over SSH, so `up --genesis` gets more time than the default. */
const dolly = (...args: string[]) => runDolly(args, 400_000)

interface Status {
  running: boolean
  pid: number
  irc: { localHost: string; port: number; channel: string; pid: number }
  vision: { url: string }
  watch: { smtp: string; postcards: number; issuesUrl: string; issues: number }
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
      '--vision',
      '--vision-port',
      '0',
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

    // The world's ngircd (issue 18): the genesis agent's bot joined the family channel and answers.
    expect(status.irc.channel).toBe('#plebnet123')
    const general = await askGeneral(status.irc, 'dolly.0', 60_000)
    // Installed by hand on the operator's host: `host` is the operator, as the census says.
    expect(general).toMatch(
      /^general: \{'host': 'operator', 'option': 'genesis', 'vpn': (True|False), 'tree': 'dolly\.0', 'exitnode': True\}$/,
    )
    // Vision (`--vision`) tracks the same channel: the genesis agent shows in its family tree.
    let network: { nodes: { id: string; label: string; group: string }[] } = { nodes: [] }
    for (let i = 0; i < 60 && !network.nodes.some((n) => n.id === 'dolly.0'); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 1_000))
      network = (await (await fetch(new URL('network', status.vision.url))).json()) as typeof network
    }
    expect(network.nodes.find((n) => n.id === 'dolly.0')).toMatchObject({ group: 'operator' })
    // The mail sink and the issue tracker are listed; no child yet, so no postcard.
    expect(later.watch).toMatchObject({ postcards: 0 })

    const down = await dolly('world', 'down', '--dir', dir)
    expect(down.code, down.stderr).toBe(0)
    expect(isAlive(status.pid)).toBe(false)
    expect(isAlive(status.irc.pid)).toBe(false)
    // Every host of this world (genesis and what it bought) is gone with its namespace and the bridge.
    const index = status.network.bridge.replace('dollybr', '')
    const machine = machineSnapshot()
    expect(machine.netns.filter((n) => n.startsWith(`dolly${index}h`))).toEqual([])
    expect(machine.links).not.toContain(status.network.bridge)
    // The content network and the users' hosts (issue 16) go with it.
    expect(machine.links).not.toContain(`dollycbr${index}`)
    expect(machine.links.filter((l) => l.startsWith(`dc${index}h`) || l === `dcs${index}`)).toEqual([])
    expect(machine.netns).not.toContain(`dollyc${index}`)
  }, 300_000) // world up with genesis and Vision, IRC and the tracker: about 2–3 minutes
})
