import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { createSeededRng, createVirtualClock } from '@dolly/base'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity, createSignatureVerifier } from '@dolly/base'
import { bandwidthRules } from '../bandwidth.ts'
import { createExpectations } from '../expectations.ts'
import { createLedger } from '../ledger.ts'
import { resolveCrawlRange } from '../crawl-range.ts'
import { verifyStoredChain } from '../verify-chain.ts'
import { openSqliteLedgerStore } from './sqlite-store.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tempDb = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dolly-ledger-store-'))
  dirs.push(dir)
  return join(dir, 'state.sqlite')
}
const alice = generateIdentity(createSeededRng('store-alice'))
const bob = generateIdentity(createSeededRng('store-bob'))
const rules = { tribler_bandwidth: bandwidthRules }

/** A file store holding alice's 6-block chain of transfers to bob and bob's agreements to them. */
function populated(path: string): void {
  const aliceStore = openSqliteLedgerStore(path)
  const bobStore = openSqliteLedgerStore(':memory:')
  const clock = createVirtualClock(1_000)
  const a = createLedger({ store: aliceStore, signer: alice, clock })
  // Bob sold alice 1+2+…+6 MB and expects to be paid that much.
  const expectations = createExpectations({ clock })
  expectations.expect(alice.publicKey, { ref: 'sale', upBytes: 21n << 20n, downBytes: 0n })
  const b = createLedger({ store: bobStore, signer: bob, clock }, { policy: expectations })
  for (let i = 1; i <= 6; i++) {
    const proposal = a.proposeTransfer(bob.publicKey, BigInt(i))
    const agreed = b.agree(proposal)
    if (!agreed.ok) throw new Error(agreed.code)
    a.add(agreed.agreement)
  }
  aliceStore.close()
  bobStore.close()
}

const COLUMNS = [
  'public_key',
  'sequence_number',
  'link_public_key',
  'link_sequence_number',
  'type',
  'block_hash',
  'block',
] as const

describe('sqlite ledger store', () => {
  it('keeps blocks and fraud proofs across reopening the file', () => {
    const path = tempDb()
    populated(path)
    const store = openSqliteLedgerStore(path)
    expect(store.count()).toBe(12)
    expect(store.latest(alice.publicKey)?.sequenceNumber).toBe(6)
    expect(store.agreementsOf(alice.publicKey, 3).map((blk) => blk.sequenceNumber)).toEqual([3])
    expect(verifyStoredChain(store, alice.publicKey, createSignatureVerifier(), rules).problems).toEqual([])
    expect(verifyStoredChain(store, bob.publicKey, createSignatureVerifier(), rules).problems).toEqual([])
    store.close()
    store.close()
  })

  it('has the indexes for (public key, sequence) and linked blocks', () => {
    const path = tempDb()
    populated(path)
    const db = new DatabaseSync(path)
    const plan = (sql: string): string =>
      db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(alice.publicKey, 1)
        .map((r) => String(r['detail']))
        .join(' ')
    expect(plan('SELECT block FROM ledger_blocks WHERE public_key = ? AND sequence_number = ?')).toMatch(
      /USING INDEX sqlite_autoindex_ledger_blocks_1/,
    )
    expect(
      plan('SELECT block FROM ledger_blocks WHERE link_public_key = ? AND link_sequence_number = ?'),
    ).toMatch(/USING INDEX ledger_blocks_link/)
    db.close()
  })

  it('detects tampering with any column of any stored block', () => {
    const path = tempDb()
    populated(path)
    const pristine = new DatabaseSync(path)
    const rows = pristine
      .prepare('SELECT id FROM ledger_blocks')
      .all()
      .map((r) => Number(r['id']))
    pristine.close()
    fc.assert(
      fc.property(
        fc.constantFrom(...rows),
        fc.constantFrom(...COLUMNS),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (id, column, at, xor) => {
          const copy = tempDb()
          const src = new DatabaseSync(path)
          src.exec(`VACUUM INTO '${copy}'`)
          src.close()
          const db = new DatabaseSync(copy)
          const row = db.prepare(`SELECT ${column} AS v FROM ledger_blocks WHERE id = ?`).get(id)
          const value = row?.['v']
          let changed: unknown
          if (value instanceof Uint8Array) {
            const next = new Uint8Array(value)
            next[at % next.byteLength]! ^= xor
            changed = next
          } else if (typeof value === 'number') {
            changed = value + 1 + (xor % 3)
          } else {
            changed = `${String(value)}x`
          }
          try {
            db.prepare(`UPDATE ledger_blocks SET ${column} = ? WHERE id = ?`).run(
              changed as Uint8Array | number | string,
              id,
            )
          } catch {
            db.close()
            return // the unique (pk, seq) index refused the change itself
          }
          db.close()
          const store = openSqliteLedgerStore(copy)
          const problems = store
            .publicKeys()
            .flatMap((pk) => verifyStoredChain(store, pk, createSignatureVerifier(), rules).problems)
          store.close()
          expect(problems.length, `${column} of row ${id}`).toBeGreaterThan(0)
        },
      ),
      { numRuns: 60 },
    )
  }, 60_000) // 60 database copies: seconds on a loaded 2-core machine

  it('prunes other agents\u2019 oldest blocks above the limit, never its own chain nor blocks linked to it', () => {
    const store = openSqliteLedgerStore(':memory:')
    const carol = generateIdentity(createSeededRng('store-carol'))
    const clock = createVirtualClock(0)
    const me = createLedger({ store, signer: alice, clock }, { maxDbBlocks: 10 })
    const carolStore = openSqliteLedgerStore(':memory:')
    const carolLedger = createLedger({ store: carolStore, signer: carol, clock })
    for (let i = 0; i < 8; i++) me.proposeTransfer(bob.publicKey, 1n)
    const carolBlocks = Array.from({ length: 6 }, () => carolLedger.proposeTransfer(bob.publicKey, 1n))
    for (const blk of carolBlocks) expect(me.add(blk).ok).toBe(true)
    expect(store.count()).toBe(10)
    expect(store.range(alice.publicKey, 1, 100, 100)).toHaveLength(8)
    expect(store.range(carol.publicKey, 1, 100, 100).map((blk) => blk.sequenceNumber)).toEqual([5, 6])
    store.close()
    carolStore.close()
  })

  it('caps the fraud proofs it keeps, dropping the oldest', () => {
    const store = openSqliteLedgerStore(':memory:', { maxFraudProofs: 2 })
    const blocks = Array.from({ length: 4 }, (_, i) => {
      const s = openSqliteLedgerStore(':memory:')
      const blk = createLedger({ store: s, signer: alice, clock: createVirtualClock(i) }).proposeTransfer(
        bob.publicKey,
        BigInt(i + 1),
      )
      s.close()
      return blk
    })
    for (let i = 1; i < 4; i++)
      store.insertFraud(
        { kind: 'double_sign', publicKey: alice.publicKey, blocks: [blocks[0]!, blocks[i]!] },
        i,
      )
    expect(store.fraudProofs().map((p) => p.detectedMs)).toEqual([2, 3])
    store.close()
  })

  it('lets two processes on one database append to the same chain without forking it', () => {
    const path = tempDb()
    const first = openSqliteLedgerStore(path)
    const second = openSqliteLedgerStore(path)
    const clock = createVirtualClock(0)
    const daemon = createLedger({ store: first, signer: alice, clock })
    const cli = createLedger({ store: second, signer: alice, clock })
    expect(daemon.proposeTransfer(bob.publicKey, 1n).sequenceNumber).toBe(1)
    expect(cli.proposeTransfer(bob.publicKey, 2n).sequenceNumber).toBe(2)
    expect(daemon.proposeTransfer(bob.publicKey, 3n).sequenceNumber).toBe(3)
    expect(daemon.fraudProofs()).toEqual([])
    expect(daemon.balance()).toEqual({ bytes: -6n * (1n << 20n), mb: -6n })
    expect(verifyStoredChain(first, alice.publicKey, createSignatureVerifier(), rules).problems).toEqual([])
    first.close()
    second.close()
  })

  it('rolls a failed batch back entirely', () => {
    const store = openSqliteLedgerStore(':memory:')
    const ledger = createLedger({ store, signer: alice, clock: createVirtualClock(0) })
    expect(() =>
      ledger.batch(() => {
        ledger.proposeTransfer(bob.publicKey, 1n)
        ledger.proposeTransfer(bob.publicKey, 0n)
      }),
    ).toThrow(expect.objectContaining({ code: 'LEDGER_TX_AMOUNT_INVALID' }))
    expect(store.count()).toBe(0)
    expect(ledger.proposeTransfer(bob.publicKey, 1n).sequenceNumber).toBe(1)
    store.close()
  })
})

describe('crawl ranges', () => {
  it('serve exactly the requested range: negative seqs from the latest, at most 100 blocks', () => {
    const store = openSqliteLedgerStore(':memory:')
    const ledger = createLedger({ store, signer: alice, clock: createVirtualClock(0) })
    ledger.batch(() => {
      for (let i = 0; i < 230; i++) ledger.proposeTransfer(bob.publicKey, 1n)
    })
    const seq = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: -300, max: -1 }))
    fc.assert(
      fc.property(seq, seq, (start, end) => {
        const latest = 230
        const abs = (s: number): number => (s < 0 ? Math.max(1, latest + s + 1) : s)
        const expected: number[] = []
        for (let s = abs(start); s <= Math.min(abs(end), latest) && expected.length < 100; s++)
          expected.push(s)
        const range = resolveCrawlRange(start, end, latest)
        const got =
          range === undefined
            ? []
            : store.range(alice.publicKey, range.startSeq, range.endSeq, 100).map((blk) => blk.sequenceNumber)
        expect(got).toEqual(expected)
      }),
    )
    expect(resolveCrawlRange(1, 10, 0)).toBeUndefined()
    store.close()
  })
})
