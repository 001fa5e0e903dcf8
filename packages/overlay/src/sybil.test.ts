import { createSeededRng, createVirtualClock } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { generateIdentity, type Identity } from '@dolly/base'
import { createQTable, serializeQTable } from '@dolly/learning'
import { createMemoryFleet } from './adapters/memory-fleet.ts'
import { MAX_STRANGER_ENTRIES } from './constants.ts'
import { signEntry } from './entry.ts'
import { createEntryStore } from './entry-store.ts'
import { sealEnvelope } from './envelope.ts'
import { STRANGERS_GLOBAL_LIMIT } from './rate-limit.ts'
import { standingOf } from './standing.ts'

const NOW = 1_700_000_000_000
const contactOf = (id: Identity, version = NOW) =>
  signEntry(id, {
    kind: 'contact',
    version,
    value: { addrs: [], dhKey: 'ab'.repeat(32), treePath: '0.1', expiresMs: version + 3_600_000 },
  })
const qtableOf = (id: Identity) =>
  signEntry(id, { kind: 'qtable', version: NOW, value: serializeQTable(createQTable(['a', 'b'])) })

async function victimFleet() {
  const clock = createVirtualClock(NOW)
  const fleet = createMemoryFleet({ clock, seed: 'sybil-unit' })
  const victim = await fleet.add(0)
  return { clock, fleet, victim }
}

describe('Sybil resistance of the overlay', () => {
  it('takes only contact records from a shuffle or hello, whoever sends them', async () => {
    const { fleet, victim } = await victimFleet()
    const stranger = generateIdentity(createSeededRng('stranger'))
    const wire = fleet.overlay.transport(stranger.publicKey)
    const rng = createSeededRng('shuffle-rng')
    const shuffle = sealEnvelope(
      stranger,
      rng,
      {
        type: 'shuffle',
        to: victim.network.id,
        body: {
          entries: [
            { age: 0, contact: contactOf(stranger) },
            { age: 0, contact: qtableOf(stranger) },
          ],
        },
      },
      NOW,
    )
    await wire.request(victim.identity.publicKey, shuffle, {})
    expect(victim.network.entry('contact', contactOf(stranger).origin)).toBeDefined()
    expect(victim.network.entry('qtable', contactOf(stranger).origin)).toBeUndefined()
    expect(victim.network.stats().rejected.NETWORK_ENTRY_REFUSED).toBe(1)
    // A hello carries the sender's own contact only, not someone else's.
    const other = generateIdentity(createSeededRng('other'))
    const hello = sealEnvelope(
      stranger,
      rng,
      { type: 'hello', to: victim.network.id, body: { contact: contactOf(other) } },
      NOW,
    )
    await wire.request(victim.identity.publicKey, hello, {})
    expect(victim.network.entry('contact', contactOf(other).origin)).toBeUndefined()
    expect(victim.network.stats().rejected.NETWORK_ENTRY_REFUSED).toBe(2)
  })

  it('gives all strangers together one request budget, however many keys they own', async () => {
    const { fleet, victim } = await victimFleet()
    const rng = createSeededRng('ping-rng')
    let ok = 0
    for (let i = 0; i < 400; i++) {
      const key = generateIdentity(createSeededRng(`sybil-${i}`))
      const ping = sealEnvelope(key, rng, { type: 'ping', to: victim.network.id, body: {} }, NOW)
      await fleet.overlay
        .transport(key.publicKey)
        .request(victim.identity.publicKey, ping, {})
        .then(
          () => (ok += 1),
          () => undefined,
        )
    }
    expect(ok).toBe(STRANGERS_GLOBAL_LIMIT?.burst ?? 200)
    expect(victim.network.stats().rejected.NETWORK_RATE_LIMITED).toBe(400 - ok)
  })
})

describe('entry store eviction by standing', () => {
  const ids = Array.from({ length: 12 }, (_, i) => generateIdentity(createSeededRng(`evict-${i}`)))
  const hex = (id: Identity) => contactOf(id).origin

  it('never lets a stranger evict a family or known entry, and holds at most the stranger share', () => {
    const family = new Set([hex(ids[0] as Identity)])
    const known = new Set([hex(ids[1] as Identity), hex(ids[2] as Identity)])
    const store = createEntryStore({
      maxPerKind: 6,
      maxStrangersPerKind: { contact: 3, qtable: 3, status: 3, hop: 3, debt: 3 },
      standing: (o) => (family.has(o) ? 'family' : known.has(o) ? 'known' : 'stranger'),
      pickVictim: (n) => n - 1,
    })
    // Honest entries are older than every stranger's: eviction by version would drop them first.
    for (const id of ids.slice(0, 3)) expect(store.accept(contactOf(id, NOW - 1000), NOW)).toBe('accepted')
    for (const id of ids.slice(3)) expect(store.accept(contactOf(id), NOW)).toBe('accepted')
    expect(store.all('contact')).toHaveLength(6)
    for (const id of ids.slice(0, 3)) expect(store.get('contact', hex(id))).toBeDefined()
    expect(ids.slice(3).filter((id) => store.get('contact', hex(id)) !== undefined)).toHaveLength(3)
  })

  it('refuses a stranger when the kind is full of family and known entries, and makes room for a known one', () => {
    const strangerIds = new Set(ids.slice(6).map(hex))
    const store = createEntryStore({
      maxPerKind: 4,
      standing: (o) => (strangerIds.has(o) ? 'stranger' : 'known'),
    })
    for (const id of ids.slice(0, 4)) store.accept(contactOf(id), NOW)
    expect(store.accept(contactOf(ids[6] as Identity), NOW)).toBe('full')
    const mixed = createEntryStore({
      maxPerKind: 4,
      standing: (o) => (strangerIds.has(o) ? 'stranger' : 'known'),
    })
    for (const id of ids.slice(6, 10)) mixed.accept(contactOf(id), NOW)
    expect(mixed.accept(contactOf(ids[0] as Identity), NOW)).toBe('accepted')
    expect(mixed.all('contact')).toHaveLength(4)
  })

  it('defaults to a stranger share per kind that bounds Q-tables hardest', () => {
    expect(MAX_STRANGER_ENTRIES.qtable).toBeLessThan(MAX_STRANGER_ENTRIES.contact)
  })
})

describe('standing', () => {
  it('is family by our own records, known after holding a contact long enough, else a stranger', () => {
    const ctx = { family: new Set(['f']), nowMs: 10_000, knownAfterMs: 5_000 }
    expect(standingOf('f', { ...ctx, firstSeenMs: undefined })).toBe('family')
    expect(standingOf('k', { ...ctx, firstSeenMs: 5_000 })).toBe('known')
    expect(standingOf('s', { ...ctx, firstSeenMs: 5_001 })).toBe('stranger')
    expect(standingOf('s', { ...ctx, firstSeenMs: undefined })).toBe('stranger')
  })
})
