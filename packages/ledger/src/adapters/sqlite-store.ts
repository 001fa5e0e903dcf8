import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import { MAX_FRAUD_PROOFS } from '../constants.ts'
import { LedgerError } from '../errors.ts'
import { decodeTrustedBlock, type HalfBlock } from '../half-block.ts'
import type { FraudRecord, LedgerStore, StoredRow } from '../ports.ts'
import { isProposal, type BlockContext, type FraudKind, type FraudProof } from '../validation.ts'

/**
 * The ledger's block store in node:sqlite. Tables are prefixed `ledger_` so they can share the
 * agent's `state.sqlite` (DESIGN.md §4) with other areas.
 *
 * Indexes: UNIQUE (public_key, sequence_number) serves get / latest / neighbours / crawl ranges;
 * (link_public_key, link_sequence_number) finds the agreements of a proposal. Type lookups walk the
 * (public_key, sequence_number) index backwards, which stops at once while a chain is all one type.
 *
 * Growth is bounded: above `max_db_blocks` (1e6, py-ipv8) the ledger prunes other agents' blocks,
 * oldest-inserted first, down to 95% of the limit, never the agent's own chain nor blocks linked to
 * it; fraud proofs are capped at MAX_FRAUD_PROOFS, oldest first. At ~300 bytes per block that is
 * ≈ 0.3 GB at most plus the agent's own chain.
 */

/** File name of the agent's state database in its home (DESIGN.md §4). */
export const STATE_DB_FILE = 'state.sqlite'

/** Options of the sqlite store. */
export interface SqliteStoreOptions {
  /** Fraud proofs kept at most; default MAX_FRAUD_PROOFS. */
  readonly maxFraudProofs?: number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_blocks (
  id INTEGER PRIMARY KEY,
  public_key BLOB NOT NULL,
  sequence_number INTEGER NOT NULL,
  link_public_key BLOB NOT NULL,
  link_sequence_number INTEGER NOT NULL,
  type TEXT NOT NULL,
  block_hash BLOB NOT NULL,
  block BLOB NOT NULL,
  UNIQUE (public_key, sequence_number)
);
CREATE INDEX IF NOT EXISTS ledger_blocks_link ON ledger_blocks (link_public_key, link_sequence_number);
CREATE TABLE IF NOT EXISTS ledger_fraud (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  public_key BLOB NOT NULL,
  first_hash BLOB NOT NULL,
  second_hash BLOB NOT NULL,
  first_block BLOB NOT NULL,
  second_block BLOB NOT NULL,
  detected_ms INTEGER NOT NULL,
  UNIQUE (first_hash, second_hash)
);
`

const ROW_COLUMNS =
  'block, public_key, sequence_number, link_public_key, link_sequence_number, type, block_hash'

/** Opens (creating if needed) the ledger tables in the sqlite database at `path` (`:memory:` for tests). */
export function openSqliteLedgerStore(path: string, options: SqliteStoreOptions = {}): LedgerStore {
  const maxFraudProofs = options.maxFraudProofs ?? MAX_FRAUD_PROOFS
  const db = new DatabaseSync(path)
  db.exec('PRAGMA busy_timeout = 5000')
  if (path !== ':memory:') {
    // WAL + NORMAL: a commit costs no fsync; a power cut may lose the last commits but never corrupts.
    db.exec('PRAGMA journal_mode = WAL')
    db.exec('PRAGMA synchronous = NORMAL')
  }
  db.exec(SCHEMA)
  const st = prepareAll(db)
  let blockCount = Number(st.count.get()?.['n'] ?? 0)
  let open = true

  const one = (stmt: StatementSync, ...params: SQLInputValue[]): HalfBlock | undefined => {
    const row = stmt.get(...params)
    return row === undefined ? undefined : fromRow(row)
  }
  const many = (stmt: StatementSync, ...params: SQLInputValue[]): HalfBlock[] =>
    stmt.all(...params).map(fromRow)
  const agreementsOf = (publicKey: Uint8Array, seq: number): HalfBlock[] => many(st.linked, publicKey, seq)

  const store: LedgerStore = {
    context(block): BlockContext {
      const pk = block.publicKey
      const seq = block.sequenceNumber
      // Everything around the block in one statement: each part is one index seek.
      const agreementKey = isProposal(block) ? pk : block.linkPublicKey
      const agreementSeq = isProposal(block) ? seq : block.linkSequenceNumber
      let same: HalfBlock | undefined
      let previous: HalfBlock | undefined
      let next: HalfBlock | undefined
      let proposal: HalfBlock | undefined
      const agreements: HalfBlock[] = []
      for (const row of st.context.all(
        pk,
        seq,
        block.linkPublicKey,
        block.linkSequenceNumber,
        agreementKey,
        agreementSeq,
      )) {
        const found = fromRow(row)
        switch (row['k']) {
          case 's':
            same = found
            break
          case 'p':
            previous = found
            break
          case 'n':
            next = found
            break
          case 'q':
            proposal = isProposal(block) ? undefined : found
            break
          default:
            agreements.push(found)
        }
      }
      const previousOfType =
        previous === undefined || previous.type === block.type
          ? previous
          : one(st.previousOfType, pk, block.type, seq)
      const nextOfType =
        next === undefined || next.type === block.type ? next : one(st.nextOfType, pk, block.type, seq)
      return { same, previous, next, previousOfType, nextOfType, proposal, agreements }
    },
    get: (publicKey, seq) => one(st.get, publicKey, seq),
    latest: (publicKey) => one(st.latest, publicKey),
    latestOfType: (publicKey, type) => one(st.previousOfType, publicKey, type, Number.MAX_SAFE_INTEGER),
    agreementsOf,
    range: (publicKey, startSeq, endSeq, limit) => many(st.range, publicKey, startSeq, endSeq, limit),
    rows: (publicKey, afterSeq, limit) => st.rows.all(publicKey, afterSeq, limit).map(toStoredRow),
    publicKeys: () => st.keys.all().map((row) => row['public_key'] as Uint8Array),
    count: () => blockCount,
    insert(block) {
      st.insert.run(
        block.publicKey,
        block.sequenceNumber,
        block.linkPublicKey,
        block.linkSequenceNumber,
        block.type,
        block.hash,
        block.bytes,
      )
      blockCount++
    },
    insertFraud(proof, detectedMs) {
      const [first, second] = proof.blocks
      st.insertFraud.run(
        proof.kind,
        proof.publicKey,
        first.hash,
        second.hash,
        first.bytes,
        second.bytes,
        detectedMs,
      )
      st.trimFraud.run(maxFraudProofs)
    },
    fraudProofs: () => st.fraud.all().map(toFraudRecord),
    prune(keep, maxBlocks) {
      // Another process may have written since we counted: count again before deleting anything.
      blockCount = Number(st.count.get()?.['n'] ?? 0)
      const excess = blockCount - maxBlocks
      if (excess <= 0) return 0
      const removed = Number(st.prune.run(keep, keep, excess).changes)
      blockCount -= removed
      return removed
    },
    transaction<T>(fn: () => T): T {
      // Re-entrant: an inner batch joins the outer transaction.
      if (db.isTransaction) return fn()
      st.begin.run()
      try {
        const result = fn()
        st.commit.run()
        return result
      } catch (err) {
        st.rollback.run()
        blockCount = Number(st.count.get()?.['n'] ?? 0)
        throw err
      }
    },
    close() {
      if (!open) return
      open = false
      db.close()
    },
  }
  return store
}

function prepareAll(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql)
  return {
    // Prepared once: `exec` would parse these three on every block.
    begin: p('BEGIN IMMEDIATE'),
    commit: p('COMMIT'),
    rollback: p('ROLLBACK'),
    count: p('SELECT COUNT(*) AS n FROM ledger_blocks'),
    get: p('SELECT block, block_hash FROM ledger_blocks WHERE public_key = ? AND sequence_number = ?'),
    latest: p(
      'SELECT block, block_hash FROM ledger_blocks WHERE public_key = ? ORDER BY sequence_number DESC LIMIT 1',
    ),
    context: p(
      [
        "SELECT 's' AS k, block, block_hash FROM ledger_blocks WHERE public_key = ?1 AND sequence_number = ?2",
        "SELECT * FROM (SELECT 'p' AS k, block, block_hash FROM ledger_blocks WHERE public_key = ?1 AND sequence_number < ?2 ORDER BY sequence_number DESC LIMIT 1)",
        "SELECT * FROM (SELECT 'n' AS k, block, block_hash FROM ledger_blocks WHERE public_key = ?1 AND sequence_number > ?2 ORDER BY sequence_number ASC LIMIT 1)",
        "SELECT 'q' AS k, block, block_hash FROM ledger_blocks WHERE public_key = ?3 AND sequence_number = ?4",
        "SELECT * FROM (SELECT 'a' AS k, block, block_hash FROM ledger_blocks WHERE link_public_key = ?5 AND link_sequence_number = ?6 ORDER BY id)",
      ].join(' UNION ALL '),
    ),
    previousOfType: p(
      'SELECT block, block_hash FROM ledger_blocks WHERE public_key = ? AND type = ? AND sequence_number < ? ORDER BY sequence_number DESC LIMIT 1',
    ),
    nextOfType: p(
      'SELECT block, block_hash FROM ledger_blocks WHERE public_key = ? AND type = ? AND sequence_number > ? ORDER BY sequence_number ASC LIMIT 1',
    ),
    linked: p(
      'SELECT block, block_hash FROM ledger_blocks WHERE link_public_key = ? AND link_sequence_number = ? ORDER BY id',
    ),
    range: p(
      'SELECT block, block_hash FROM ledger_blocks WHERE public_key = ? AND sequence_number >= ? AND sequence_number <= ? ORDER BY sequence_number ASC LIMIT ?',
    ),
    rows: p(
      `SELECT ${ROW_COLUMNS} FROM ledger_blocks WHERE public_key = ? AND sequence_number > ? ORDER BY sequence_number ASC LIMIT ?`,
    ),
    keys: p('SELECT DISTINCT public_key FROM ledger_blocks ORDER BY public_key'),
    insert: p(
      'INSERT INTO ledger_blocks (public_key, sequence_number, link_public_key, link_sequence_number, type, block_hash, block) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    insertFraud: p(
      'INSERT OR IGNORE INTO ledger_fraud (kind, public_key, first_hash, second_hash, first_block, second_block, detected_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    trimFraud: p(
      'DELETE FROM ledger_fraud WHERE id NOT IN (SELECT id FROM ledger_fraud ORDER BY id DESC LIMIT ?)',
    ),
    fraud: p('SELECT kind, public_key, first_block, second_block, detected_ms FROM ledger_fraud ORDER BY id'),
    prune: p(
      'DELETE FROM ledger_blocks WHERE id IN (SELECT id FROM ledger_blocks WHERE public_key != ? AND link_public_key != ? ORDER BY id LIMIT ?)',
    ),
  }
}

function fromRow(row: Record<string, unknown>): HalfBlock {
  return decodeTrustedBlock(row['block'] as Uint8Array, row['block_hash'] as Uint8Array)
}

function toStoredRow(row: Record<string, unknown>): StoredRow {
  return {
    bytes: row['block'] as Uint8Array,
    publicKey: row['public_key'] as Uint8Array,
    sequenceNumber: Number(row['sequence_number']),
    linkPublicKey: row['link_public_key'] as Uint8Array,
    linkSequenceNumber: Number(row['link_sequence_number']),
    type: String(row['type']),
    hash: row['block_hash'] as Uint8Array,
  }
}

function toFraudRecord(row: Record<string, unknown>): FraudRecord {
  const kind = String(row['kind'])
  if (kind !== 'double_sign' && kind !== 'double_countersign') {
    throw new LedgerError('LEDGER_STORE_CORRUPT', `stored fraud proof has unknown kind ${kind}`)
  }
  const proof: FraudProof = {
    kind: kind satisfies FraudKind,
    publicKey: row['public_key'] as Uint8Array,
    blocks: [
      decodeTrustedBlock(row['first_block'] as Uint8Array),
      decodeTrustedBlock(row['second_block'] as Uint8Array),
    ],
  }
  return { ...proof, detectedMs: Number(row['detected_ms']) }
}
