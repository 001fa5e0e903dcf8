import { describe, expect, it } from 'vitest'
import { publicStatusOf, type AgentStatus } from '@dolly/plebnet'
import { renderFamily, updateCensus } from './family.ts'

function status(
  tree: string,
  parentTree: string | null,
  children: { tree: string; provider: string }[] = [],
): AgentStatus {
  return {
    format: 'dolly-status',
    version: 1,
    publicKey: tree
      .replaceAll('.', '')
      .padEnd(64, 'a')
      .slice(0, 64)
      .replace(/[^0-9a-f]/g, 'b'),
    tree,
    parentTree,
    parentPublicKey: null,
    hostIp: '10.77.1.2',
    genome: null,
    testnet: false,
    exitNode: false,
    softwareVersion: '0.1.0',
    startedAtMs: 0,
    heartbeatAtMs: 0,
    heartbeats: 1,
    lifecycle: {
      worldNowMs: 0,
      birthMs: 0,
      leaseEndMs: 86_400_000,
      self: null,
      qtable: null,
      genome: null,
      stopBuyingAtMs: 0,
      sweepAtMs: 82_800_000,
      spendableSats: '50000',
      children: children.map((c) => ({ ...c, ip: '10.77.1.9', option: 'Starter' })),
      pending: 0,
      excludedProviders: [],
      idle: 'WAITING',
      earning: 'not earning',
      market: 'no market',
      lifeExpectancy: null,
      events: [{ atMs: 0, kind: 'paid', text: 'paid pulsevps/Starter' }],
    },
  }
}

describe('family census', () => {
  it('names providers from the parents, marks the genesis host as the operator’s, and keeps dead agents', () => {
    const first = updateCensus(
      [],
      [
        {
          ip: '10.77.1.3',
          status: status('dolly.0', 'dolly', [{ tree: 'dolly.0.0', provider: 'pulsevps' }]),
        },
        { ip: '10.77.1.4', status: status('dolly.0.0', 'dolly.0') },
      ],
    )
    expect(first.map((a) => [a.tree, a.provider, a.alive])).toEqual([
      ['dolly.0', 'operator', true],
      ['dolly.0.0', 'pulsevps', true],
    ])
    const later = updateCensus(first, [{ ip: '10.77.1.3', status: status('dolly.0', 'dolly') }])
    expect(later.map((a) => [a.tree, a.provider, a.alive])).toEqual([
      ['dolly.0', 'operator', true],
      ['dolly.0.0', 'pulsevps', false],
    ])
    expect(renderFamily(later)).toMatchInlineSnapshot(`
      "family: 1 alive, 1 dead, 2 generation(s)
      ● dolly.0        10.77.1.3    operator   0.00050000 BTC  lease  24.0 h  paid: paid pulsevps/Starter
        ✝ dolly.0.0      10.77.1.4    pulsevps   last 0.00050000 BTC  lease    gone  paid: paid pulsevps/Starter"
    `)
  })
})

describe('a slow answer is not a death', () => {
  it('keeps an excused agent as it last reported, and marks the others dead', () => {
    const first = updateCensus(
      [],
      [
        { ip: '10.77.1.3', status: status('dolly.0', 'dolly') },
        { ip: '10.77.1.4', status: status('dolly.0.0', 'dolly.0') },
      ],
    )
    const excusedId = first[1]?.id ?? ''
    const later = updateCensus(first, [], new Set([excusedId]))
    expect(later.map((a) => [a.tree, a.alive])).toEqual([
      ['dolly.0', false],
      ['dolly.0.0', true],
    ])
    expect(later[1]).toBe(first[1])
    // An agent already dead stays dead even when excused.
    const dead = updateCensus(later, [], new Set([first[0]?.id ?? '']))
    expect(dead.map((a) => a.alive)).toEqual([false, false])
  })
})

describe('census from public statuses (issue 14 item 12)', () => {
  it('lists an agent the world holds no token for from its public status: alive, no balance or lease', () => {
    const full = status('dolly.0', 'dolly')
    const agents = updateCensus([], [{ ip: '10.77.1.3', status: publicStatusOf(full) }])
    expect(agents).toEqual([
      {
        id: full.publicKey,
        tree: 'dolly.0',
        parentTree: 'dolly',
        hostIp: '10.77.1.3',
        // A child of the operator's genesis: known without its lifecycle.
        provider: 'operator',
        alive: true,
        balanceSats: null,
        leaseEndMs: null,
        worldNowMs: null,
        lastEvent: null,
        idle: null,
      },
    ])
  })

  it('carries the tunnels block of a status document that has one, and none otherwise', () => {
    const plain = status('dolly.0', 'dolly')
    // Agents with tunnels (issue 16) add a block the world shows as reported; older ones have none.
    const tunnels = {
      relay: true,
      exit: false,
      hopsKnown: 3,
      circuits: { relayedNow: 1, exitedNow: 0, relayedTotal: 4, exitedTotal: 0 },
      bytesUp: '123',
      bytesDown: '456',
      exitBytesOut: '0',
      exitBytesIn: '0',
      framesDropped: 0,
    }
    const withTunnels: AgentStatus = { ...status('dolly.0.1', 'dolly.0'), tunnels }
    const agents = updateCensus(
      [],
      [
        { ip: '10.77.1.3', status: plain },
        { ip: '10.77.1.4', status: withTunnels },
      ],
    )
    expect(agents.find((a) => a.tree === 'dolly.0')).not.toHaveProperty('tunnels')
    expect(agents.find((a) => a.tree === 'dolly.0.1')?.tunnels).toEqual(tunnels)
  })

  it('carries the market block of an agent that runs the market (issue 17), and none otherwise', () => {
    const market = {
      mbBalanceBytes: '1048576',
      orders: [],
      lastTrade: { priceSatPerMb: '12.50', timeMs: 5 },
      settlement: null,
      matchmaker: null,
    }
    const agents = updateCensus(
      [],
      [
        { ip: '10.77.1.3', status: status('dolly.0', 'dolly') },
        { ip: '10.77.1.4', status: { ...status('dolly.0.1', 'dolly.0'), market } },
      ],
    )
    expect(agents.find((a) => a.tree === 'dolly.0')).not.toHaveProperty('market')
    expect(agents.find((a) => a.tree === 'dolly.0.1')?.market).toEqual(market)
  })
})
