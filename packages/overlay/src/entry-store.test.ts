import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { generateIdentity, createSignatureVerifier } from '@dolly/base'
import { createQTable, serializeQTable } from '@dolly/learning'
import { parseEntry, signEntry } from './entry.ts'
import { createEntryStore } from './entry-store.ts'

const me = generateIdentity(createSeededRng('store-me'))
const contactValue = (expiresMs: number) => ({
  addrs: ['/ip4/10.0.0.2/tcp/8000'],
  dhKey: 'ab'.repeat(32),
  treePath: '0.1',
  expiresMs,
})
const NOW = 1_000_000

describe('signed entries', () => {
  const verifier = createSignatureVerifier()
  it('accepts a signed contact and Q-table, and refuses a forged or malformed one by code', () => {
    const contact = signEntry(me, { kind: 'contact', version: NOW, value: contactValue(NOW + 10) })
    expect(parseEntry(JSON.parse(JSON.stringify(contact)), verifier).ok).toBe(true)
    const qtable = signEntry(me, {
      kind: 'qtable',
      version: NOW,
      value: serializeQTable(createQTable(['a', 'b'])),
    })
    expect(parseEntry(qtable, verifier).ok).toBe(true)
    const forged = { ...contact, value: contactValue(NOW + 99) }
    expect(parseEntry(forged, verifier)).toMatchObject({ ok: false, code: 'NETWORK_SIGNATURE_BAD' })
    const extreme = signEntry(me, {
      kind: 'qtable',
      version: NOW,
      value: { ...serializeQTable(createQTable(['a'])), qtable: { a: { a: 1e9 } } },
    })
    expect(parseEntry(extreme, verifier)).toMatchObject({ ok: false, code: 'NETWORK_ENTRY_MALFORMED' })
    expect(parseEntry({ ...contact, extra: 1 }, verifier)).toMatchObject({
      ok: false,
      code: 'NETWORK_ENTRY_MALFORMED',
    })
    const huge = signEntry(me, { kind: 'status', version: NOW, value: { blob: 'x'.repeat(300_000) } })
    expect(parseEntry(huge, verifier)).toMatchObject({ ok: false, code: 'NETWORK_ENVELOPE_OVERSIZED' })
  })
})

describe('entry store', () => {
  it('keeps the latest version per key and refuses stale, future and expired entries', () => {
    const store = createEntryStore({ skewMs: 100 })
    const v1 = signEntry(me, { kind: 'contact', version: NOW, value: contactValue(NOW + 1000) })
    const v2 = signEntry(me, { kind: 'contact', version: NOW + 5, value: contactValue(NOW + 1000) })
    expect(store.accept(v1, NOW)).toBe('accepted')
    expect(store.accept(v2, NOW)).toBe('accepted')
    expect(store.accept(v1, NOW)).toBe('stale')
    expect(
      store.accept(
        signEntry(me, { kind: 'contact', version: NOW + 500, value: contactValue(NOW + 1000) }),
        NOW,
      ),
    ).toBe('future')
    expect(
      store.accept(signEntry(me, { kind: 'contact', version: NOW + 9, value: contactValue(NOW - 1) }), NOW),
    ).toBe('expired')
    expect(store.digest()).toEqual({ [`contact/${v1.origin}`]: NOW + 5 })
    expect(store.newerThan({ [`contact/${v1.origin}`]: NOW + 5 }, 10)).toEqual([])
    expect(store.newerThan({}, 10)).toEqual([v2])
    expect(store.expire(NOW + 1000)).toEqual([`contact/${v1.origin}`])
    expect(store.size).toBe(0)
  })

  it('bounds each kind, evicting the oldest version', () => {
    const store = createEntryStore({ maxPerKind: 3 })
    const ids = [0, 1, 2, 3].map((i) => generateIdentity(createSeededRng(`store-${i}`)))
    ids.forEach((id, i) =>
      store.accept(signEntry(id, { kind: 'status', version: NOW + i, value: null }), NOW),
    )
    expect(store.all('status').map((e) => e.version)).toEqual([NOW + 1, NOW + 2, NOW + 3])
  })
})
