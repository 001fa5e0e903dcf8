import { createSeededRng } from '@dolly/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateIdentity, bytesToHex, createSignatureVerifier } from '@dolly/base'
import { canonicalJson } from './canonical-json.ts'
import { openEnvelope, sealEnvelope, type Opened } from './envelope.ts'
import { createReplayGuard } from './replay-guard.ts'

const alice = generateIdentity(createSeededRng('env-alice'))
const bob = generateIdentity(createSeededRng('env-bob'))
const bobId = bytesToHex(bob.publicKey)
const NOW = 1_700_000_000_000

function opener(): (bytes: Uint8Array, nowMs?: number) => Opened {
  const replay = createReplayGuard()
  const verifier = createSignatureVerifier()
  return (bytes, nowMs = NOW) => openEnvelope(bytes, { selfId: bobId, nowMs, verifier, replay })
}
const codeOf = (o: Opened): string => (o.ok ? 'ok' : o.code)
const text = (b: Uint8Array): string => new TextDecoder().decode(b)
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('signed envelopes', () => {
  const rng = createSeededRng('env-rng')
  it('opens what it sealed, with the sender, type and body intact', () => {
    const sealed = sealEnvelope(
      alice,
      rng,
      { type: 'digest', to: bobId, body: { digest: { b: 2, a: 1 } } },
      NOW,
    )
    const opened = opener()(sealed)
    expect(opened.ok && opened.envelope).toMatchObject({
      from: bytesToHex(alice.publicKey),
      type: 'digest',
      body: { digest: { a: 1, b: 2 } },
    })
  })

  const cases: [string, (open: ReturnType<typeof opener>) => Opened, string][] = [
    [
      'a replayed envelope',
      (open) => {
        const sealed = sealEnvelope(alice, rng, { type: 'ping', to: bobId, body: {} }, NOW)
        open(sealed)
        return open(sealed)
      },
      'NETWORK_REPLAYED',
    ],
    [
      'a stale envelope',
      (open) => open(sealEnvelope(alice, rng, { type: 'ping', to: bobId, body: {} }, NOW - 300_001)),
      'NETWORK_TIME_OUT_OF_RANGE',
    ],
    [
      'a future envelope',
      (open) => open(sealEnvelope(alice, rng, { type: 'ping', to: bobId, body: {} }, NOW + 300_001)),
      'NETWORK_TIME_OUT_OF_RANGE',
    ],
    [
      'an envelope to someone else',
      (open) => open(sealEnvelope(alice, rng, { type: 'ping', to: 'ab'.repeat(32), body: {} }, NOW)),
      'NETWORK_WRONG_RECIPIENT',
    ],
    [
      'a changed body',
      (open) =>
        open(
          bytes(
            text(sealEnvelope(alice, rng, { type: 'hello', to: bobId, body: { contact: 1 } }, NOW)).replace(
              '"contact":1',
              '"contact":2',
            ),
          ),
        ),
      'NETWORK_SIGNATURE_BAD',
    ],
    [
      'a changed sender',
      (open) =>
        open(
          bytes(
            text(sealEnvelope(alice, rng, { type: 'ping', to: bobId, body: {} }, NOW)).replace(
              bytesToHex(alice.publicKey),
              bobId,
            ),
          ),
        ),
      'NETWORK_SIGNATURE_BAD',
    ],
    [
      'an unknown key',
      (open) =>
        open(
          bytes(
            text(sealEnvelope(alice, rng, { type: 'ping', to: bobId, body: {} }, NOW)).replace(
              '"v":1',
              '"v":1,"x":0',
            ),
          ),
        ),
      'NETWORK_ENVELOPE_MALFORMED',
    ],
    [
      'an unknown type',
      (open) =>
        open(
          bytes(
            text(sealEnvelope(alice, rng, { type: 'ping', to: bobId, body: {} }, NOW)).replace(
              '"ping"',
              '"exec"',
            ),
          ),
        ),
      'NETWORK_ENVELOPE_MALFORMED',
    ],
    [
      'a __proto__ key',
      (open) =>
        open(
          bytes(
            text(sealEnvelope(alice, rng, { type: 'ping', to: bobId, body: {} }, NOW)).replace(
              '"body":{}',
              '"body":{"__proto__":{"x":1}}',
            ),
          ),
        ),
      'NETWORK_ENVELOPE_MALFORMED',
    ],
    ['non-JSON bytes', (open) => open(Uint8Array.of(0xff, 0xfe, 0x00)), 'NETWORK_ENVELOPE_MALFORMED'],
    ['an oversized frame', (open) => open(new Uint8Array(1024 * 1024 + 1)), 'NETWORK_ENVELOPE_OVERSIZED'],
  ]
  for (const [name, attempt, code] of cases)
    it(`refuses ${name} with ${code}`, () => expect(codeOf(attempt(opener()))).toBe(code))

  it('never throws on arbitrary bytes or JSON', () => {
    const open = opener()
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.json().map(bytes)), (input) => {
        expect(codeOf(open(input))).not.toBe('ok')
      }),
      { numRuns: 300 },
    )
  })

  it('signs canonical JSON: key order does not matter, non-finite numbers are refused', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.integer()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse())
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj))
        expect(JSON.parse(canonicalJson(obj))).toEqual(obj)
      }),
    )
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(RangeError)
  })
})

describe('replay guard', () => {
  it('admits a nonce once, and forgets it only after it fell out of the window', () => {
    const guard = createReplayGuard({ windowMs: 1000 })
    expect(guard.admit('a', 'n1', 0, 0)).toBe('ok')
    expect(guard.admit('a', 'n1', 0, 500)).toBe('NETWORK_REPLAYED')
    expect(guard.admit('b', 'n1', 0, 500)).toBe('ok')
    expect(guard.admit('a', 'n1', 0, 1001)).toBe('NETWORK_TIME_OUT_OF_RANGE')
  })
  it('stays bounded under a flood', () => {
    const guard = createReplayGuard({ windowMs: 1_000_000, maxSenders: 10, noncesPerSender: 10 })
    for (let i = 0; i < 1000; i++) guard.admit(`s${i % 10}`, `n${i}`, i, i)
    expect(guard.size).toBe(100)
    for (let i = 0; i < 1000; i++) guard.admit(`t${i}`, 'n', 1000 + i, 1000 + i)
    expect(guard.size).toBe(10)
    expect(guard.senders).toBe(10)
  })
})
