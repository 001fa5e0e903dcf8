import { describe, expect, it } from 'vitest'
import {
  bytesToHex,
  createSeededRng,
  createSignatureVerifier,
  createVirtualClock,
  generateIdentity,
} from '@dolly/base'
import { createMemoryFleet } from './adapters/memory-fleet.ts'
import { MAX_DEBTS_PER_ENTRY, MAX_ENTRIES_OF_KIND, MAX_STRANGER_ENTRIES } from './constants.ts'
import { parseEntry, signEntry, type SignedEntry } from './entry.ts'
import { createEntryStore } from './entry-store.ts'

const NOW = 1_700_000_000_000
const SIG = 'cd'.repeat(64)
const record = (debtor: string, unpaidBytes = '33554432'): Record<string, unknown> => ({
  debtor,
  unpaidBytes,
  atMs: NOW,
  sig: SIG,
})

describe('debt/<id> entries (unpaid debts, issue 16)', () => {
  const signer = generateIdentity(createSeededRng('debt-signer'))
  const verifier = createSignatureVerifier()
  const sign = (value: unknown, version = NOW): SignedEntry =>
    signEntry(signer, { kind: 'debt', version, value: value as never })

  it('accepts a well-formed list signed by its origin, empty or full', () => {
    expect(parseEntry(sign({ debts: [record('12D3KooWRider')] }), verifier).ok).toBe(true)
    expect(parseEntry(sign({ debts: [] }), verifier).ok).toBe(true)
    const full = Array.from({ length: MAX_DEBTS_PER_ENTRY }, (_, i) => record(`12D3KooW${i}`))
    expect(parseEntry(JSON.parse(JSON.stringify(sign({ debts: full }))), verifier).ok).toBe(true)
  })

  it.each([
    ['no debts field', {}],
    ['an extra field', { debts: [], note: 'x' }],
    ['a debtor with a space', { debts: [record('12D3 KooW')] }],
    ['an empty debtor', { debts: [record('')] }],
    ['a debtor of 129 characters', { debts: [record('a'.repeat(129))] }],
    ['zero unpaid bytes', { debts: [record('x', '0')] }],
    ['a leading zero', { debts: [record('x', '01')] }],
    ['unpaid bytes above u64', { debts: [record('x', '18446744073709551616')] }],
    ['unpaid bytes as a number', { debts: [{ ...record('x'), unpaidBytes: 5 }] }],
    ['a fractional time', { debts: [{ ...record('x'), atMs: 1.5 }] }],
    ['a short signature', { debts: [{ ...record('x'), sig: 'ab' }] }],
    ['an extra record field', { debts: [{ ...record('x'), creditor: 'y' }] }],
    ['a debtor listed twice', { debts: [record('x'), record('x', '7')] }],
    [
      `${MAX_DEBTS_PER_ENTRY + 1} records`,
      { debts: Array.from({ length: MAX_DEBTS_PER_ENTRY + 1 }, (_, i) => record(`d${i}`)) },
    ],
  ])('refuses %s with NETWORK_ENTRY_MALFORMED', (_name, value) => {
    const parsed = parseEntry(sign(value), verifier)
    expect(parsed.ok ? 'accepted' : parsed.code).toBe('NETWORK_ENTRY_MALFORMED')
  })

  it('refuses a list re-signed under another origin (NETWORK_SIGNATURE_BAD)', () => {
    const other = generateIdentity(createSeededRng('debt-other'))
    const forged = { ...sign({ debts: [record('x')] }), origin: bytesToHex(other.publicKey) }
    const parsed = parseEntry(forged, verifier)
    expect(parsed.ok ? 'accepted' : parsed.code).toBe('NETWORK_SIGNATURE_BAD')
  })

  it('bounds the store: at most MAX_ENTRIES_OF_KIND.debt entries, strangers MAX_STRANGER_ENTRIES.debt', () => {
    expect(MAX_ENTRIES_OF_KIND.debt).toBe(1000)
    expect(MAX_STRANGER_ENTRIES.debt).toBe(100)
    const ids = Array.from({ length: 8 }, (_, i) => generateIdentity(createSeededRng(`debt-store-${i}`)))
    const entry = (i: number, version = NOW): SignedEntry =>
      signEntry(ids[i] ?? signer, { kind: 'debt', version, value: { debts: [] } })
    const known = new Set(ids.slice(0, 5).map((id) => bytesToHex(id.publicKey)))
    const store = createEntryStore({
      maxPerKind: 10,
      maxOfKind: { debt: 4 },
      maxStrangersPerKind: { contact: 10, qtable: 10, status: 10, hop: 10, debt: 2 },
      standing: (o) => (known.has(o) ? 'known' : 'stranger'),
    })
    // Strangers hold at most two keys: the third evicts one of them.
    for (const i of [5, 6, 7]) expect(store.accept(entry(i), NOW)).toBe('accepted')
    expect(store.count('debt')).toBe(2)
    // Known origins take the rest and evict strangers; the kind never holds more than 4.
    for (const i of [0, 1, 2, 3, 4]) expect(store.accept(entry(i, NOW + i), NOW)).toBe('accepted')
    expect(store.count('debt')).toBe(4)
    expect(store.all('debt').every((e) => known.has(e.origin))).toBe(true)
    // A stranger gets no room in a kind full of known origins; other kinds keep their own bound.
    expect(store.accept(entry(6, NOW + 10), NOW)).toBe('full')
    store.forget(bytesToHex(ids[4]?.publicKey ?? new Uint8Array()))
    expect(store.count('debt')).toBe(3)
  })

  it('spreads by gossip, and counts only where its origin is family or known', async () => {
    const clock = createVirtualClock(NOW)
    const fleet = createMemoryFleet({ clock, seed: 'debts', network: { knownAfterMs: 60_000 } })
    for (let i = 0; i < 6; i++) await fleet.add(2)
    for (let i = 0; i < 4; i++) await fleet.round()
    const [creditor, ...others] = fleet.agents
    if (creditor === undefined) throw new Error('fleet too small')
    creditor.network.publishDebts({ debts: [record('12D3KooWRider') as never] })
    const everyoneHolds = (): boolean =>
      others.every((a) => a.network.entry('debt', creditor.network.id) !== undefined)
    for (let i = 0; i < 20 && !everyoneHolds(); i++) await fleet.round()
    expect(everyoneHolds()).toBe(true)
    // Held, but from a stranger (a contact younger than knownAfterMs): it does not count yet.
    expect(others.map((a) => a.network.debts().length)).toEqual(others.map(() => 0))
    await clock.advance(60_000)
    for (const a of others) {
      const held = a.network.debts()
      expect(held).toHaveLength(1)
      expect(held[0]).toMatchObject({
        creditor: creditor.network.id,
        debts: [{ debtor: '12D3KooWRider', unpaidBytes: '33554432', atMs: NOW, sig: SIG }],
      })
    }
    // Our own records are not part of what others owe us by gossip.
    expect(creditor.network.debts()).toEqual([])
  })
})
