import { createSeededRng, createVirtualClock } from '@dolly/base'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity, type Identity, createSignatureVerifier } from '@dolly/base'
import { openSqliteLedgerStore } from './adapters/sqlite-store.ts'
import { bandwidthRules, encodeBandwidthTx, type BandwidthTx } from './bandwidth.ts'
import { ANY_COUNTERPARTY_PK, EMPTY_PK, GENESIS_HASH } from './constants.ts'
import { signBlock } from './create-block.ts'
import type { HalfBlock } from './half-block.ts'
import { createExpectations } from './expectations.ts'
import { createLedger } from './ledger.ts'
import type { LedgerStore } from './ports.ts'
import { validateBlock, type BlockContext } from './validation.ts'

const MiB = 1n << 20n
const alice = generateIdentity(createSeededRng('v-alice'))
const bob = generateIdentity(createSeededRng('v-bob'))
const carol = generateIdentity(createSeededRng('v-carol'))
const rules = { tribler_bandwidth: bandwidthRules }
const verifier = createSignatureVerifier()
const tx = (up: bigint, down: bigint, totalUp = up, totalDown = down): Uint8Array =>
  encodeBandwidthTx({ up, down, totalUp, totalDown } satisfies BandwidthTx)

function block(
  signer: Identity,
  seq: number,
  previous: HalfBlock | Uint8Array,
  link: { pk: Uint8Array; seq?: number },
  transaction: Uint8Array,
  type = 'tribler_bandwidth',
): HalfBlock {
  return signBlock(
    {
      sequenceNumber: seq,
      previousHash: previous instanceof Uint8Array ? previous : previous.hash,
      linkPublicKey: link.pk,
      linkSequenceNumber: link.seq ?? 0,
      type,
      transaction,
      timestampMs: 1000 + seq,
    },
    signer,
  )
}

// Alice's chain: a1 (pays bob 1 MiB), a2 (pays bob 2 MiB), a3 (pays bob 1 MiB); bob's agreement b1 to a1.
const a1 = block(alice, 1, GENESIS_HASH, { pk: bob.publicKey }, tx(0n, MiB))
const a2 = block(alice, 2, a1, { pk: bob.publicKey }, tx(0n, 2n * MiB, 0n, 3n * MiB))
const a3 = block(alice, 3, a2, { pk: bob.publicKey }, tx(0n, MiB, 0n, 4n * MiB))
const a4 = block(alice, 4, a3, { pk: bob.publicKey }, tx(0n, MiB, 0n, 5n * MiB))
const a5 = block(alice, 5, a4, { pk: bob.publicKey }, tx(0n, MiB, 0n, 6n * MiB))
const b1 = block(bob, 1, GENESIS_HASH, { pk: alice.publicKey, seq: 1 }, tx(MiB, 0n))
const ctx = (c: Partial<BlockContext>): BlockContext => ({ agreements: [], ...c })
const verdict = (b: HalfBlock, c: Partial<BlockContext> = {}): string => {
  const v = validateBlock(b, ctx(c), verifier, rules)
  return v.state === 'invalid' ? v.code : v.state
}

const stores: LedgerStore[] = []
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
})
function observer() {
  const store = openSqliteLedgerStore(':memory:')
  stores.push(store)
  return { store, ledger: createLedger({ store, signer: carol, clock: createVirtualClock(0) }) }
}

describe('validation levels (py-ipv8 update_validation_level)', () => {
  it.each([
    ['genesis, nothing else known', a1, {}, 'partial_next'],
    ['genesis with its next block known', a1, { next: a2 }, 'valid'],
    ['middle block, nothing known', a2, {}, 'no_info'],
    ['middle block, previous known', a2, { previous: a1, previousOfType: a1 }, 'partial_next'],
    ['middle block, next known', a2, { next: a3, nextOfType: a3 }, 'partial_previous'],
    ['middle block, both known', a2, { previous: a1, previousOfType: a1, next: a3, nextOfType: a3 }, 'valid'],
    ['gaps on both sides', a3, { previous: a1, previousOfType: a1, next: a5, nextOfType: a5 }, 'partial'],
    ['last block, previous across a gap', a3, { previous: a1, previousOfType: a1 }, 'partial'],
  ] as const)('%s: %s', (_name, b, c, expected) => {
    expect(verdict(b, c)).toBe(expected)
  })
})

describe('invalid blocks', () => {
  it.each([
    [
      'seq 0',
      () => block(alice, 0, GENESIS_HASH, { pk: bob.publicKey }, tx(0n, MiB)),
      {},
      'LEDGER_SEQ_INVALID',
    ],
    ['creator key is EMPTY_PK', () => ({ ...a1, publicKey: EMPTY_PK }), {}, 'LEDGER_KEY_INVALID'],
    [
      'agreement to ANY_COUNTERPARTY',
      () => block(bob, 1, GENESIS_HASH, { pk: ANY_COUNTERPARTY_PK, seq: 1 }, tx(MiB, 0n)),
      {},
      'LEDGER_KEY_INVALID',
    ],
    [
      'link key that is not an Ed25519 point (y = p)',
      () =>
        block(
          alice,
          1,
          GENESIS_HASH,
          { pk: new Uint8Array(Buffer.from('ed' + 'ff'.repeat(30) + '7f', 'hex')) },
          tx(0n, MiB),
        ),
      {},
      'LEDGER_KEY_INVALID',
    ],
    ['signature of another key', () => ({ ...a2, signature: a1.signature }), {}, 'LEDGER_SIGNATURE_BAD'],
    [
      'self-signed',
      () => block(alice, 1, GENESIS_HASH, { pk: alice.publicKey }, tx(0n, MiB)),
      {},
      'LEDGER_SELF_SIGNED',
    ],
    [
      'seq 2 with the genesis hash',
      () => block(alice, 2, GENESIS_HASH, { pk: bob.publicKey }, tx(0n, MiB)),
      {},
      'LEDGER_GENESIS_INVALID',
    ],
    [
      'unknown type',
      () => block(alice, 1, GENESIS_HASH, { pk: bob.publicKey }, tx(0n, MiB), 'market_trade'),
      {},
      'LEDGER_TYPE_INVALID',
    ],
    [
      'previous hash not the stored previous block',
      () => block(alice, 2, a3, { pk: bob.publicKey }, tx(0n, MiB, 0n, 2n * MiB)),
      { previous: a1 },
      'LEDGER_CHAIN_BROKEN',
    ],
    [
      'stored next block does not chain to it',
      () => a2,
      { next: block(alice, 3, a1, { pk: bob.publicKey }, tx(0n, MiB, 0n, 4n * MiB)) },
      'LEDGER_CHAIN_BROKEN',
    ],
    ['previous block of another key', () => a2, { previous: b1 }, 'LEDGER_CHAIN_BROKEN'],
    [
      'agreement signed by a key the proposal did not name',
      () => block(carol, 1, GENESIS_HASH, { pk: alice.publicKey, seq: 1 }, tx(MiB, 0n)),
      { proposal: a1 },
      'LEDGER_LINK_MISMATCH',
    ],
    [
      'agreement linking to an agreement',
      () => block(alice, 1, GENESIS_HASH, { pk: bob.publicKey, seq: 1 }, tx(0n, MiB)),
      { proposal: b1 },
      'LEDGER_LINK_MISMATCH',
    ],
    [
      'agreement of another type',
      () => block(bob, 1, GENESIS_HASH, { pk: alice.publicKey, seq: 1 }, tx(MiB, 0n), 'other'),
      { proposal: a1 },
      'LEDGER_TYPE_INVALID',
    ],
    [
      'agreement not mirroring',
      () => block(bob, 1, GENESIS_HASH, { pk: alice.publicKey, seq: 1 }, tx(MiB, 1n)),
      { proposal: a1 },
      'LEDGER_TX_MIRROR_BAD',
    ],
    [
      'proposal whose stored agreement does not mirror it',
      () => a1,
      { agreements: [block(bob, 1, GENESIS_HASH, { pk: alice.publicKey, seq: 1 }, tx(2n * MiB, 0n))] },
      'LEDGER_TX_MIRROR_BAD',
    ],
    [
      'totals not chaining from the previous block',
      () => block(alice, 2, a1, { pk: bob.publicKey }, tx(0n, 2n * MiB, 0n, 2n * MiB)),
      { previous: a1, previousOfType: a1 },
      'LEDGER_TX_TOTALS_BAD',
    ],
    [
      'totals below the previous across a gap',
      () => block(alice, 3, a2, { pk: bob.publicKey }, tx(0n, MiB, 0n, MiB)),
      { previous: a1, previousOfType: a1 },
      'LEDGER_TX_TOTALS_BAD',
    ],
    [
      'next block not chaining its totals',
      () => block(alice, 2, a1, { pk: bob.publicKey }, tx(0n, MiB, 0n, 2n * MiB)),
      { next: block(alice, 3, a1, { pk: bob.publicKey }, tx(0n, MiB, 0n, 9n * MiB)) },
      'LEDGER_CHAIN_BROKEN',
    ],
    [
      'a total below its own delta',
      () => block(alice, 2, a1, { pk: bob.publicKey }, tx(0n, 2n * MiB, 0n, MiB)),
      {},
      'LEDGER_TX_TOTALS_BAD',
    ],
    [
      'a transaction that is not a bandwidth dict',
      () => block(alice, 1, GENESIS_HASH, { pk: bob.publicKey }, new Uint8Array([0])),
      {},
      'LEDGER_TX_MALFORMED',
    ],
  ] as const)('%s → %s', (_name, make, c, expected) => {
    expect(verdict(make(), c)).toBe(expected)
  })

  it('refuses a second agreement to an open proposal by another key, and keeps proof of a double countersign', () => {
    const open = block(alice, 1, GENESIS_HASH, { pk: ANY_COUNTERPARTY_PK }, tx(0n, MiB))
    const byBob = block(bob, 1, GENESIS_HASH, { pk: alice.publicKey, seq: 1 }, tx(MiB, 0n))
    const byCarol = block(carol, 1, GENESIS_HASH, { pk: alice.publicKey, seq: 1 }, tx(MiB, 0n))
    const bobAgain = block(bob, 2, byBob, { pk: alice.publicKey, seq: 1 }, tx(MiB, 0n, 2n * MiB, 0n))
    expect(verdict(byBob, { proposal: open })).toBe('partial_next')
    expect(verdict(byCarol, { proposal: open, agreements: [byBob] })).toBe('LEDGER_LINK_MISMATCH')
    const v = validateBlock(
      bobAgain,
      ctx({ proposal: open, agreements: [byBob], previous: byBob, previousOfType: byBob }),
      verifier,
      rules,
    )
    expect(v).toMatchObject({
      state: 'invalid',
      code: 'LEDGER_DOUBLE_COUNTERSIGN',
      fraud: { kind: 'double_countersign', blocks: [byBob, bobAgain] },
    })
  })
})

describe('the store never holds an invalid block', () => {
  it('rejects a replayed block with LEDGER_BLOCK_DUPLICATE and stores it once', () => {
    const { store, ledger } = observer()
    expect(ledger.add(a1)).toMatchObject({ ok: true })
    expect(ledger.add(a1)).toMatchObject({ ok: false, code: 'LEDGER_BLOCK_DUPLICATE' })
    expect(store.count()).toBe(1)
  })

  it('accepts blocks out of order with partial levels, and refuses what breaks the chain', () => {
    const { store, ledger } = observer()
    expect(ledger.add(a3)).toMatchObject({ ok: true, state: 'no_info' })
    expect(ledger.add(a1)).toMatchObject({ ok: true, state: 'partial_next' })
    expect(ledger.add(a2)).toMatchObject({ ok: true, state: 'valid' })
    const bogus = block(alice, 4, a1, { pk: bob.publicKey }, tx(0n, MiB, 0n, 5n * MiB))
    expect(ledger.add(bogus)).toMatchObject({ ok: false, code: 'LEDGER_CHAIN_BROKEN' })
    expect(ledger.addBytes(a2.bytes.subarray(0, 50))).toMatchObject({
      ok: false,
      code: 'LEDGER_BLOCK_TRUNCATED',
    })
    expect(store.count()).toBe(3)
    expect(ledger.fraudProofs()).toEqual([])
  })

  it('records a double sign once, however often the forged block is replayed', () => {
    const { store, ledger } = observer()
    ledger.add(a1)
    ledger.add(a2)
    const fork = block(alice, 2, a1, { pk: carol.publicKey }, tx(0n, 5n * MiB, 0n, 6n * MiB))
    for (let i = 0; i < 3; i++)
      expect(ledger.add(fork)).toMatchObject({ ok: false, code: 'LEDGER_DOUBLE_SIGN' })
    expect(ledger.fraudProofs()).toHaveLength(1)
    expect(store.get(alice.publicKey, 2)?.hash).toEqual(a2.hash)
  })
})

describe('countersigning', () => {
  it('signs only proposals addressed to it (or to anyone), never agreements, and mirrors them', () => {
    const store = openSqliteLedgerStore(':memory:')
    stores.push(store)
    const clock = createVirtualClock(0)
    const expectations = createExpectations({ clock })
    expect(expectations.expect(alice.publicKey, { ref: 'trade', upBytes: 2n * MiB, downBytes: 0n }).ok).toBe(
      true,
    )
    const bobLedger = createLedger({ store, signer: bob, clock }, { policy: expectations })
    const toCarol = block(alice, 1, GENESIS_HASH, { pk: carol.publicKey }, tx(0n, MiB))
    expect(bobLedger.agree(toCarol)).toMatchObject({ ok: false, code: 'LEDGER_NOT_ADDRESSED' })
    expect(bobLedger.agree(b1)).toMatchObject({ ok: false, code: 'LEDGER_PROPOSAL_REFUSED' })
    const open = block(alice, 1, GENESIS_HASH, { pk: ANY_COUNTERPARTY_PK }, tx(0n, 2n * MiB))
    const agreed = bobLedger.agree(open)
    expect(agreed.ok).toBe(true)
    if (agreed.ok) {
      expect(agreed.agreement.linkPublicKey).toEqual(alice.publicKey)
      expect(agreed.agreement.linkSequenceNumber).toBe(1)
    }
    expect(bobLedger.balance()).toEqual({ bytes: 2n * MiB, mb: 2n })
    expect(store.count()).toBe(2)
  })
})

describe('bad input never crashes the ledger nor enters the store', () => {
  it('refuses random bytes and every single-byte mutation of a valid block with a code', () => {
    const { store, ledger } = observer()
    expect(ledger.add(a1).ok).toBe(true)
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 5000 }),
          fc
            .tuple(fc.nat({ max: a2.bytes.byteLength - 1 }), fc.integer({ min: 1, max: 255 }))
            .map(([at, xor]) => a2.bytes.map((b, i) => (i === at ? b ^ xor : b))),
        ),
        (bytes) => {
          const result = ledger.addBytes(bytes)
          expect(result.ok).toBe(false)
          if (!result.ok) expect(result.code).toMatch(/^LEDGER_[A-Z_]+$/)
        },
      ),
      { numRuns: 300 },
    )
    expect(store.count()).toBe(1)
  })
})
