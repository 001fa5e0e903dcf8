import { createSeededRng, createVirtualClock, errorCode, type VirtualClock } from '@dolly/base'
import {
  createMemoryNetwork,
  createTunnelNode,
  createWorldExitPolicy,
  type ExitConnector,
  type MemoryNetwork,
  type TunnelNode,
} from '@dolly/tunnels'
import { describe, expect, it } from 'vitest'
import { createTunnelAdmission, type TunnelAdmission, type TunnelAdmissionOptions } from './admission.ts'

const MiB = 1n << 20n

const noConnector: ExitConnector = {
  resolve: () => Promise.resolve([]),
  connect: () => Promise.resolve({ ok: false as const, reason: 'refused' as const }),
  openUdp: () => Promise.resolve({ send: () => undefined, close: () => undefined }),
}

interface Net {
  net: MemoryNetwork
  clock: VirtualClock
  exit: TunnelNode
  admission: TunnelAdmission
  client(name: string): TunnelNode
  settle(): Promise<void>
}

function network(balances: Map<string, bigint>, options: TunnelAdmissionOptions = {}): Net {
  const net = createMemoryNetwork()
  const clock = createVirtualClock(1_000_000)
  const hook: { admission?: TunnelAdmission } = {}
  const rng = createSeededRng('x1')
  const exit = createTunnelNode(
    { transport: net.transport('x1'), clock, rng, connector: noConnector },
    {
      identitySecret: rng.bytes(32),
      exit: true,
      exitPolicy: createWorldExitPolicy(['10.9.0.0/16']),
      admit: (peer) => hook.admission?.admit(peer) ?? false,
    },
  )
  exit.start()
  const admission = createTunnelAdmission({ clock, node: exit, balanceOf: (p) => balances.get(p) }, options)
  hook.admission = admission
  const client = (name: string): TunnelNode => {
    const r = createSeededRng(name)
    const node = createTunnelNode(
      { transport: net.transport(name), clock, rng: r },
      { identitySecret: r.bytes(32), directory: () => [exit.descriptor()] },
    )
    node.start()
    return node
  }
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 50 && (i < 2 || net.pending() > 0); i++) await new Promise((r) => setImmediate(r))
  }
  return { net, clock, exit, admission, client, settle }
}

async function tryBuild(node: TunnelNode): Promise<string> {
  try {
    await node.buildCircuit(1)
    return 'ok'
  } catch (err) {
    return errorCode(err) ?? 'error'
  }
}

describe('tunnel admission: Tribler slots + Model 0', () => {
  it('a CREATE flood from 1,000 fresh keys is bounded by the random slots and Model 0; known requesters keep their slots', async () => {
    const balances = new Map<string, bigint>()
    const honest = Array.from({ length: 10 }, (_, i) => `honest-${i}`)
    for (const h of honest) balances.set(h, 100n * MiB)
    const n = network(balances)
    const honestNodes = honest.map((h) => n.client(h))
    const before = await Promise.all(honestNodes.map(tryBuild))
    expect(before).toEqual(honest.map(() => 'ok'))

    const flood = Array.from({ length: 1000 }, (_, i) => n.client(`fresh-${i}`))
    const results = await Promise.all(flood.map(tryBuild))
    const admitted = results.filter((r) => r === 'ok').length
    // Model 0 charges the first stranger 1 s of work, so within the same instant only it gets in.
    expect(admitted).toBe(1)
    expect(results.filter((r) => r === 'TUNNEL_NOT_ADMITTED').length).toBe(999)
    expect(n.exit.stats().joinedCircuits).toBe(10 + 1)
    expect(n.exit.stats().rejected.TUNNEL_NOT_ADMITTED).toBe(999)

    // 10 s later strangers get the β share of it: 0.5 · 10 s = 5 admissions of 1 s each, whatever
    // the free slots (4 random and 5 competing ones are free).
    await n.clock.advance(10_000)
    const later = await Promise.all(Array.from({ length: 200 }, (_, i) => tryBuild(n.client(`later-${i}`))))
    const laterAdmitted = later.filter((r) => r === 'ok').length
    expect(laterAdmitted).toBe(5)
    expect(n.exit.stats().joinedCircuits).toBe(10 + 1 + 5)

    // The honest requesters' circuits are all still there, and one more honest peer gets a slot.
    const joined = n.exit.circuits().map((c) => c.previousPeer)
    for (const h of honest) expect(joined).toContain(h)
    balances.set('honest-new', 1n * MiB)
    expect(await tryBuild(n.client('honest-new'))).toBe('ok')
  }, 60_000)

  it('a richer requester evicts the lowest balance from a full competing table; a poorer one is refused', async () => {
    const balances = new Map<string, bigint>([
      ['a', 10n * MiB],
      ['b', 20n * MiB],
      ['rich', 30n * MiB],
      ['poor', 5n * MiB],
    ])
    const n = network(balances, { randomSlots: 0, competingSlots: 2 })
    expect(await tryBuild(n.client('a'))).toBe('ok')
    expect(await tryBuild(n.client('b'))).toBe('ok')
    expect(await tryBuild(n.client('poor'))).toBe('TUNNEL_NOT_ADMITTED')
    expect(await tryBuild(n.client('rich'))).toBe('ok')
    await n.settle()
    expect(
      n.exit
        .circuits()
        .map((c) => c.previousPeer)
        .sort(),
    ).toEqual(['b', 'rich'])
    expect(n.admission.stats()).toMatchObject({ competing: 2, evicted: 1, refused: 1 })
  })

  it('an idle circuit costs a stranger only its handshake, not its wall time', async () => {
    const n = network(new Map())
    expect(await tryBuild(n.client('stranger-1'))).toBe('ok')
    // A paying user's warm circuit stays idle for 100 s: charged as 1 s of work, not 100 s.
    await n.clock.advance(100_000)
    for (const c of n.exit.circuits()) n.exit.destroyCircuit(c.id, 'TUNNEL_CIRCUIT_CLOSED')
    await n.settle()
    expect(await tryBuild(n.client('stranger-2'))).toBe('ok')
  }, 60_000)

  it('strangers are not locked out for good after a stranger worked longer than the savings cap', async () => {
    // One admission worth 100 s of work, ten times β · maxSlack.
    const n = network(new Map(), { maxSlackMs: 10_000, admitCostMs: 100_000 })
    const first = n.client('stranger-1')
    expect(await tryBuild(first)).toBe('ok')
    await n.clock.advance(1_000)
    for (const c of n.exit.circuits()) n.exit.destroyCircuit(c.id, 'TUNNEL_CIRCUIT_CLOSED')
    await n.settle()
    // Right after, the work is not yet paid back by the β share of wall time: a new stranger waits.
    expect(await tryBuild(n.client('stranger-2'))).toBe('TUNNEL_NOT_ADMITTED')
    // Once β · elapsed covers the work (β = 0.5 after one success: > 200 s), strangers get in again.
    await n.clock.advance(250_000)
    expect(await tryBuild(n.client('stranger-3'))).toBe('ok')
  }, 60_000)
})
