import { createNullLogger, createSeededRng, createVirtualClock, type Rng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { generateIdentity, type Identity, bytesToHex } from '@dolly/base'
import { createQTable, updateQTable, type QTable, serializeQTable } from '@dolly/learning'
import { createMemoryOverlay, type MemoryOverlay } from '../../src/adapters/memory-network.ts'
import { createAgentNetwork, type AgentNetwork } from '../../src/agent-network.ts'
import {
  INBOX_MAX_STRANGER_TABLES,
  INBOX_MAX_TABLES,
  KNOWN_AFTER_MS,
  MAX_STRANGER_ENTRIES,
} from '../../src/constants.ts'
import { contactOf, signEntry } from '../../src/entry.ts'
import { sealEnvelope, type MessageType } from '../../src/envelope.ts'
import { sealDirect } from '../../src/secure-message.ts'

// Issue 14 item 9: 10,000 fresh identities flood one agent over the in-process overlay (hellos,
// Q-table and status entries, shuffles smuggling Q-tables, direct messages, pings). Its memory must
// stay under the documented bounds and its honest (family and long-known) tables must still
// decide the consensus. Figures are printed.
const SYBILS = 10_000
const OFFERS = ['alpha', 'beta']
const START_MS = 1_700_000_000_000
// Heap the flood may add at most, bytes: the bounded structures hold ≈ 2,000 small entries, 64
// tables, 4,096 × 24 nonces and 10,000 buckets, a few MiB; the rest is garbage not yet collected.
const HEAP_GROWTH_BOUND_BYTES = 96 * 1024 * 1024

const tableWith = (value: number): QTable => {
  const t = createQTable(OFFERS)
  return { ...t, q: t.q.map((row) => row.map(() => value)) }
}

function agent(
  overlay: MemoryOverlay,
  clock: ReturnType<typeof createVirtualClock>,
  seed: string,
  bootstrap: readonly AgentNetwork[] = [],
) {
  const identity = generateIdentity(createSeededRng(`sybil-slow/${seed}`))
  const network = createAgentNetwork(
    {
      clock,
      rng: createSeededRng(`sybil-slow/rng/${seed}`),
      log: createNullLogger(),
      identity,
      transport: overlay.transport(identity.publicKey),
    },
    {
      treePath: `0.${seed.length}`,
      loops: false,
      bootstrap: bootstrap.map((b) => ({ id: b.id, addrs: [] })),
    },
  )
  return { identity, network }
}

const heapUsed = (): number => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}

describe('gossip under a Sybil flood (memory overlay, virtual clock)', () => {
  it(`keeps one agent's memory bounded against ${SYBILS} fresh identities, and its honest tables in the consensus`, async () => {
    const startedMs = performance.now()
    const clock = createVirtualClock(START_MS)
    const overlay = createMemoryOverlay()
    const parent = agent(overlay, clock, 'parent')
    const victim = agent(overlay, clock, 'victim', [parent.network])
    const old = [0, 1, 2, 3].map((i) => agent(overlay, clock, `old-${i}`))
    const honest = [parent, ...old]
    for (const a of [parent, victim, ...old]) await a.network.start()
    for (const o of old) expect(await o.network.hello(victim.network.id, [])).toBe(true)

    // The old peers stay in touch for more than KNOWN_AFTER_MS, which makes them known.
    for (let t = 0; t <= KNOWN_AFTER_MS; t += 600_000) {
      await clock.advance(600_000)
      for (const a of honest) await a.network.antiEntropyOnce()
      await victim.network.antiEntropyOnce()
    }
    await clock.advance(1000)
    for (const a of honest) a.network.publishQTable(tableWith(0.5))
    for (let r = 0; r < 4; r++) {
      for (const a of honest) await a.network.antiEntropyOnce()
      await victim.network.antiEntropyOnce()
    }
    for (const a of honest) expect(victim.network.entry('qtable', a.network.id)).toBeDefined()

    const heapBefore = heapUsed()
    const rejectedBefore = { ...victim.network.stats().rejected }
    const attackRng: Rng = createSeededRng('sybil-slow/attack')
    const victimKey = victim.identity.publicKey
    const victimDh = (contactOf(victim.network.selfContact()) ?? { dhKey: '' }).dhKey
    const sybils: Identity[] = []
    let sent = 0
    let answered = 0
    let directs = 0
    victim.network.onDirect(() => (directs += 1))
    const send = async (from: Identity, type: MessageType, body: unknown): Promise<void> => {
      sent += 1
      const bytes = sealEnvelope(from, attackRng, { type, to: victim.network.id, body }, clock.nowMs())
      await overlay
        .transport(from.publicKey)
        .request(victimKey, bytes, {})
        .then(
          () => (answered += 1),
          () => undefined,
        )
    }
    // A burst first: 300 fresh keys ping at once, more than the strangers' shared budget.
    const burst = Array.from({ length: 300 }, (_, i) =>
      generateIdentity(createSeededRng(`sybil-slow/burst/${i}`)),
    )
    for (const key of burst) await send(key, 'ping', {})
    // Relays push the Sybils' signed entries 63 at a time (anti-entropy `entries`); every tenth
    // Sybil also says hello itself, smuggles a Q-table into a shuffle and pings, every hundredth
    // sends a direct message.
    const relays = Array.from({ length: 20 }, (_, i) =>
      generateIdentity(createSeededRng(`sybil-slow/relay/${i}`)),
    )
    const relayContact = (relay: Identity) =>
      signEntry(relay, {
        kind: 'contact',
        version: clock.nowMs(),
        value: {
          addrs: [],
          dhKey: 'ab'.repeat(32),
          treePath: '0.6.2',
          expiresMs: clock.nowMs() + 86_400_000,
        },
      })
    for (const relay of relays) await send(relay, 'hello', { contact: relayContact(relay) })
    let batch: unknown[] = []
    for (let i = 0; i < SYBILS; i++) {
      const sybil = generateIdentity(createSeededRng(`sybil-slow/sybil/${i}`))
      sybils.push(sybil)
      const now = clock.nowMs()
      const contact = signEntry(sybil, {
        kind: 'contact',
        version: now,
        // Claims to be the victim's child: a self-signed tree path must not make it family.
        value: { addrs: [], dhKey: 'ab'.repeat(32), treePath: '0.6.1', expiresMs: now + 86_400_000 },
      })
      const qtable = signEntry(sybil, { kind: 'qtable', version: now, value: serializeQTable(tableWith(1)) })
      const status = signEntry(sybil, {
        kind: 'status',
        version: now,
        value: { treePath: '0.6.1', state: 'alive', host: '10.0.0.9', balanceSats: '1', contacts: 0 },
      })
      batch.push(contact, qtable, status)
      if (batch.length >= 63) {
        // Its contact may have been evicted from the stranger pool meanwhile: greet again first.
        const relay = relays[i % relays.length] as Identity
        await send(relay, 'hello', { contact: relayContact(relay) })
        await send(relay, 'entries', { entries: batch })
        batch = []
      }
      if (i % 10 === 0) {
        await send(sybil, 'hello', { contact })
        await send(sybil, 'shuffle', {
          entries: [
            { age: 0, contact },
            { age: 0, contact: qtable },
          ],
        })
        await send(sybil, 'ping', {})
      }
      if (i % 100 === 0) {
        const aad = new TextEncoder().encode(`dolly-dm-v1\n${contact.origin}\n${victim.network.id}`)
        await send(sybil, 'direct', sealDirect(attackRng, victimDh, new Uint8Array(64), aad))
      }
      // 1 s of virtual time per 10 identities: the strangers' shared budget refills as the flood runs.
      if (i % 10 === 9) await clock.advance(1000)
    }
    const floodS = (performance.now() - startedMs) / 1000
    const heapAfter = heapUsed()

    const held = (kind: 'contact' | 'qtable' | 'status'): number =>
      sybils.filter((s) => victim.network.entry(kind, bytesToHex(s.publicKey)) !== undefined).length
    const contactsHeld = held('contact')
    const qtablesHeld = held('qtable')
    const statusesHeld = held('status')
    const rejected = victim.network.stats().rejected
    const delta = (code: keyof typeof rejected): number => (rejected[code] ?? 0) - (rejectedBefore[code] ?? 0)

    // The consensus rule: family and known first, at most F = 1 stranger per update (default takeRemotes).
    const merged = victim.network.takeRemotes(8)
    const remotes = [...merged, ...victim.network.takeRemotes(INBOX_MAX_TABLES, INBOX_MAX_TABLES)]
    const sybilTables = remotes.filter((r) => r.q[0]?.[0] === 1).length
    const honestTables = remotes.filter((r) => r.q[0]?.[0] === 0.5).length
    const update = { attempted: 'alpha', current: 'beta', success: true, reward: 0.3 }
    const base = createQTable(OFFERS)
    const withFlood = updateQTable(base, { ...update, remotes: merged })
    // The same update with every Sybil table replaced by an honest one.
    const honestOnly = updateQTable(base, { ...update, remotes: merged.map(() => tableWith(0.5)) })
    const elapsedS = (performance.now() - startedMs) / 1000

    console.log(
      [
        `sybil flood: ${SYBILS} identities, ${sent} requests, ${answered} answered, ${directs} direct messages delivered`,
        `held from Sybils: ${contactsHeld} contacts (bound ${MAX_STRANGER_ENTRIES.contact}), ${qtablesHeld} Q-tables (bound ${MAX_STRANGER_ENTRIES.qtable}), ${statusesHeld} statuses (bound ${MAX_STRANGER_ENTRIES.status})`,
        `inbox: ${remotes.length} tables (bound ${INBOX_MAX_TABLES}), ${sybilTables} Sybil (bound ${INBOX_MAX_STRANGER_TABLES}), ${honestTables} honest of ${honest.length}`,
        `rejected: ${delta('NETWORK_RATE_LIMITED')} rate-limited, ${delta('NETWORK_ENTRY_REFUSED')} refused entries, ${delta('NETWORK_STORE_FULL')} store full, ${delta('NETWORK_SENDER_UNKNOWN')} unknown sender`,
        `merged per update: ${merged.length} tables; Q after update ${withFlood.q[0]?.[0]?.toFixed(6)} (honest only ${honestOnly.q[0]?.[0]?.toFixed(6)})`,
        `heap growth: ${((heapAfter - heapBefore) / 1048576).toFixed(1)} MiB (bound ${HEAP_GROWTH_BOUND_BYTES / 1048576} MiB, gc ${typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'forced' : 'not exposed'}); ${elapsedS.toFixed(1)} s (flood done at ${floodS.toFixed(1)} s)`,
      ].join('\n'),
    )

    expect(contactsHeld).toBeLessThanOrEqual(MAX_STRANGER_ENTRIES.contact)
    expect(qtablesHeld).toBeLessThanOrEqual(MAX_STRANGER_ENTRIES.qtable)
    expect(statusesHeld).toBeLessThanOrEqual(MAX_STRANGER_ENTRIES.status)
    expect(remotes.length).toBeLessThanOrEqual(INBOX_MAX_TABLES)
    expect(sybilTables).toBeLessThanOrEqual(INBOX_MAX_STRANGER_TABLES)
    expect(honestTables).toBe(honest.length)
    expect(heapAfter - heapBefore).toBeLessThan(HEAP_GROWTH_BOUND_BYTES)
    // Strangers were heard (the flood was real), and refused beyond their share.
    expect(contactsHeld).toBeGreaterThan(0)
    expect(delta('NETWORK_RATE_LIMITED')).toBeGreaterThan(0)
    expect(delta('NETWORK_ENTRY_REFUSED')).toBeGreaterThan(0)
    // Honest tables decide: 5 honest + at most 1 Sybil merged, and trimming removes the Sybil's.
    expect(merged.filter((r) => r.q[0]?.[0] === 1).length).toBeLessThanOrEqual(1)
    expect(merged.length).toBeGreaterThan(honest.length)
    expect(merged.filter((r) => r.q[0]?.[0] === 0.5).length).toBe(honest.length)
    expect(withFlood.q[0]?.[0]).toBeCloseTo(honestOnly.q[0]?.[0] ?? Number.NaN, 12)
  }, 300_000)
})
