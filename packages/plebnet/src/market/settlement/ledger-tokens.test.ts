import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bytesToHex, createSeededRng, createVirtualClock, generateIdentity, type Identity } from '@dolly/base'
import {
  createExpectations,
  createLedger,
  createLedgerProtocol,
  createMemoryNetwork,
  openSqliteLedgerStore,
  type Expectations,
  type Ledger,
  type LedgerProtocol,
  type LedgerStore,
} from '@dolly/ledger'
import { afterEach, describe, expect, it } from 'vitest'
import { createLedgerTokens, transferRef } from './ledger-tokens.ts'
import { openSettlementIndex, SETTLEMENT_INDEX_FILE } from './settlement-index.ts'

const MiB = 1n << 20n
const rng = createSeededRng('ledger-tokens-test')
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

interface Node {
  readonly identity: Identity
  readonly key: string
  readonly home: string
  readonly ledger: Ledger
  readonly store: LedgerStore
  readonly protocol: LedgerProtocol
  readonly expectations: Expectations
}

function pair(): { payer: Node; payee: Node } {
  const clock = createVirtualClock(1_800_000_000_000)
  const net = createMemoryNetwork()
  const node = (): Node => {
    const home = mkdtempSync(join(tmpdir(), 'dolly-tokens-'))
    const identity = generateIdentity(rng)
    const store = openSqliteLedgerStore(join(home, 'state.sqlite'))
    const expectations = createExpectations({ clock })
    const ledger = createLedger({ store, signer: identity, clock }, { policy: expectations })
    const protocol = createLedgerProtocol({
      ledger,
      store,
      transport: net.transport(identity.publicKey),
      clock,
    })
    protocol.start()
    cleanups.push(() => {
      protocol.stop()
      store.close()
      rmSync(home, { recursive: true, force: true })
    })
    return { identity, key: bytesToHex(identity.publicKey), home, ledger, store, protocol, expectations }
  }
  return { payer: node(), payee: node() }
}

/** A fresh adapter over `n`'s ledger and settlement index (what a restarted agent builds). */
const tokensOf = (n: Node) =>
  createLedgerTokens({
    ledger: { ledger: () => n.ledger, protocol: () => n.protocol, store: () => n.store },
    index: openSettlementIndex(join(n.home, SETTLEMENT_INDEX_FILE)),
  })

const ownBlocks = (n: Node): number => n.ledger.latest()?.sequenceNumber ?? 0

describe('TokenLedger over TrustChain', () => {
  it('moves MB once per key, across a restart, and the payee verifies exactly what moved', async () => {
    const { payer, payee } = pair()
    payee.expectations.expect(payer.identity.publicKey, { ref: 'trade:t', upBytes: 30n * MiB, downBytes: 0n })
    const tokens = tokensOf(payer)
    const ref = await tokens.transfer(payee.key, 10n * MiB, 't:mb:1')
    expect(ref).toBe(transferRef(1))
    expect(await tokens.transfer(payee.key, 10n * MiB, 't:mb:1')).toBe(ref)
    // A restarted agent finds it by key and moves nothing again.
    const again = tokensOf(payer)
    expect(await again.findTransfer('t:mb:1')).toBe(ref)
    expect(await again.transfer(payee.key, 10n * MiB, 't:mb:1')).toBe(ref)
    expect(await again.findTransfer('t:mb:2')).toBeUndefined()
    expect(ownBlocks(payer)).toBe(1)
    expect(payer.ledger.balance().bytes).toBe(-10n * MiB)
    expect(payee.ledger.balance().bytes).toBe(10n * MiB)
    // The payee's side: the countersigned transfer, nothing for refs that are not one.
    const payeeTokens = tokensOf(payee)
    expect(await payeeTokens.received(payer.key, ref)).toBe(10n * MiB)
    expect(await payeeTokens.received(payer.key, transferRef(2))).toBeUndefined()
    expect(await payeeTokens.received(payee.key, ref)).toBeUndefined()
    expect(await payeeTokens.received(payer.key, 'tx-1')).toBeUndefined()
    // A used key answers with its first transfer, whatever is asked: nothing moves under it again.
    await expect(again.transfer(payee.key, 20n * MiB, 't:mb:1')).resolves.toBe(ref)
    await expect(tokens.transfer(payee.key, 5n * MiB, 't:mb:9')).resolves.toBe(transferRef(2))
  })

  it('a crash between the proposal and its seq being journaled: the restart finds the proposal, signs no second one', async () => {
    const { payer, payee } = pair()
    payee.expectations.expect(payer.identity.publicKey, { ref: 'trade:t', upBytes: 10n * MiB, downBytes: 0n })
    // The crashed process journaled the intent and stored its proposal, then died before anything else.
    const index = openSettlementIndex(join(payer.home, SETTLEMENT_INDEX_FILE))
    await index.append({
      kind: 'transfer-intent',
      key: 't:mb:1',
      to: payee.key,
      bytes: 10n * MiB,
      afterSeq: 0,
    })
    payer.ledger.proposeBandwidth(payee.identity.publicKey, 0n, 10n * MiB)
    const tokens = tokensOf(payer)
    expect(await tokens.findTransfer('t:mb:1')).toBeUndefined() // not countersigned yet
    expect(await tokens.transfer(payee.key, 10n * MiB, 't:mb:1')).toBe(transferRef(1))
    expect(ownBlocks(payer)).toBe(1)
    expect(payee.ledger.balance().bytes).toBe(10n * MiB)
    expect(payer.ledger.balance().bytes).toBe(-10n * MiB)
  })

  it('a payee that does not expect the transfer refuses it: coded, and the retry reuses the same proposal', async () => {
    const { payer, payee } = pair()
    const tokens = tokensOf(payer)
    await expect(tokens.transfer(payee.key, 10n * MiB, 't:mb:1')).rejects.toMatchObject({
      code: 'SETTLEMENT_TRANSFER_REFUSED',
    })
    expect(await tokens.findTransfer('t:mb:1')).toBeUndefined()
    payee.expectations.expect(payer.identity.publicKey, { ref: 'trade:t', upBytes: 10n * MiB, downBytes: 0n })
    expect(await tokens.transfer(payee.key, 10n * MiB, 't:mb:1')).toBe(transferRef(1))
    expect(ownBlocks(payer)).toBe(1)
    expect(payee.ledger.balance().bytes).toBe(10n * MiB)
  })
})
