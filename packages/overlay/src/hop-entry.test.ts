import { describe, expect, it } from 'vitest'
import {
  bytesToHex,
  createSeededRng,
  createSignatureVerifier,
  createVirtualClock,
  generateIdentity,
} from '@dolly/base'
import { createMemoryFleet } from './adapters/memory-fleet.ts'
import { parseEntry, signEntry } from './entry.ts'

const NOW = 1_700_000_000_000
const KEY = 'ab'.repeat(32)

describe('hop/<id> entries (the tunnel directory)', () => {
  const signer = generateIdentity(createSeededRng('hop-signer'))
  const verifier = createSignatureVerifier()
  const sign = (value: unknown): unknown =>
    signEntry(signer, { kind: 'hop', version: NOW, value: value as never })

  it('accepts a well-formed advertisement signed by its origin', () => {
    const parsed = parseEntry(
      sign({ tunnelKey: KEY, relay: true, exit: false, expiresMs: NOW + 1 }),
      verifier,
    )
    expect(parsed.ok).toBe(true)
  })

  it.each([
    ['a short key', { tunnelKey: 'ab', relay: true, exit: false, expiresMs: NOW }],
    ['an upper-case key', { tunnelKey: 'AB'.repeat(32), relay: true, exit: false, expiresMs: NOW }],
    ['a role that is not a boolean', { tunnelKey: KEY, relay: 'yes', exit: false, expiresMs: NOW }],
    ['a missing role', { tunnelKey: KEY, relay: true, expiresMs: NOW }],
    ['an extra field', { tunnelKey: KEY, relay: true, exit: true, expiresMs: NOW, peerId: 'x' }],
    ['a fractional expiry', { tunnelKey: KEY, relay: true, exit: true, expiresMs: 1.5 }],
    ['no object at all', 'relay'],
  ])('refuses %s with NETWORK_ENTRY_MALFORMED', (_name, value) => {
    const parsed = parseEntry(sign(value), verifier)
    expect(parsed.ok ? 'accepted' : parsed.code).toBe('NETWORK_ENTRY_MALFORMED')
  })

  it('refuses an advertisement signed by someone else', () => {
    const other = generateIdentity(createSeededRng('other'))
    const entry = sign({ tunnelKey: KEY, relay: true, exit: true, expiresMs: NOW + 1 }) as object
    const forged = { ...entry, origin: bytesToHex(other.publicKey) }
    const parsed = parseEntry(forged, verifier)
    expect(parsed.ok ? 'accepted' : parsed.code).toBe('NETWORK_SIGNATURE_BAD')
  })

  it('spreads by gossip to every agent, and drops out of the directory when it expires', async () => {
    const clock = createVirtualClock(NOW)
    const fleet = createMemoryFleet({ clock, seed: 'hops' })
    for (let i = 0; i < 8; i++) await fleet.add(2)
    for (let i = 0; i < 4; i++) await fleet.round()
    const [exit, relay] = fleet.agents
    if (exit === undefined || relay === undefined) throw new Error('fleet too small')
    exit.network.publishHop({ tunnelKey: KEY, relay: true, exit: true, expiresMs: NOW + 60_000 })
    relay.network.publishHop({
      tunnelKey: 'cd'.repeat(32),
      relay: true,
      exit: false,
      expiresMs: NOW + 60_000,
    })
    const everyoneKnows = (): boolean =>
      fleet.agents.every((a) => {
        const ids = a.network.hops().map((h) => h.id)
        return (
          (a === exit || ids.includes(exit.network.id)) && (a === relay || ids.includes(relay.network.id))
        )
      })
    for (let i = 0; i < 20 && !everyoneKnows(); i++) await fleet.round()
    expect(everyoneKnows()).toBe(true)
    const seen = fleet.agents[5]?.network.hops().find((h) => h.id === exit.network.id)
    expect(seen).toMatchObject({ tunnelKey: KEY, relay: true, exit: true })
    // Our own advertisement is not part of our directory.
    expect(exit.network.hops().some((h) => h.id === exit.network.id)).toBe(false)
    await clock.advance(60_001)
    expect(fleet.agents[5]?.network.hops()).toEqual([])
  })
})
