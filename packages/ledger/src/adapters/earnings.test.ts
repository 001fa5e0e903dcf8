import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSeededRng, createVirtualClock } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { IDENTITY_FILE, generateIdentity } from '@dolly/base'
import { createLedger } from '../ledger.ts'
import type { CountersignPolicy } from '../ports.ts'
import { balanceBytesAt, homeEarnings, ledgerEarnings } from './earnings.ts'
import { openSqliteLedgerStore, STATE_DB_FILE } from './sqlite-store.ts'

const MB = 1n << 20n
const alice = generateIdentity(createSeededRng('earnings-alice'))
const bob = generateIdentity(createSeededRng('earnings-bob'))
const homes: string[] = []
afterEach(() => {
  for (const d of homes.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** Alice's chain in `path`: +5 MB at t=1,000, +3 MB at t=2,000, −2 MB at t=3,000 (balances 5, 8, 6 MB). */
async function chain(path: string): Promise<void> {
  const clock = createVirtualClock(1_000)
  const store = openSqliteLedgerStore(path)
  const ledger = createLedger({ store, signer: alice, clock })
  ledger.proposeBandwidth(bob.publicKey, 5n * MB, 0n)
  await clock.advance(1_000)
  ledger.proposeBandwidth(bob.publicKey, 3n * MB, 0n)
  await clock.advance(1_000)
  ledger.proposeBandwidth(bob.publicKey, 0n, 2n * MB)
  store.close()
}

function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'dolly-earnings-'))
  homes.push(home)
  return home
}

describe('Earnings over the ledger: MB earned is the balance growth since a time', () => {
  it('reads the balance at a past time from the last block created by then', async () => {
    const home = tempHome()
    await chain(join(home, STATE_DB_FILE))
    const store = openSqliteLedgerStore(join(home, STATE_DB_FILE))
    try {
      expect(balanceBytesAt(store, alice.publicKey, 999)).toBe(0n)
      expect(balanceBytesAt(store, alice.publicKey, 1_000)).toBe(5n * MB)
      expect(balanceBytesAt(store, alice.publicKey, 2_500)).toBe(8n * MB)
      const earnings = ledgerEarnings(store, alice.publicKey)
      expect(await earnings.earnedMbSince(0)).toBe(6)
      expect(await earnings.earnedMbSince(1_000)).toBe(1)
      // The balance shrank since t = 2,000 (8 → 6 MB): nothing earned, never negative.
      expect(await earnings.earnedMbSince(2_000)).toBe(0)
      expect(await ledgerEarnings(store, bob.publicKey).earnedMbSince(0)).toBe(0)
    } finally {
      store.close()
    }
  })

  it('opens the agent home: its key from identity.key, its chain from state.sqlite; no key, nothing earned', async () => {
    const home = tempHome()
    expect(await homeEarnings(home).earnedMbSince(0)).toBe(0)
    await chain(join(home, STATE_DB_FILE))
    writeFileSync(join(home, IDENTITY_FILE), alice.toPem(), { mode: 0o600 })
    expect(await homeEarnings(home).earnedMbSince(0)).toBe(6)
  })

  it('counts tokens received as a countersigned payment (a tunnel payment is an agreement on the payee chain)', async () => {
    const home = tempHome()
    const clock = createVirtualClock(1_000)
    const store = openSqliteLedgerStore(join(home, STATE_DB_FILE))
    const payerStore = openSqliteLedgerStore(':memory:')
    try {
      const acceptAll: CountersignPolicy = {
        expects: () => true,
        check: () => ({ ok: true }),
        consume: () => undefined,
      }
      const payee = createLedger({ store, signer: alice, clock }, { policy: acceptAll })
      const payer = createLedger({ store: payerStore, signer: bob, clock })
      // Bob pays Alice 3 MB for bandwidth she gave him, as the tunnel payment engine does ({up: 0, down}).
      await clock.advance(1_000)
      const agreed = payee.agree(payer.proposeBandwidth(alice.publicKey, 0n, 3n * MB))
      expect(agreed.ok).toBe(true)
      await clock.advance(1_000)
      const agreedAgain = payee.agree(payer.proposeBandwidth(alice.publicKey, 0n, MB / 2n))
      expect(agreedAgain.ok).toBe(true)
      expect(payee.balance().bytes).toBe(3n * MB + MB / 2n)
      expect(await ledgerEarnings(store, alice.publicKey).earnedMbSince(0)).toBe(3.5)
      expect(await ledgerEarnings(store, alice.publicKey).earnedMbSince(2_500)).toBe(0.5)
    } finally {
      store.close()
      payerStore.close()
    }
    writeFileSync(join(home, IDENTITY_FILE), alice.toPem(), { mode: 0o600 })
    expect(await homeEarnings(home).earnedMbSince(0)).toBe(3.5)
  })
})
