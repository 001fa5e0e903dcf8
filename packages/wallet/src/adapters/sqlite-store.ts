import { closeSync, openSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { z } from 'zod'
import { WalletError } from '../errors.ts'
import type { PaymentRecord, PaymentState, ReceiptRecord, WalletStore } from '../ports.ts'

const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS payments (
  id TEXT PRIMARY KEY,
  txid TEXT NOT NULL,
  tx_hex TEXT NOT NULL,
  to_address TEXT NOT NULL,
  amount_sats TEXT NOT NULL,
  fee_sats TEXT NOT NULL,
  change_sats TEXT NOT NULL,
  purpose TEXT NOT NULL,
  inputs TEXT NOT NULL,
  change_index INTEGER,
  state TEXT NOT NULL,
  confirmations INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  failure_reason TEXT
);
CREATE TABLE IF NOT EXISTS receipts (
  outpoint TEXT PRIMARY KEY,
  address TEXT NOT NULL,
  value_sats TEXT NOT NULL,
  height INTEGER NOT NULL,
  first_seen_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`

const Sats = z
  .string()
  .regex(/^\d+$/)
  .transform((s) => BigInt(s))
const PaymentRow = z.object({
  id: z.string(),
  txid: z.string(),
  tx_hex: z.string(),
  to_address: z.string(),
  amount_sats: Sats,
  fee_sats: Sats,
  change_sats: Sats,
  purpose: z.string(),
  inputs: z.string(),
  change_index: z.number().int().nullable(),
  state: z.enum(['signed', 'broadcast', 'confirmed', 'failed']),
  confirmations: z.number().int(),
  created_at_ms: z.number().int(),
  updated_at_ms: z.number().int(),
  failure_reason: z.string().nullable(),
})
const ReceiptRow = z.object({
  outpoint: z.string(),
  address: z.string(),
  value_sats: Sats,
  height: z.number().int(),
  first_seen_ms: z.number().int(),
})
const Inputs = z.array(z.string())
/** A kv row; built once (a zod object schema is costly to construct, and the wallet reads kv on every scan). */
const KvRow = z.object({ value: z.number().int() })

/**
 * The wallet's journal in SQLite (`node:sqlite`): WAL with synchronous=FULL, so a payment intent written
 * before the broadcast survives a kill -9. `path` ':memory:' gives a throwaway store for tests.
 */
export function openSqliteWalletStore(path: string): WalletStore {
  // Create the file 0600 first: the journal reveals every address and payment of the agent. SQLite gives
  // its -wal and -shm files the database file's permissions.
  if (path !== ':memory:') closeSync(openSync(path, 'a', 0o600))
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;')
  db.exec(SCHEMA_SQL)
  const insertPayment = db.prepare(
    `INSERT INTO payments (id, txid, tx_hex, to_address, amount_sats, fee_sats, change_sats, purpose, inputs, change_index, state, confirmations, created_at_ms, updated_at_ms, failure_reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const updatePayment = db.prepare(
    'UPDATE payments SET state = ?, confirmations = ?, updated_at_ms = ?, failure_reason = ? WHERE id = ?',
  )
  const getPayment = db.prepare('SELECT * FROM payments WHERE id = ?')
  const listPayments = db.prepare('SELECT * FROM payments ORDER BY created_at_ms, id')
  const insertReceipt = db.prepare(
    'INSERT OR IGNORE INTO receipts (outpoint, address, value_sats, height, first_seen_ms) VALUES (?, ?, ?, ?, ?)',
  )
  const listReceipts = db.prepare('SELECT * FROM receipts ORDER BY height, outpoint')
  const getKv = db.prepare('SELECT value FROM kv WHERE key = ?')
  const setKv = db.prepare(
    'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  )

  // Rows decoded before, by key, with the raw row they came from: the wallet lists its whole journal
  // several times a tick (pending payments, history), and a row read again unchanged (every column
  // equal) gives the same frozen record without decoding it again. A changed row is decoded anew.
  const payments = new Map<string, Decoded<PaymentRecord>>()
  const receipts = new Map<string, Decoded<ReceiptRecord>>()

  const toPayment = (row: unknown): PaymentRecord => {
    const known = reuse(payments, row, 'id')
    if (known !== undefined) return known
    const parsed = PaymentRow.safeParse(row)
    if (!parsed.success) throw corrupt(path, parsed.error.message)
    const r = parsed.data
    return remember(payments, r.id, row, {
      id: r.id,
      txid: r.txid,
      txHex: r.tx_hex,
      toAddress: r.to_address,
      amountSats: r.amount_sats,
      feeSats: r.fee_sats,
      changeSats: r.change_sats,
      purpose: r.purpose,
      inputs: Object.freeze(Inputs.parse(JSON.parse(r.inputs))),
      ...(r.change_index === null ? {} : { changeIndex: r.change_index }),
      state: r.state,
      confirmations: r.confirmations,
      createdAtMs: r.created_at_ms,
      updatedAtMs: r.updated_at_ms,
      ...(r.failure_reason === null ? {} : { failureReason: r.failure_reason }),
    })
  }

  return {
    insertPayment(p) {
      insertPayment.run(
        p.id,
        p.txid,
        p.txHex,
        p.toAddress,
        p.amountSats.toString(),
        p.feeSats.toString(),
        p.changeSats.toString(),
        p.purpose,
        JSON.stringify(p.inputs),
        p.changeIndex ?? null,
        p.state,
        p.confirmations,
        p.createdAtMs,
        p.updatedAtMs,
        p.failureReason ?? null,
      )
    },
    updatePayment(
      id,
      patch: { state: PaymentState; confirmations: number; updatedAtMs: number; failureReason?: string },
    ) {
      updatePayment.run(patch.state, patch.confirmations, patch.updatedAtMs, patch.failureReason ?? null, id)
    },
    getPayment(id) {
      const row = getPayment.get(id)
      return row === undefined ? undefined : toPayment(row)
    },
    listPayments() {
      return listPayments.all().map(toPayment)
    },
    upsertReceipts(receipts: readonly ReceiptRecord[]) {
      let added = 0
      for (const r of receipts) {
        const result = insertReceipt.run(
          r.outpoint,
          r.address,
          r.valueSats.toString(),
          r.height,
          r.firstSeenMs,
        )
        added += Number(result.changes)
      }
      return added
    },
    listReceipts() {
      return listReceipts.all().map((row) => {
        const known = reuse(receipts, row, 'outpoint')
        if (known !== undefined) return known
        const parsed = ReceiptRow.safeParse(row)
        if (!parsed.success) throw corrupt(path, parsed.error.message)
        const r = parsed.data
        return remember(receipts, r.outpoint, row, {
          outpoint: r.outpoint,
          address: r.address,
          valueSats: r.value_sats,
          height: r.height,
          firstSeenMs: r.first_seen_ms,
        })
      })
    },
    getNumber(key) {
      const row = getKv.get(key)
      if (row === undefined) return undefined
      const parsed = KvRow.safeParse(row)
      if (!parsed.success) throw corrupt(path, parsed.error.message)
      return parsed.data.value
    },
    setNumber(key, value) {
      setKv.run(key, value)
    },
    close() {
      if (db.isOpen) db.close()
    },
  }
}

/** A decoded row and the raw row it was decoded from. */
interface Decoded<T> {
  readonly row: Readonly<Record<string, unknown>>
  readonly record: T
}

/** The record decoded before from a row equal in every column to `row`, if any. */
function reuse<T>(cache: Map<string, Decoded<T>>, row: unknown, keyColumn: string): T | undefined {
  if (typeof row !== 'object' || row === null) return undefined
  const raw = row as Readonly<Record<string, unknown>>
  const key = raw[keyColumn]
  if (typeof key !== 'string') return undefined
  const known = cache.get(key)
  if (known === undefined) return undefined
  const columns = Object.keys(raw)
  if (columns.length !== Object.keys(known.row).length) return undefined
  for (const c of columns) if (raw[c] !== known.row[c]) return undefined
  return known.record
}

/** Keeps `record`, frozen, as the decoding of `row` under `key`, and returns it. */
function remember<T extends object>(cache: Map<string, Decoded<T>>, key: string, row: unknown, record: T): T {
  const frozen = Object.freeze(record)
  cache.set(key, { row: row as Readonly<Record<string, unknown>>, record: frozen })
  return frozen
}

function corrupt(path: string, reason: string): WalletError {
  return new WalletError(
    'WALLET_JOURNAL_CORRUPT',
    `wallet journal ${path} has an unreadable row (${reason}); keep a copy and inspect it before paying again`,
    { path },
  )
}
