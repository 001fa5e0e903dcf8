import { closeSync, openSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { parseLifecycle, serializeLifecycle } from '../state-codec.ts'
import type { LifecycleState } from '../state.ts'

/**
 * The lifecycle's tables in the agent's `state.sqlite` (DESIGN.md §4), prefixed `lifecycle_` so
 * they share the file with the ledger and the wallet. Every save is one transaction in WAL mode:
 * after a kill -9 the state is the last committed one, never half of one.
 */
export interface LifecycleStore {
  /** The saved state, or undefined before the first save. */
  load(): LifecycleState | undefined
  /** Replaces the state atomically. */
  save(state: LifecycleState): void
  /** Appends one point of the balance time series. */
  recordMetric(atMs: number, spendableSats: bigint): void
  /** The latest `limit` points, oldest first. */
  metrics(limit: number): readonly { atMs: number; spendableSats: bigint }[]
  close(): void
}

/** Schema migrations in order; the index + 1 is the schema version they lead to. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE lifecycle_state (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
   CREATE TABLE lifecycle_metrics (at_ms INTEGER NOT NULL, spendable_sats TEXT NOT NULL);`,
]

/** Opens (creating and migrating) the lifecycle tables of the database at `path` (`:memory:` in tests). */
export function openLifecycleStore(path: string): LifecycleStore {
  // Created 0600 first: SQLite gives its -wal and -shm files the database's permissions.
  if (path !== ':memory:') closeSync(openSync(path, 'a', 0o600))
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;')
  db.exec('CREATE TABLE IF NOT EXISTS lifecycle_schema (version INTEGER NOT NULL)')
  const row = db.prepare('SELECT version FROM lifecycle_schema').get() as { version: number } | undefined
  const from = row?.version ?? 0
  if (from < MIGRATIONS.length) {
    db.exec('BEGIN IMMEDIATE')
    try {
      for (let v = from; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] ?? '')
      db.exec('DELETE FROM lifecycle_schema')
      db.prepare('INSERT INTO lifecycle_schema (version) VALUES (?)').run(MIGRATIONS.length)
      db.exec('COMMIT')
    } catch (err) {
      db.exec('ROLLBACK')
      throw err
    }
  }
  const select = db.prepare('SELECT json FROM lifecycle_state WHERE id = 1')
  const upsert = db.prepare(
    'INSERT INTO lifecycle_state (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json',
  )
  const addMetric = db.prepare('INSERT INTO lifecycle_metrics (at_ms, spendable_sats) VALUES (?, ?)')
  const lastMetrics = db.prepare(
    'SELECT at_ms, spendable_sats FROM lifecycle_metrics ORDER BY rowid DESC LIMIT ?',
  )
  return {
    load() {
      const r = select.get() as { json: string } | undefined
      return r === undefined ? undefined : parseLifecycle(r.json)
    },
    save(state) {
      upsert.run(serializeLifecycle(state))
    },
    recordMetric(atMs, spendableSats) {
      addMetric.run(Math.round(atMs), spendableSats.toString())
    },
    metrics(limit) {
      const rows = lastMetrics.all(limit) as { at_ms: number; spendable_sats: string }[]
      return rows.reverse().map((r) => ({ atMs: r.at_ms, spendableSats: BigInt(r.spendable_sats) }))
    },
    close() {
      if (db.isOpen) db.close()
    },
  }
}
