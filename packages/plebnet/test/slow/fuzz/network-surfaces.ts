/**
 * Fuzz surfaces of the agents' overlay: signed envelopes (`openEnvelope`), gossiped entries
 * (`decodeBroadcast` + `parseEntry`, and `intakeEntries` into a store) and direct messages
 * (`DirectMessaging.receive`, the decryption of `secure-message.ts`). All are signed or
 * authenticated, so any mutant that differs from the original must be refused: that is what makes
 * `accepted-invalid` meaningful here.
 */
import { createSeededRng } from '@dolly/base'
import fc from 'fast-check'
import {
  anyBytes,
  anyJson,
  jsonCases,
  mutateBytes,
  mutateJson,
  sameJson,
  type FuzzCase,
  type Surface,
  type Verdict,
} from '../../../../base/test/support/fuzz-harness.ts'
import { generateIdentity, bytesToHex, createSignatureVerifier } from '@dolly/base'
import { createQTable, serializeQTable } from '@dolly/learning'
import {
  type JsonValue,
  MAX_FRAME_BYTES,
  MESSAGE_TYPES,
  openEnvelope,
  sealEnvelope,
  createDirectMessaging,
  decodeBroadcast,
  intakeEntries,
  createEntryStore,
  type Envelope,
  type NetworkErrorCode,
  deriveDhKeyPair,
  sealDirect,
  parseEntry,
  signEntry,
  createReplayGuard,
} from '@dolly/overlay'

const NOW = 1_700_000_000_000
const POOL = 48
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

const alice = generateIdentity(createSeededRng('fuzz-alice'))
const bob = generateIdentity(createSeededRng('fuzz-bob'))
const bobId = bytesToHex(bob.publicKey)

/** JSON of bytes that are UTF-8 JSON, else undefined. */
function jsonOf(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(decoder.decode(bytes)) }
  } catch {
    return undefined
  }
}

/** Cases over signed JSON documents: valid ones, byte and structural mutants (invalid unless equal), arbitrary bytes. */
function signedCases(pool: readonly Uint8Array[]): fc.Arbitrary<FuzzCase<Uint8Array>> {
  const originals = pool.map((b) => jsonOf(b)?.value)
  const bytesMutants = pool.map((b, i) =>
    mutateBytes(b).map((m): FuzzCase<Uint8Array> => {
      const parsed = jsonOf(m.value)
      const same = parsed !== undefined && sameJson(parsed.value, originals[i])
      return { input: m.value, expect: same ? 'valid' : 'invalid', label: m.label }
    }),
  )
  const jsonMutants = originals.map((o) =>
    mutateJson(o).map((m): FuzzCase<Uint8Array> => ({
      input: encoder.encode(JSON.stringify(m.value)),
      expect: sameJson(m.value, o) ? 'valid' : 'invalid',
      label: `json:${m.op}`,
    })),
  )
  const index = fc.nat({ max: pool.length - 1 })
  return fc.oneof(
    {
      weight: 40,
      arbitrary: index.map((i): FuzzCase<Uint8Array> => ({
        input: pool[i] as Uint8Array,
        expect: 'valid',
        label: 'valid',
      })),
    },
    { weight: 80, arbitrary: index.chain((i) => bytesMutants[i] as fc.Arbitrary<FuzzCase<Uint8Array>>) },
    { weight: 80, arbitrary: index.chain((i) => jsonMutants[i] as fc.Arbitrary<FuzzCase<Uint8Array>>) },
    // Nobody but alice and bob holds a key here, so arbitrary bytes can never carry a valid signature.
    {
      weight: 20,
      arbitrary: anyBytes.map((b): FuzzCase<Uint8Array> => ({
        input: b,
        expect: 'invalid',
        label: 'arbitrary',
      })),
    },
    {
      weight: 1,
      arbitrary: fc.constant<FuzzCase<Uint8Array>>({
        input: new Uint8Array(MAX_FRAME_BYTES + 1),
        expect: 'invalid',
        label: 'oversized',
      }),
    },
  )
}

const bodyArb = fc.jsonValue({ maxDepth: 3 })

/** `openEnvelope` with a fresh replay guard per case (replay is another engineer's surface). */
export function envelopeSurface(): Surface<Uint8Array> {
  const rng = createSeededRng('fuzz-envelope')
  const bodies = fc.sample(fc.tuple(fc.constantFrom(...MESSAGE_TYPES), bodyArb), { numRuns: POOL, seed: 14 })
  const pool = bodies.map(([type, body]) => sealEnvelope(alice, rng, { type, to: bobId, body }, NOW))
  const verifier = createSignatureVerifier()
  return {
    name: 'network envelope',
    cases: signedCases(pool),
    parse: (bytes) => {
      const opened = openEnvelope(bytes, { selfId: bobId, nowMs: NOW, verifier, replay: createReplayGuard() })
      return opened.ok ? { ok: true, value: opened.envelope } : { ok: false, code: opened.code }
    },
    roundTrip: (bytes, value) =>
      sameJson((jsonOf(bytes)?.value as { env?: unknown } | undefined)?.env, value)
        ? undefined
        : 'envelope differs',
  }
}

/** `decodeBroadcast` then `parseEntry`: the path of a gossipsub message into the entry store. */
export function entrySurface(): Surface<Uint8Array> {
  const values: { kind: 'contact' | 'qtable' | 'status' | 'hop'; value: JsonValue }[] = []
  for (let i = 0; i < POOL; i++) {
    const kind = (['contact', 'qtable', 'status', 'hop'] as const)[i % 4] ?? 'contact'
    const value: JsonValue =
      kind === 'hop'
        ? { tunnelKey: 'cd'.repeat(32), relay: true, exit: i % 8 === 3, expiresMs: NOW + i }
        : kind === 'contact'
          ? {
              addrs: [`/ip4/10.0.0.${i}/tcp/8000`],
              dhKey: 'ab'.repeat(32),
              treePath: `plebbot.${i}`,
              expiresMs: NOW + i,
            }
          : kind === 'status'
            ? {
                treePath: `plebbot.${i}`,
                state: 'running',
                host: '10.0.0.1',
                balanceSats: String(i * 1000),
                contacts: i,
              }
            : (serializeQTable(createQTable([`p${i}/a`, `p${i}/b`])) as unknown as JsonValue)
    values.push({ kind, value })
  }
  const pool = values.map((v, i) =>
    encoder.encode(JSON.stringify(signEntry(alice, { ...v, version: NOW + i }))),
  )
  const verifier = createSignatureVerifier()
  return {
    name: 'gossip entry',
    cases: signedCases(pool),
    parse: (bytes) => {
      const decoded = decodeBroadcast(bytes, MAX_FRAME_BYTES)
      if (!decoded.ok) return { ok: false, code: decoded.code }
      const parsed = parseEntry(decoded.value, verifier)
      return parsed.ok ? { ok: true, value: parsed.entry } : { ok: false, code: parsed.code }
    },
    roundTrip: (bytes, value) => (sameJson(jsonOf(bytes)?.value, value) ? undefined : 'entry differs'),
  }
}

const aliceId = bytesToHex(alice.publicKey)

/** Alice's entries of every kind, valid at NOW (a contact expires an hour later). */
function alicesEntries(): unknown[] {
  const out: unknown[] = []
  for (let i = 0; i < POOL; i++) {
    const kind = (['contact', 'qtable', 'status', 'hop'] as const)[i % 4] ?? 'contact'
    const value: JsonValue =
      kind === 'hop'
        ? { tunnelKey: 'cd'.repeat(32), relay: true, exit: i % 8 === 3, expiresMs: NOW + 3_600_000 }
        : kind === 'contact'
          ? {
              addrs: [`/ip4/10.0.0.${i}/tcp/8000`],
              dhKey: 'ab'.repeat(32),
              treePath: `plebbot.${i}`,
              expiresMs: NOW + 3_600_000,
            }
          : kind === 'status'
            ? {
                treePath: `plebbot.${i}`,
                state: 'running',
                host: '10.0.0.1',
                balanceSats: String(i),
                contacts: i,
              }
            : (serializeQTable(createQTable([`p${i}_a`, `p${i}_[b]: c`])) as unknown as JsonValue)
    out.push(JSON.parse(JSON.stringify(signEntry(alice, { kind, value, version: NOW - i }))))
  }
  return out
}

/**
 * `intakeEntries`, what anti-entropy and broadcasts feed into the entry store: one raw entry per case
 * into a fresh store. A refusal is the code passed to `reject`; an entry that is neither refused nor
 * stored would be dropped without a code (rejected-uncoded).
 */
export function intakeSurface(): Surface<unknown> {
  const verifier = createSignatureVerifier()
  return {
    name: 'gossip intake',
    // Signed: any change is invalid, whatever it touches.
    cases: jsonCases(alicesEntries(), () => 'invalid', { textChanged: 'invalid', arbitrary: 'invalid' }),
    parse: (raw): Verdict => {
      const rejected: NetworkErrorCode[] = []
      const { accepted } = intakeEntries([raw], {
        store: createEntryStore(),
        verifier,
        selfId: bobId,
        nowMs: NOW,
        reject: (code) => rejected.push(code),
      })
      if (rejected[0] !== undefined) return { ok: false, code: rejected[0] }
      return accepted.length === 1 ? { ok: true, value: accepted[0] } : { ok: false, code: null }
    },
    roundTrip: (raw, value) => (sameJson(raw, value) ? undefined : 'entry differs'),
  }
}

/** A direct message as `receive` gets it: the (already verified) envelope's sender and body. */
interface Direct {
  readonly from: string
  readonly body: unknown
}

/**
 * `createDirectMessaging(...).receive`: the body schema, then X25519 + HKDF + AES-256-GCM with both
 * ids as associated data. Valid: a body Alice sealed to Bob, received from Alice. Anything else
 * (another body, another sender, a body sealed to Carol, arbitrary JSON) must be refused.
 */
export function directMessageSurface(): Surface<Direct> {
  const carol = generateIdentity(createSeededRng('fuzz-carol'))
  const carolId = bytesToHex(carol.publicKey)
  const bobDh = deriveDhKeyPair(bob)
  const rng = createSeededRng('fuzz-direct')
  // Sealed as DirectMessaging.send seals (its associated data is both ids, `aadOf`); sealDirect is
  // synchronous, so the pool exists before the first case is drawn. Should the format drift, every
  // valid case would be refused and the suite fail.
  const aad = new TextEncoder().encode(`dolly-dm-v1\n${aliceId}\n${bobId}`)
  const seal = (recipientDhHex: string, plaintext: Uint8Array): unknown =>
    JSON.parse(JSON.stringify(sealDirect(rng, recipientDhHex, plaintext, aad)))
  const plaintexts = fc.sample(fc.uint8Array({ maxLength: 300 }), { numRuns: POOL, seed: 15 })
  const toBob = plaintexts.map((p) => ({ body: seal(bobDh.publicKeyHex, p), plaintext: p }))
  const toCarol = plaintexts.map((p) => seal(deriveDhKeyPair(carol).publicKeyHex, p))
  const receiver = createDirectMessaging({
    rng,
    selfId: bobId,
    dh: bobDh,
    store: createEntryStore(),
    hello: async () => true,
    call: async () => undefined,
  })
  let last: Uint8Array | undefined
  receiver.subscribe((_from, data) => {
    last = data
  })
  const index = fc.nat({ max: POOL - 1 })
  const body = (i: number): unknown => toBob[i]?.body
  const field = fc.constantFrom('epk', 'iv', 'ct')
  return {
    name: 'direct message',
    cases: fc.oneof(
      {
        weight: 2,
        arbitrary: index.map((i): FuzzCase<Direct> => ({
          input: { from: aliceId, body: body(i) },
          expect: 'valid',
          label: 'valid',
        })),
      },
      {
        weight: 3,
        // One field's text mutated byte-wise (hex and base64 are ASCII): a changed string must not open.
        arbitrary: fc.tuple(index, field, fc.nat()).chain(([i, f]) => {
          const original = body(i) as Record<string, string>
          return mutateBytes(encoder.encode(original[f] ?? '')).map((m): FuzzCase<Direct> => {
            const text = new TextDecoder().decode(m.value)
            return {
              input: { from: aliceId, body: { ...original, [f]: text } },
              expect: text === original[f] ? 'valid' : 'invalid',
              label: `field:${f}:${m.label}`,
            }
          })
        }),
      },
      {
        weight: 3,
        arbitrary: index.chain((i) =>
          mutateJson(body(i)).map((m): FuzzCase<Direct> => ({
            input: { from: aliceId, body: m.value },
            expect: sameJson(m.value, body(i)) ? 'valid' : 'invalid',
            label: `json:${m.op}`,
          })),
        ),
      },
      {
        weight: 1,
        arbitrary: index.map((i): FuzzCase<Direct> => ({
          input: { from: carolId, body: body(i) },
          expect: 'invalid',
          label: 'other-sender',
        })),
      },
      {
        weight: 1,
        arbitrary: index.map((i): FuzzCase<Direct> => ({
          input: { from: aliceId, body: toCarol[i] },
          expect: 'invalid',
          label: 'sealed-to-carol',
        })),
      },
      {
        weight: 1,
        arbitrary: anyJson.map((v): FuzzCase<Direct> => ({
          input: { from: aliceId, body: v },
          expect: 'invalid',
          label: 'arbitrary',
        })),
      },
    ),
    parse: (d): Verdict => {
      last = undefined
      const env = {
        v: 1,
        type: 'direct',
        from: d.from,
        to: bobId,
        ts: NOW,
        nonce: '0'.repeat(32),
        body: d.body,
      }
      receiver.receive(env as Envelope)
      return { ok: true, value: last }
    },
    roundTrip: (d, value) => {
      const sent = toBob.find((t) => sameJson(t.body, d.body))
      return sent !== undefined &&
        value instanceof Uint8Array &&
        Buffer.from(value).equals(Buffer.from(sent.plaintext))
        ? undefined
        : 'plaintext differs'
    },
  }
}
