import { describe, expect, it } from 'vitest'
import { createSeededRng, createVirtualClock, generateIdentity } from '@dolly/base'
import { createLedger, openSqliteLedgerStore } from '@dolly/ledger'
import { ledgerFigures } from './ledger-figures.ts'

const MB = 2n ** 20n

describe('the ledger figures of !uploaded, !downloaded, !helped and !helped_by', () => {
  it('reads the totals of the latest bandwidth block and counts distinct counterparties by direction', () => {
    const [alice, bob, carol] = ['a', 'b', 'c'].map((s) => generateIdentity(createSeededRng(`irc-${s}`)))
    if (alice === undefined || bob === undefined || carol === undefined) throw new Error('identities')
    const store = openSqliteLedgerStore(':memory:')
    const ledger = createLedger({ store, signer: alice, clock: createVirtualClock(1_000) })
    expect(ledgerFigures(store, alice.publicKey)).toEqual({
      uploadedBytes: 0n,
      downloadedBytes: 0n,
      helped: 0,
      helpedBy: 0,
    })
    ledger.proposeBandwidth(bob.publicKey, 3n * MB, 0n)
    ledger.proposeBandwidth(carol.publicKey, 0n, MB)
    ledger.proposeBandwidth(bob.publicKey, MB, 2n * MB)
    expect(ledgerFigures(store, alice.publicKey)).toEqual({
      uploadedBytes: 4n * MB,
      downloadedBytes: 3n * MB,
      helped: 1,
      helpedBy: 2,
    })
    // Another agent's chain is not ours.
    expect(ledgerFigures(store, bob.publicKey).uploadedBytes).toBe(0n)
    store.close()
  })
})
