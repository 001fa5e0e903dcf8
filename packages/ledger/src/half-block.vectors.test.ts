import { readFileSync } from 'node:fs'
import { createVirtualClock } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { identityFromSeed, bytesToHex, hexToBytes, createSignatureVerifier } from '@dolly/base'
import { openSqliteLedgerStore } from './adapters/sqlite-store.ts'
import { decodeBandwidthTx } from './bandwidth.ts'
import { signBlock } from './create-block.ts'
import { decodeBlock, packBlock, signingBytes, type HalfBlock } from './half-block.ts'
import { createLedger } from './ledger.ts'
import { encodeTxDict } from './tx-dict.ts'
import { validateBlock } from './validation.ts'
import { bandwidthRules } from './bandwidth.ts'

interface VectorBlock {
  name: string
  creator: 'alice' | 'bob'
  publicKey: string
  sequenceNumber: number
  linkPublicKey: string
  linkSequenceNumber: number
  previousHash: string
  type: string
  transaction: string
  timestampMs: number
  signingBytes: string
  signature: string
  encoded: string
  hash: string
}
interface Vectors {
  seeds: Record<'alice' | 'bob', string>
  publicKeys: Record<'alice' | 'bob', string>
  txDict: { entries: Record<string, number>; encoded: string }
  valid: VectorBlock[]
  extra: VectorBlock[]
  doubleSign: [string, string]
  doubleCountersign: [string, string]
  mirrorMismatch: [string, string]
  undecodable: { name: string; bytes: string; code: string }[]
  invalid: { name: string; bytes: string; code: string }[]
}

const vectors = JSON.parse(
  readFileSync(new URL('./vectors/half-block-vectors.json', import.meta.url), 'utf8'),
) as Vectors
const hex = (s: string): Uint8Array => hexToBytes(s)!
const byName = (name: string): VectorBlock =>
  [...vectors.valid, ...vectors.extra].find((v) => v.name === name)!
const blockOf = (v: VectorBlock): HalfBlock => {
  const decoded = decodeBlock(hex(v.encoded))
  if (!decoded.ok) throw new Error(`${v.name}: ${decoded.code}`)
  return decoded.block
}
const rules = { tribler_bandwidth: bandwidthRules }

function observer() {
  const store = openSqliteLedgerStore(':memory:')
  const ledger = createLedger({
    store,
    signer: identityFromSeed(new Uint8Array(32).fill(7)),
    clock: createVirtualClock(1_700_000_000_000),
  })
  return { store, ledger }
}

describe('half-block vectors (produced by produce.py with hashlib + openssl)', () => {
  it('derives the vector public keys from their seeds', () => {
    for (const who of ['alice', 'bob'] as const) {
      expect(bytesToHex(identityFromSeed(hex(vectors.seeds[who])).publicKey)).toBe(vectors.publicKeys[who])
    }
  })

  it('encodes the transaction dict canonically', () => {
    const entries = Object.fromEntries(Object.entries(vectors.txDict.entries).map(([k, v]) => [k, BigInt(v)]))
    expect(bytesToHex(encodeTxDict(entries))).toBe(vectors.txDict.encoded)
    expect(decodeBandwidthTx(hex(vectors.txDict.encoded))).toEqual({
      up: 0n,
      down: 5_242_880n,
      totalUp: 0n,
      totalDown: 5_242_880n,
    })
  })

  it.each([...vectors.valid, ...vectors.extra].map((v) => [v.name, v] as const))(
    '%s: packs, hashes and signs to the vector bytes',
    (_name, v) => {
      const fields = {
        publicKey: hex(v.publicKey),
        sequenceNumber: v.sequenceNumber,
        linkPublicKey: hex(v.linkPublicKey),
        linkSequenceNumber: v.linkSequenceNumber,
        previousHash: hex(v.previousHash),
        signature: hex(v.signature),
        type: v.type,
        transaction: hex(v.transaction),
        timestampMs: v.timestampMs,
      }
      const packed = packBlock(fields)
      expect(bytesToHex(packed.bytes)).toBe(v.encoded)
      expect(bytesToHex(packed.hash)).toBe(v.hash)
      expect(bytesToHex(signingBytes(packed.bytes))).toBe(v.signingBytes)
      const signed = signBlock(fields, identityFromSeed(hex(vectors.seeds[v.creator])))
      expect(bytesToHex(signed.signature)).toBe(v.signature)
      expect(bytesToHex(signed.bytes)).toBe(v.encoded)
      const decoded = blockOf(v)
      expect({ ...decoded, bytes: undefined, hash: undefined }).toEqual({
        ...fields,
        bytes: undefined,
        hash: undefined,
      })
      expect(
        createSignatureVerifier().verify(decoded.publicKey, hex(v.signingBytes), decoded.signature),
      ).toBe(true)
    },
  )

  it.each(vectors.undecodable.map((c) => [c.name, c] as const))(
    '%s: decoding refuses with its code',
    (_name, c) => {
      const result = decodeBlock(hex(c.bytes))
      expect(result.ok ? 'decoded' : result.code).toBe(c.code)
    },
  )

  it.each(vectors.invalid.map((c) => [c.name, c] as const))(
    '%s: validation refuses with its code',
    (_name, c) => {
      const verdict = validateBlock(
        blockOf({ encoded: c.bytes } as VectorBlock),
        { agreements: [] },
        createSignatureVerifier(),
        rules,
      )
      expect(verdict.state === 'invalid' ? verdict.code : verdict.state).toBe(c.code)
    },
  )

  it('accepts the valid exchange in order, with the validation levels of py-ipv8', () => {
    const { store, ledger } = observer()
    const states = vectors.valid.map((v) => {
      const result = ledger.add(blockOf(v))
      return `${v.name}:${result.ok ? result.state : result.code}`
    })
    expect(states).toEqual([
      'alice-genesis-proposal:partial_next',
      'bob-genesis-agreement:partial_next',
      'alice-second-proposal:partial_next',
      'bob-second-agreement:partial_next',
      'alice-open-proposal:partial_next',
    ])
    expect(ledger.validate(blockOf(byName('alice-second-proposal'))).state).toBe('valid')
    expect(ledger.balance(hex(vectors.publicKeys.alice))).toEqual({ bytes: -5n * 2n ** 20n, mb: -5n })
    expect(ledger.balance(hex(vectors.publicKeys.bob))).toEqual({ bytes: 3n * 2n ** 20n, mb: 3n })
    store.close()
  })

  it.each([
    ['doubleSign', 'LEDGER_DOUBLE_SIGN', 'double_sign'],
    ['doubleCountersign', 'LEDGER_DOUBLE_COUNTERSIGN', 'double_countersign'],
  ] as const)('%s: keeps both conflicting blocks as proof', (pair, code, kind) => {
    const { store, ledger } = observer()
    for (const v of vectors.valid) ledger.add(blockOf(v))
    const [first, second] = vectors[pair].map(byName) as [VectorBlock, VectorBlock]
    const result = ledger.add(blockOf(second))
    expect(result.ok ? 'stored' : result.code).toBe(code)
    const proofs = ledger.fraudProofs()
    expect(proofs.map((p) => [p.kind, bytesToHex(p.blocks[0].hash), bytesToHex(p.blocks[1].hash)])).toEqual([
      [kind, first.hash, second.hash],
    ])
    expect(bytesToHex(proofs[0]!.publicKey)).toBe(second.publicKey)
    expect(store.get(hex(second.publicKey), second.sequenceNumber)?.hash).not.toEqual(hex(second.hash))
    store.close()
  })

  it('refuses an agreement that does not mirror its proposal', () => {
    const { store, ledger } = observer()
    const [proposal, agreement] = vectors.mirrorMismatch.map(byName) as [VectorBlock, VectorBlock]
    expect(ledger.add(blockOf(proposal)).ok).toBe(true)
    const result = ledger.add(blockOf(agreement))
    expect(result.ok ? 'stored' : result.code).toBe('LEDGER_TX_MIRROR_BAD')
    expect(store.count()).toBe(1)
    store.close()
  })
})
