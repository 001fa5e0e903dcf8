import { createSeededRng } from '@dolly/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateIdentity, createSignatureVerifier } from '@dolly/base'
import { bandwidthRules, encodeBandwidthTx } from './bandwidth.ts'
import { FIXED_BLOCK_BYTES, GENESIS_HASH, MAX_TRANSACTION_BYTES } from './constants.ts'
import { createProposal, signBlock } from './create-block.ts'
import { decodeBlock, packBlock, type HalfBlockFields } from './half-block.ts'
import { validateBlock } from './validation.ts'

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
const fieldsArb: fc.Arbitrary<HalfBlockFields> = fc.record({
  publicKey: bytes(32),
  sequenceNumber: fc.integer({ min: 0, max: 0xffff_ffff }),
  linkPublicKey: bytes(32),
  linkSequenceNumber: fc.integer({ min: 0, max: 0xffff_ffff }),
  previousHash: bytes(32),
  signature: bytes(64),
  type: fc.stringMatching(/^[a-z0-9_]{1,64}$/),
  transaction: fc.uint8Array({ maxLength: 300 }),
  timestampMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
})

const alice = generateIdentity(createSeededRng('hb-alice'))
const bob = generateIdentity(createSeededRng('hb-bob'))
const rules = { tribler_bandwidth: bandwidthRules }
const genesis = createProposal(alice, undefined, {
  linkPublicKey: bob.publicKey,
  type: 'tribler_bandwidth',
  transaction: encodeBandwidthTx({ up: 0n, down: 1n << 20n, totalUp: 0n, totalDown: 1n << 20n }),
  timestampMs: 1_700_000_000_000,
})

describe('half-block encoding', () => {
  it('decodes what it encodes, for any fields', () => {
    fc.assert(
      fc.property(fieldsArb, (fields) => {
        const packed = packBlock(fields)
        const decoded = decodeBlock(packed.bytes)
        expect(decoded.ok).toBe(true)
        if (!decoded.ok) return
        expect({ ...decoded.block }).toEqual({ ...fields, bytes: packed.bytes, hash: packed.hash })
        expect(packed.bytes.byteLength).toBe(
          FIXED_BLOCK_BYTES + fields.type.length + fields.transaction.byteLength,
        )
      }),
    )
  })

  it('refuses every prefix of a block as truncated', () => {
    for (let n = 0; n < genesis.bytes.byteLength; n++) {
      const result = decodeBlock(genesis.bytes.subarray(0, n))
      expect(result.ok ? 'decoded' : result.code, `prefix of ${n} bytes`).toMatch(
        /LEDGER_BLOCK_TRUNCATED|LEDGER_TYPE_INVALID|LEDGER_BLOCK_OVERSIZED/,
      )
    }
  })

  it('detects a change to any byte of a signed block', () => {
    const verifier = createSignatureVerifier()
    fc.assert(
      fc.property(
        fc.nat({ max: genesis.bytes.byteLength - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, xor) => {
          const tampered = new Uint8Array(genesis.bytes)
          tampered[at]! ^= xor
          const decoded = decodeBlock(tampered)
          if (!decoded.ok) return
          const verdict = validateBlock(decoded.block, { agreements: [] }, verifier, rules)
          expect(verdict.state).toBe('invalid')
        },
      ),
      { numRuns: 300 },
    )
  })

  it('refuses to encode fields that do not fit the wire format', () => {
    const base = { ...genesis }
    const cases: Partial<HalfBlockFields>[] = [
      { publicKey: new Uint8Array(31) },
      { sequenceNumber: -1 },
      { sequenceNumber: 2 ** 32 },
      { type: 'Bandwidth' },
      { type: '' },
      { transaction: new Uint8Array(MAX_TRANSACTION_BYTES + 1) },
      { timestampMs: -1 },
      { timestampMs: 1.5 },
    ]
    for (const change of cases) {
      expect(() => packBlock({ ...base, ...change }), JSON.stringify(Object.keys(change))).toThrow(
        expect.objectContaining({ code: 'LEDGER_BLOCK_MALFORMED' }),
      )
    }
  })

  it('signs the packing with EMPTY_SIG in the signature field, so the signature verifies', () => {
    const block = signBlock(
      {
        sequenceNumber: 1,
        linkPublicKey: bob.publicKey,
        linkSequenceNumber: 0,
        previousHash: GENESIS_HASH,
        type: 'x',
        transaction: new Uint8Array(),
        timestampMs: 0,
      },
      alice,
    )
    const verdict = validateBlock(block, { agreements: [] }, createSignatureVerifier(), {
      x: { check: () => ({ ok: true }) },
    })
    expect(verdict.state).toBe('partial_next')
  })
})
