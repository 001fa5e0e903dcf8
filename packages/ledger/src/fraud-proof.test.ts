import { createSeededRng, createVirtualClock } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity, createSignatureVerifier } from '@dolly/base'
import { openSqliteLedgerStore } from './adapters/sqlite-store.ts'
import { encodeBandwidthTx } from './bandwidth.ts'
import { GENESIS_HASH } from './constants.ts'
import { signBlock } from './create-block.ts'
import { decodeFraudProof, encodeFraudProof, verifyFraudProof } from './fraud-proof.ts'
import type { HalfBlock } from './half-block.ts'
import { createLedger } from './ledger.ts'
import type { LedgerStore } from './ports.ts'
import type { FraudProof } from './validation.ts'

const MiB = 1n << 20n
const alice = generateIdentity(createSeededRng('fp-alice'))
const bob = generateIdentity(createSeededRng('fp-bob'))
const carol = generateIdentity(createSeededRng('fp-carol'))
const verifier = createSignatureVerifier()
const tx = (up: bigint, down: bigint, totalUp = up, totalDown = down) =>
  encodeBandwidthTx({ up, down, totalUp, totalDown })
const at = (
  signer: typeof alice,
  seq: number,
  prev: Uint8Array,
  link: Uint8Array,
  linkSeq: number,
  t: Uint8Array,
): HalfBlock =>
  signBlock(
    {
      sequenceNumber: seq,
      previousHash: prev,
      linkPublicKey: link,
      linkSequenceNumber: linkSeq,
      type: 'tribler_bandwidth',
      transaction: t,
      timestampMs: seq,
    },
    signer,
  )

const a1 = at(alice, 1, GENESIS_HASH, bob.publicKey, 0, tx(0n, MiB))
const a1fork = at(alice, 1, GENESIS_HASH, carol.publicKey, 0, tx(0n, 2n * MiB))
const b1 = at(bob, 1, GENESIS_HASH, alice.publicKey, 1, tx(MiB, 0n))
const b2again = at(bob, 2, b1.hash, alice.publicKey, 1, tx(MiB, 0n, 2n * MiB, 0n))
const doubleSign: FraudProof = { kind: 'double_sign', publicKey: alice.publicKey, blocks: [a1, a1fork] }
const doubleCountersign: FraudProof = {
  kind: 'double_countersign',
  publicKey: bob.publicKey,
  blocks: [b1, b2again],
}

const stores: LedgerStore[] = []
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
})

describe('fraud proofs', () => {
  it('verify on their own and survive the wire', () => {
    for (const proof of [doubleSign, doubleCountersign]) {
      expect(verifyFraudProof(proof, verifier)).toBe(true)
      const decoded = decodeFraudProof(encodeFraudProof(proof))
      expect(decoded?.kind).toBe(proof.kind)
      expect(decoded?.blocks.map((b) => b.hash)).toEqual(proof.blocks.map((b) => b.hash))
      expect(decoded !== undefined && verifyFraudProof(decoded, verifier)).toBe(true)
    }
  })

  it.each([
    ['the same block twice', { ...doubleSign, blocks: [a1, a1] }],
    ['blocks of two keys', { ...doubleSign, blocks: [a1, b1] }],
    ['a key that signed neither', { ...doubleSign, publicKey: carol.publicKey }],
    [
      'different positions called a double sign',
      { ...doubleSign, blocks: [b1, b2again], publicKey: bob.publicKey },
    ],
    ['a forged signature', { ...doubleSign, blocks: [a1, { ...a1fork, signature: a1.signature }] }],
    [
      'proposals called a double countersign',
      { ...doubleCountersign, kind: 'double_countersign', publicKey: alice.publicKey, blocks: [a1, a1fork] },
    ],
  ] as const)('reject %s', (_name, proof) => {
    expect(verifyFraudProof(proof as FraudProof, verifier)).toBe(false)
  })

  it('refuse malformed wire bytes', () => {
    const good = encodeFraudProof(doubleSign)
    for (const bad of [
      new Uint8Array(),
      Uint8Array.of(3),
      good.subarray(0, good.byteLength - 1),
      Uint8Array.of(...good, 0),
    ]) {
      expect(decodeFraudProof(bad)).toBeUndefined()
    }
  })

  it('are kept by a ledger only when they verify', () => {
    const store = openSqliteLedgerStore(':memory:')
    stores.push(store)
    const ledger = createLedger({ store, signer: carol, clock: createVirtualClock(5) })
    expect(ledger.addFraudProof({ ...doubleSign, blocks: [a1, a1] })).toBe(false)
    expect(ledger.addFraudProof(doubleSign)).toBe(true)
    expect(ledger.addFraudProof(doubleSign)).toBe(true)
    expect(ledger.fraudProofs().map((p) => [p.kind, p.detectedMs])).toEqual([['double_sign', 5]])
  })
})
