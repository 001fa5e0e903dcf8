import { createVirtualClock, createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { generateIdentity, bytesToHex } from '@dolly/base'
import { createQTable, updateQTable, type QTable } from '@dolly/learning'
import { createMemoryFleet, type MemoryFleet } from './adapters/memory-fleet.ts'
import { sealEnvelope } from './envelope.ts'
import { signEntry } from './entry.ts'

const OFFERS = ['alpha', 'beta', 'gamma']
// A 50-node run takes 1–2 s alone; on a loaded 2-core CI machine it can pass vitest's 5 s default.
const FLEET_TEST_TIMEOUT_MS = 30_000

async function fleetOf(n: number, seed: string): Promise<MemoryFleet> {
  const clock = createVirtualClock(1_700_000_000_000)
  const fleet = createMemoryFleet({ clock, seed })
  for (let i = 0; i < n; i++) await fleet.add(2)
  return fleet
}

function knowsAll(fleet: MemoryFleet): number {
  const ids = fleet.agents.map((a) => a.network.id)
  return fleet.agents.filter((a) => {
    const known = new Set(a.network.contacts().map((c) => c.id))
    return ids.every((id) => id === a.network.id || known.has(id))
  }).length
}

function tableWith(value: number): QTable {
  const t = createQTable(OFFERS)
  return { ...t, q: t.q.map((row) => row.map(() => value)) }
}

describe('agent network on a 50-node memory overlay', () => {
  it(
    'converges: every node learns every contact, with CYCLON views full and near-uniform in-degree',
    async () => {
      const fleet = await fleetOf(50, 'converge')
      let rounds = 0
      while (knowsAll(fleet) < 50 && rounds < 30) {
        await fleet.round()
        rounds++
      }
      expect(knowsAll(fleet)).toBe(50)
      for (let i = 0; i < 5; i++) await fleet.round()
      const inDegree = new Map<string, number>()
      for (const a of fleet.agents) {
        const view = a.network.view()
        expect(view.length).toBe(8)
        expect(new Set(view.map((v) => v.id)).size).toBe(view.length)
        expect(view.some((v) => v.id === a.network.id)).toBe(false)
        for (const v of view) inDegree.set(v.id, (inDegree.get(v.id) ?? 0) + 1)
      }
      // CYCLON keeps in-degree close to the view size; no node is forgotten.
      expect(inDegree.size).toBe(50)
      expect(Math.max(...inDegree.values())).toBeLessThanOrEqual(20)
    },
    FLEET_TEST_TIMEOUT_MS,
  )

  it(
    "spreads a newcomer's contact and a Q-table update to every node",
    async () => {
      const fleet = await fleetOf(50, 'spread')
      for (let i = 0; i < 12; i++) await fleet.round()
      const newcomer = await fleet.add(1)
      newcomer.network.publishQTable(tableWith(0.5))
      let rounds = 0
      const reached = (): number =>
        fleet.agents.filter(
          (a) =>
            a === newcomer ||
            a.network.contacts().some((c) => c.id === newcomer.network.id && c.qtableVersion !== undefined),
        ).length
      while (reached() < 51 && rounds < 20) {
        await fleet.round()
        rounds++
      }
      expect(reached()).toBe(51)
      const [first] = fleet.agents
      const remotes = first?.network.takeRemotes(100) ?? []
      expect(remotes.some((r) => r.q.every((row) => row.every((v) => v === 0.5)))).toBe(true)
      // Each table is taken once.
      expect(first?.network.takeRemotes(100)).toEqual([])
    },
    FLEET_TEST_TIMEOUT_MS,
  )

  it(
    'drops a dead peer after the timeout while live peers stay',
    async () => {
      const clock = createVirtualClock(1_700_000_000_000)
      const fleet = createMemoryFleet({ clock, seed: 'dead', network: { deadPeerTimeoutMs: 60_000 } })
      for (let i = 0; i < 10; i++) await fleet.add(2)
      for (let i = 0; i < 8; i++) await fleet.round()
      const dead = fleet.agents.pop()
      await dead?.network.stop()
      for (let i = 0; i < 12; i++) {
        await clock.advance(10_000)
        await fleet.round()
      }
      for (const a of fleet.agents) {
        const ids = a.network.contacts().map((c) => c.id)
        expect(ids).not.toContain(dead?.network.id)
        expect(ids.length).toBe(8)
      }
    },
    FLEET_TEST_TIMEOUT_MS,
  )
})

describe('hostile input', () => {
  it('rejects forged, replayed, oversized and malformed messages by code, without crashing', async () => {
    const fleet = await fleetOf(3, 'hostile')
    for (let i = 0; i < 3; i++) await fleet.round()
    const [victim, honest] = fleet.agents
    if (victim === undefined || honest === undefined) throw new Error('fleet too small')
    const attacker = generateIdentity(createSeededRng('attacker'))
    const wire = fleet.overlay.transport(attacker.publicKey)
    const victimKey = victim.identity.publicKey
    const rng = createSeededRng('attack-rng')
    const now = 1_700_000_000_000
    const send = (bytes: Uint8Array): Promise<unknown> =>
      wire.request(victimKey, bytes, {}).then(
        () => 'accepted',
        (err: unknown) => (err as { code?: string }).code,
      )
    // Before it introduced itself, an unknown agent may not push entries.
    const early = sealEnvelope(
      attacker,
      rng,
      { type: 'entries', to: victim.network.id, body: { entries: [] } },
      now,
    )
    expect(await send(early)).toBe('NETWORK_SENDER_UNKNOWN')
    const contact = signEntry(attacker, {
      kind: 'contact',
      version: now,
      value: { addrs: [], dhKey: '0'.repeat(64), treePath: '9', expiresMs: now + 1e9 },
    })
    const hello = sealEnvelope(
      attacker,
      rng,
      { type: 'hello', to: victim.network.id, body: { contact } },
      now,
    )
    expect(await send(hello)).toBe('accepted')
    const ping = sealEnvelope(attacker, rng, { type: 'ping', to: victim.network.id, body: {} }, now)
    expect(await send(ping)).toBe('accepted')
    expect(await send(ping)).toBe('NETWORK_REPLAYED')
    const forged = sealEnvelope(honest.identity, rng, { type: 'ping', to: victim.network.id, body: {} }, now)
    expect(await send(forged)).toBe('NETWORK_SENDER_MISMATCH')
    const tampered = new TextDecoder().decode(
      sealEnvelope(attacker, rng, { type: 'ping', to: victim.network.id, body: {} }, now),
    )
    expect(await send(new TextEncoder().encode(tampered.replace('"ts":', '"ts":1')))).toBe(
      'NETWORK_SIGNATURE_BAD',
    )
    const stale = sealEnvelope(
      attacker,
      rng,
      { type: 'ping', to: victim.network.id, body: {} },
      now - 301_000,
    )
    expect(await send(stale)).toBe('NETWORK_TIME_OUT_OF_RANGE')
    expect(await send(new Uint8Array(1024 * 1024 + 1))).toBe('NETWORK_ENVELOPE_OVERSIZED')
    expect(await send(new TextEncoder().encode('{"env":{}}'))).toBe('NETWORK_ENVELOPE_MALFORMED')
    const badBody = sealEnvelope(
      attacker,
      rng,
      { type: 'digest', to: victim.network.id, body: { digest: 'x' } },
      now,
    )
    expect(await send(badBody)).toBe('NETWORK_ENVELOPE_MALFORMED')
    // An entry claiming to be the honest node's contact but signed by the attacker is dropped.
    const fake = {
      ...signEntry(attacker, {
        kind: 'contact',
        version: now + 1_000, // newer than the real record, so it is not skipped as stale
        value: { addrs: [], dhKey: '0'.repeat(64), treePath: '9', expiresMs: now + 1e9 },
      }),
      origin: honest.network.id,
    }
    const entries = sealEnvelope(
      attacker,
      rng,
      { type: 'entries', to: victim.network.id, body: { entries: [fake, { junk: true }] } },
      now,
    )
    expect(await send(entries)).toBe('accepted')
    const rejected = victim.network.stats().rejected
    expect(rejected.NETWORK_SIGNATURE_BAD).toBeGreaterThanOrEqual(2)
    expect(rejected.NETWORK_ENTRY_MALFORMED).toBe(1)
    expect(victim.network.contacts().find((c) => c.id === honest.network.id)?.treePath).toBe('0.1')
    // The victim still gossips normally afterwards.
    expect(await victim.network.antiEntropyOnce()).toBe(true)
    expect(bytesToHex(victimKey)).toBe(victim.network.id)
  })

  it('rate-limits an unknown sender and refuses its unsolicited entries', async () => {
    const fleet = await fleetOf(2, 'flood')
    const [victim] = fleet.agents
    if (victim === undefined) throw new Error('fleet too small')
    const stranger = generateIdentity(createSeededRng('stranger'))
    const wire = fleet.overlay.transport(stranger.publicKey)
    const rng = createSeededRng('flood-rng')
    const codes: string[] = []
    for (let i = 0; i < 12; i++) {
      const ping = sealEnvelope(
        stranger,
        rng,
        { type: 'ping', to: victim.network.id, body: {} },
        1_700_000_000_000,
      )
      codes.push(
        await wire.request(victim.identity.publicKey, ping, {}).then(
          () => 'ok',
          (err: unknown) => String((err as { code?: string }).code),
        ),
      )
    }
    expect(codes).toEqual([...Array<string>(10).fill('ok'), 'NETWORK_RATE_LIMITED', 'NETWORK_RATE_LIMITED'])
    expect(victim.network.stats().rejected.NETWORK_RATE_LIMITED).toBe(2)
  })

  it(
    'a Byzantine node publishing extreme Q-tables moves honest tables no further than the trimmed bound',
    async () => {
      // The liar is a long-known peer here (strangers' tables are capped at F per update, see
      // remote-tables.test.ts): contacts spread first, then the agents count as known after 1 s.
      const clock = createVirtualClock(1_700_000_000_000)
      const fleet = createMemoryFleet({ clock, seed: 'byzantine', network: { knownAfterMs: 1000 } })
      for (let i = 0; i < 12; i++) await fleet.add(2)
      for (let i = 0; i < 15; i++) {
        await clock.advance(1000)
        await fleet.round()
      }
      await clock.advance(1000)
      const [learner, byzantine, ...honest] = fleet.agents
      if (learner === undefined || byzantine === undefined) throw new Error('fleet too small')
      const honestValues = honest.map((_, i) => 0.1 * (i + 1))
      honest.forEach((a, i) => a.network.publishQTable(tableWith(honestValues[i] ?? 0)))
      byzantine.network.publishQTable(tableWith(1e6))
      for (let i = 0; i < 15; i++) await fleet.round()
      const remotes = learner.network.takeRemotes(100)
      expect(remotes.length).toBe(11)
      const base = createQTable(OFFERS)
      const update = { attempted: 'alpha', current: 'beta', success: true, reward: 0.3 }
      const merged = updateQTable(base, { ...update, remotes })
      // The bound: the same update with the liar's table replaced by the honest extremes.
      const lo = updateQTable(base, {
        ...update,
        remotes: [
          ...honest.map((_, i) => tableWith(honestValues[i] ?? 0)),
          tableWith(Math.min(...honestValues)),
        ],
      })
      const hi = updateQTable(base, {
        ...update,
        remotes: [
          ...honest.map((_, i) => tableWith(honestValues[i] ?? 0)),
          tableWith(Math.max(...honestValues)),
        ],
      })
      merged.q.forEach((row, s) =>
        row.forEach((v, t) => {
          expect(v).toBeGreaterThanOrEqual((lo.q[s]?.[t] ?? NaN) - 1e-12)
          expect(v).toBeLessThanOrEqual((hi.q[s]?.[t] ?? NaN) + 1e-12)
        }),
      )
      expect(Math.max(...merged.q.flat())).toBeLessThan(2)
    },
    FLEET_TEST_TIMEOUT_MS,
  )

  it('delivers a direct message end to end encrypted, and only to its recipient', async () => {
    const fleet = await fleetOf(5, 'direct')
    for (let i = 0; i < 6; i++) await fleet.round()
    const [a, b] = fleet.agents
    if (a === undefined || b === undefined) throw new Error('fleet too small')
    const got: string[] = []
    b.network.onDirect((from, data) => got.push(`${from.slice(0, 8)}:${new TextDecoder().decode(data)}`))
    await a.network.sendDirect(b.network.id, new TextEncoder().encode('hello child'))
    expect(got).toEqual([`${a.network.id.slice(0, 8)}:hello child`])
  })
})
