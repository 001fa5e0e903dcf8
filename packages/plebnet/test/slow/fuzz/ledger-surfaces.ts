/**
 * Fuzz surfaces of the ledger: half-blocks (`decodeBlock` then `checkInvariants`, the signature and
 * field checks every block from a peer passes before it is stored), transaction dicts
 * (`decodeTxDict`, canonical) and the protocol's messages (`decodeRequest`/`decodeResponse`).
 */
import { createSeededRng } from '@dolly/base'
import fc from 'fast-check'
import {
  anyBytes,
  mutateBytes,
  type FuzzCase,
  type Surface,
} from '../../../../base/test/support/fuzz-harness.ts'
import { generateIdentity, bytesEqual, bytesToHex, createSignatureVerifier } from '@dolly/base'
import {
  EMPTY_PK,
  GENESIS_HASH,
  MAX_CRAWL_BLOCKS,
  signBlock,
  decodeBlock,
  encodeFields,
  type HalfBlock,
  type LedgerRequest,
  type LedgerResponse,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  decodeTxDict,
  encodeTxDict,
  type TxDict,
  checkInvariants,
} from '@dolly/ledger'

const POOL = 48
const alice = generateIdentity(createSeededRng('fuzz-ledger-alice'))
const bob = generateIdentity(createSeededRng('fuzz-ledger-bob'))

const txDictArb: fc.Arbitrary<TxDict> = fc.dictionary(
  fc.stringMatching(/^[a-z0-9_]{1,32}$/),
  fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.uint8Array({ maxLength: 64 })),
  { maxKeys: 6 },
)

function blockPool(): HalfBlock[] {
  const fields = fc.sample(
    fc.record({
      sequenceNumber: fc.integer({ min: 1, max: 0xffff_ffff }),
      proposal: fc.boolean(),
      linkSequenceNumber: fc.integer({ min: 1, max: 0xffff_ffff }),
      previousHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      type: fc.stringMatching(/^[a-z0-9_]{1,64}$/),
      tx: txDictArb,
      timestampMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    }),
    { numRuns: POOL, seed: 14 },
  )
  return fields.map((f) =>
    signBlock(
      {
        sequenceNumber: f.sequenceNumber,
        linkPublicKey: f.proposal ? EMPTY_PK : bob.publicKey,
        linkSequenceNumber: f.proposal ? 0 : f.linkSequenceNumber,
        previousHash: f.sequenceNumber === 1 ? GENESIS_HASH : f.previousHash,
        type: f.type,
        transaction: encodeTxDict(f.tx),
        timestampMs: f.timestampMs,
      },
      alice,
    ),
  )
}

/** Valid encodings, their byte mutants (invalid unless unchanged: every byte is signed) and arbitrary bytes. */
function signedBytesCases(
  pool: readonly Uint8Array[],
  arbitrary: 'invalid' | 'any',
): fc.Arbitrary<FuzzCase<Uint8Array>> {
  const mutants = pool.map((b) =>
    mutateBytes(b).map((m): FuzzCase<Uint8Array> => ({
      input: m.value,
      expect: bytesEqual(m.value, b) ? 'valid' : 'invalid',
      label: m.label,
    })),
  )
  const index = fc.nat({ max: pool.length - 1 })
  return fc.oneof(
    {
      weight: 1,
      arbitrary: index.map((i): FuzzCase<Uint8Array> => ({
        input: pool[i] as Uint8Array,
        expect: 'valid',
        label: 'valid',
      })),
    },
    { weight: 4, arbitrary: index.chain((i) => mutants[i] as fc.Arbitrary<FuzzCase<Uint8Array>>) },
    {
      weight: 1,
      arbitrary: anyBytes.map((b): FuzzCase<Uint8Array> => ({
        input: b,
        expect: arbitrary,
        label: 'arbitrary',
      })),
    },
  )
}

/** A block from a peer: decoded, then its invariants and creator signature checked. */
export function halfBlockSurface(): Surface<Uint8Array> {
  const verifier = createSignatureVerifier()
  return {
    name: 'ledger half-block',
    // Random bytes cannot carry alice's signature over themselves.
    cases: signedBytesCases(
      blockPool().map((b) => b.bytes),
      'invalid',
    ),
    parse: (bytes) => {
      const decoded = decodeBlock(bytes)
      if (!decoded.ok) return { ok: false, code: decoded.code }
      const invalid = checkInvariants(decoded.block, verifier)
      return invalid === undefined || invalid.state !== 'invalid'
        ? { ok: true, value: decoded.block }
        : { ok: false, code: invalid.code }
    },
    roundTrip: (bytes, value) =>
      bytesEqual(encodeFields(value as HalfBlock), bytes) ? undefined : 'encodes to other bytes',
    canonical: true,
  }
}

/** A block's transaction dict; canonical, so whatever decodes must encode to the same bytes. */
export function txDictSurface(): Surface<Uint8Array> {
  const pool = fc.sample(txDictArb, { numRuns: POOL, seed: 15 }).map(encodeTxDict)
  return {
    name: 'ledger tx-dict',
    // A mutant may decode to another canonical dict: `canonical` is the oracle, not the mutation.
    cases: signedBytesCases(pool, 'any').map((c) => (c.expect === 'invalid' ? { ...c, expect: 'any' } : c)),
    parse: (bytes) => {
      const dict = decodeTxDict(bytes)
      return dict === undefined ? { ok: false, code: 'LEDGER_TX_MALFORMED' } : { ok: true, value: dict }
    },
    roundTrip: (bytes, value) =>
      bytesEqual(encodeTxDict(value as TxDict), bytes) ? undefined : 'encodes to other bytes',
    canonical: true,
  }
}

type Message =
  | { readonly dir: 'request'; readonly bytes: Uint8Array }
  | { readonly dir: 'response'; readonly bytes: Uint8Array }

const crawlSeq = fc.oneof(
  fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  fc.integer({ min: -(2 ** 31) + 1, max: -1 }),
)

/**
 * Protocol messages. A decoder refuses with `undefined`, which the protocol answers with
 * LEDGER_MESSAGE_MALFORMED (ledger-protocol.ts), so that is the code counted here. Crawl, refused
 * and blocks messages are length-exact: their truncations and extensions must be refused.
 */
export function ledgerMessageSurface(): Surface<Message> {
  const blocks = blockPool().map((b) => b.bytes)
  const requests: LedgerRequest[] = fc.sample(
    fc.oneof(
      fc.constantFrom(...blocks).map((proposal): LedgerRequest => ({ kind: 'propose', proposal })),
      fc
        .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), crawlSeq, crawlSeq)
        .map(([publicKey, startSeq, endSeq]): LedgerRequest => ({
          kind: 'crawl',
          publicKey,
          startSeq,
          endSeq,
        })),
    ),
    { numRuns: POOL, seed: 16 },
  )
  const responses: LedgerResponse[] = fc.sample(
    fc.oneof(
      fc.constantFrom(...blocks).map((agreement): LedgerResponse => ({ kind: 'agreement', agreement })),
      fc
        .tuple(fc.stringMatching(/^[A-Z0-9_]{1,64}$/), fc.string({ maxLength: 100 }))
        .map(([code, reason]): LedgerResponse => ({ kind: 'refused', code, reason })),
      fc
        .array(fc.constantFrom(...blocks), { maxLength: Math.min(8, MAX_CRAWL_BLOCKS) })
        .map((bs): LedgerResponse => ({ kind: 'blocks', blocks: bs })),
    ),
    { numRuns: POOL, seed: 17 },
  )
  const pool: { msg: Message; exact: boolean }[] = [
    ...requests.map((r) => ({
      msg: { dir: 'request' as const, bytes: encodeRequest(r) },
      exact: r.kind === 'crawl',
    })),
    ...responses.map((r) => ({
      msg: { dir: 'response' as const, bytes: encodeResponse(r) },
      exact: r.kind !== 'agreement',
    })),
  ]
  const mutants = pool.map(({ msg, exact }) =>
    mutateBytes(msg.bytes).map((m): FuzzCase<Message> => {
      const lengthChanged = m.value.byteLength !== msg.bytes.byteLength
      const startsSame = bytesEqual(
        m.value.subarray(0, Math.min(m.value.byteLength, msg.bytes.byteLength)),
        msg.bytes.subarray(0, Math.min(m.value.byteLength, msg.bytes.byteLength)),
      )
      // Cutting or extending a length-exact message leaves a length field that no longer matches.
      const expect = bytesEqual(m.value, msg.bytes)
        ? 'valid'
        : exact && lengthChanged && startsSame
          ? 'invalid'
          : 'any'
      return { input: { dir: msg.dir, bytes: m.value }, expect, label: `${msg.dir}:${m.label}` }
    }),
  )
  const index = fc.nat({ max: pool.length - 1 })
  return {
    name: 'ledger messages',
    cases: fc.oneof(
      {
        weight: 1,
        arbitrary: index.map((i): FuzzCase<Message> => ({
          input: (pool[i] as { msg: Message }).msg,
          expect: 'valid',
          label: 'valid',
        })),
      },
      { weight: 4, arbitrary: index.chain((i) => mutants[i] as fc.Arbitrary<FuzzCase<Message>>) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom('request' as const, 'response' as const), anyBytes)
          .map(([dir, bytes]): FuzzCase<Message> => ({
            input: { dir, bytes },
            expect: 'any',
            label: `${dir}:arbitrary`,
          })),
      },
    ),
    parse: (m) => {
      const decoded = m.dir === 'request' ? decodeRequest(m.bytes) : decodeResponse(m.bytes)
      return decoded === undefined
        ? { ok: false, code: 'LEDGER_MESSAGE_MALFORMED' }
        : { ok: true, value: decoded }
    },
    roundTrip: (m, value) => {
      const again =
        m.dir === 'request' ? encodeRequest(value as LedgerRequest) : encodeResponse(value as LedgerResponse)
      return bytesEqual(again, m.bytes) ? undefined : `re-encodes to ${bytesToHex(again).slice(0, 40)}…`
    },
  }
}
