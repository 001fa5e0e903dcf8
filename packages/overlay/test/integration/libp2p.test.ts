import { createNullLogger, createSeededRng, createSystemClock } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity, type Identity } from '@dolly/base'
import { createQTable } from '@dolly/learning'
import { createAgentNetwork, type AgentNetwork } from '../../src/agent-network.ts'
import { startLibp2pHost, type Libp2pHost } from '../../src/adapters/libp2p-host.ts'
import { gossipProtocol, libp2pNetworkTransport } from '../../src/adapters/network-transport.ts'
import { BROADCAST_TOPIC, MAX_FRAME_BYTES } from '../../src/constants.ts'

interface Agent {
  readonly identity: Identity
  readonly host: Libp2pHost
  readonly network: AgentNetwork
}

const running: Agent[] = []
afterEach(async () => {
  for (const a of running.splice(0)) {
    await a.network.stop()
    await a.host.stop()
  }
})

async function startAgent(
  seed: string,
  bootstrap: readonly Agent[],
  extra: { broadcastTopic?: string; antiEntropyIntervalMs?: number } = {},
): Promise<Agent> {
  const identity = generateIdentity(createSeededRng(seed))
  const protocol = gossipProtocol(MAX_FRAME_BYTES)
  const host = await startLibp2pHost(identity, {
    listen: ['/ip4/127.0.0.1/tcp/0'],
    protocols: [protocol],
    log: createNullLogger(),
    ...(extra.broadcastTopic === undefined ? {} : { broadcastTopic: extra.broadcastTopic }),
  })
  const network = createAgentNetwork(
    {
      clock: createSystemClock(),
      rng: createSeededRng(`${seed}/rng`),
      log: createNullLogger(),
      identity,
      transport: libp2pNetworkTransport(host, protocol),
    },
    {
      treePath: `0.${running.length}`,
      shuffleIntervalMs: 150,
      antiEntropyIntervalMs: extra.antiEntropyIntervalMs ?? 200,
      bootstrap: bootstrap.map((b) => ({ id: b.network.id, addrs: [...b.host.addresses()] })),
    },
  )
  const agent = { identity, host, network }
  running.push(agent)
  await network.start()
  return agent
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  return check()
}

describe('agent network over libp2p on loopback', () => {
  it('three agents bootstrapped from the first list each other and receive a Q-table change', async () => {
    const a = await startAgent('lp2p-a', [])
    const b = await startAgent('lp2p-b', [a])
    const c = await startAgent('lp2p-c', [a])
    const all = [a, b, c]
    const listsOthers = (x: Agent): boolean =>
      all.every(
        (y) => y === x || x.network.contacts().some((k) => k.id === y.network.id && k.addrs.length > 0),
      )
    expect(await until(() => all.every(listsOthers), 10_000)).toBe(true)
    // The peer id Noise authenticates is the agent's identity key.
    expect(a.host.addresses()[0]).toContain(`/p2p/${a.host.peerId.toString()}`)
    const table = createQTable(['alpha', 'beta'])
    c.network.publishQTable({
      ...table,
      q: [
        [0.25, 0.5],
        [0.75, 1],
      ],
    })
    const seen = (x: Agent): boolean =>
      x.network.contacts().some((k) => k.id === c.network.id && k.qtableVersion !== undefined)
    expect(await until(() => seen(a) && seen(b), 10_000)).toBe(true)
    const remotes = b.network.takeRemotes(8)
    expect(remotes.map((r) => r.q)).toEqual([
      [
        [0.25, 0.5],
        [0.75, 1],
      ],
    ])
    await c.network.sendDirect(a.network.id, new TextEncoder().encode('over noise and sealed'))
    expect(b.network.stats().rejected).toEqual({})
  })

  it('broadcasts a new Q-table over gossipsub before any anti-entropy round', async () => {
    const slow = { broadcastTopic: BROADCAST_TOPIC, antiEntropyIntervalMs: 3_600_000 }
    const a = await startAgent('bc-a', [], slow)
    const b = await startAgent('bc-b', [a], slow)
    const c = await startAgent('bc-c', [a], slow)
    const all = [a, b, c]
    // CYCLON alone spreads the contacts and opens the connections the gossipsub mesh forms on.
    expect(await until(() => all.every((x) => x.network.contacts().length === 2), 10_000)).toBe(true)
    expect(await until(() => all.every((x) => x.host.connections() >= 2), 10_000)).toBe(true)
    // gossipsub grafts its mesh on its 1 s heartbeat.
    await new Promise((r) => setTimeout(r, 1_500))
    b.network.publishQTable(createQTable(['alpha']))
    const seen = (x: Agent): boolean => x.network.entry('qtable', b.network.id) !== undefined
    expect(await until(() => seen(a) && seen(c), 5_000)).toBe(true)
    expect(all.every((x) => x.network.stats().exchanges === 0)).toBe(true)
  })
})
