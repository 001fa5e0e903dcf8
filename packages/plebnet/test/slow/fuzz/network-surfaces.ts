/**
 * Fuzz surfaces of the agents' overlay: signed envelopes (`openEnvelope`) and gossiped entries
 * (`decodeBroadcast` + `parseEntry`). Both are signed and strict, so any mutant whose JSON differs
 * from the signed original must be refused: that is what makes `accepted-invalid` meaningful here.
 */
import { createSeededRng } from '@dolly/base'
import fc from 'fast-check'
import {
  anyBytes,
  mutateBytes,
  mutateJson,
  sameJson,
  type FuzzCase,
  type Surface,
} from '../../../../base/test/support/fuzz-harness.ts'
import { generateIdentity } from '../../../src/identity/identity.ts'
import { createQTable } from '../../../src/learning/q-table.ts'
import { serializeQTable } from '../../../src/learning/q-table-codec.ts'
import { bytesToHex } from '../../../src/ledger/bytes.ts'
import { createSignatureVerifier } from '../../../src/ledger/ed25519.ts'
import type { JsonValue } from '../../../src/network/canonical-json.ts'
import { MAX_FRAME_BYTES } from '../../../src/network/constants.ts'
import { MESSAGE_TYPES, openEnvelope, sealEnvelope } from '../../../src/network/envelope.ts'
import { decodeBroadcast } from '../../../src/network/entry-intake.ts'
import { parseEntry, signEntry } from '../../../src/network/entry.ts'
import { createReplayGuard } from '../../../src/network/replay-guard.ts'

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
  const values: { kind: 'contact' | 'qtable' | 'status'; value: JsonValue }[] = []
  for (let i = 0; i < POOL; i++) {
    const kind = (['contact', 'qtable', 'status'] as const)[i % 3] ?? 'contact'
    const value: JsonValue =
      kind === 'contact'
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
