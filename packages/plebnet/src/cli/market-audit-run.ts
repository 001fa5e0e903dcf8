import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createCryptoRng, createSystemClock, emit, loadOrCreateIdentity, type CliIo } from '@dolly/base'
import { openSqliteLedgerStore, STATE_DB_FILE } from '@dolly/ledger'
import { parseJournalEntry, type JournalEntry } from '@dolly/market'
import { connectChainBackend, openSqliteWalletStore, type PaymentRecord } from '@dolly/wallet'
import { loadAgentConfig } from '../config/adapters/load-agent-config.ts'
import { auditTrades, type TradeAuditRow } from '../market/settlement/audit.ts'
import { SettlementError } from '../market/settlement/errors.ts'
import { TRADES_FILE } from '../market/settlement/settlement.ts'

/**
 * `plebnet market audit`: every trade in this home's journal against its ledger, its wallet and the
 * chain its config names (settlement/audit.ts). Reads only: runs beside the daemon. Exit 0 when every
 * trade matches; SETTLEMENT_AUDIT_MISMATCH (exit 1) after the report when one does not (with `--json`
 * the error document carries the rows as `details.trades`).
 */

/** Real ms one chain request may take. */
const CHAIN_TIMEOUT_MS = 15_000
const MB = 1n << 20n

/** The journal's complete lines (a line still being appended, without its newline, is left out). */
async function journalEntries(home: string): Promise<JournalEntry[]> {
  const path = join(home, TRADES_FILE)
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw err
  })
  const lines = text.split('\n')
  lines.pop() // the text after the last newline: empty, or a line not yet complete
  return lines.map((line, i) => parseJournalEntry(line, `${path}:${i + 1}`))
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  )

export async function marketAudit(
  io: CliIo,
  opts: {
    readonly home: string
    readonly json?: boolean
    readonly env: Readonly<Record<string, string | undefined>>
  },
): Promise<void> {
  const entries = await journalEntries(opts.home)
  const identity = await loadOrCreateIdentity(opts.home, createCryptoRng())
  const walletPath = join(opts.home, 'wallet.sqlite')
  const payments: PaymentRecord[] = []
  if (await exists(walletPath)) {
    const wallet = openSqliteWalletStore(walletPath)
    try {
      payments.push(...wallet.listPayments())
    } finally {
      wallet.close()
    }
  }
  const needsChain = entries.some((e) => e.kind === 'address')
  const backend = needsChain ? (await loadAgentConfig(opts.home, opts.env)).chainBackend : undefined
  if (needsChain && backend === undefined)
    throw new SettlementError(
      'SETTLEMENT_AUDIT_MISMATCH',
      `trades paid in Bitcoin, but ${opts.home} names no chain ([chain] backend or [world]) to check them on`,
      { home: opts.home },
    )
  const chain =
    backend === undefined
      ? undefined
      : connectChainBackend(backend, { clock: createSystemClock() }, { timeoutMs: CHAIN_TIMEOUT_MS })
  const ledger = openSqliteLedgerStore(join(opts.home, STATE_DB_FILE))
  let rows: TradeAuditRow[]
  try {
    rows = await auditTrades({
      ourKey: identity.publicKey,
      entries,
      ledger,
      payments,
      txHex: async (txid) => (await chain?.chain.getTransaction(txid))?.hex,
    })
  } finally {
    ledger.close()
    chain?.close()
  }
  const problems = rows.reduce((n, r) => n + r.problems.length, 0)
  // One JSON document either way: the rows, or on a mismatch the error carrying them.
  if (problems === 0 || opts.json !== true) emit(io, opts.json, rows, () => renderAudit(rows))
  if (problems > 0)
    throw new SettlementError(
      'SETTLEMENT_AUDIT_MISMATCH',
      `${problems} problems in ${rows.filter((r) => r.problems.length > 0).length} of ${rows.length} trades`,
      opts.json === true ? { problems, trades: rows } : { problems },
    )
}

const mb = (bytes: bigint): string => `${bytes / MB}.${String(((bytes % MB) * 100n) / MB).padStart(2, '0')}`

function renderAudit(rows: readonly TradeAuditRow[]): string {
  if (rows.length === 0) return 'no trades'
  const head = ['trade', 'side', 'outcome', 'MB terms', 'MB ledger', 'sats terms', 'sats chain', 'check']
  const body = rows.map((r) => [
    r.tradeId.slice(0, 20),
    r.role === 'mb' ? 'sold MB' : 'bought MB',
    r.outcome,
    mb(r.termsMbBytes),
    mb(r.ledgerMbBytes),
    String(r.termsSats),
    String(r.chainSats),
    r.problems.length === 0 ? 'ok' : `${r.problems.length} problems`,
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i >= 3 && i <= 6 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const count = (o: TradeAuditRow['outcome']): number => rows.filter((r) => r.outcome === o).length
  return [
    line(head),
    ...body.map(line),
    ...rows.flatMap((r) => r.problems.map((p) => `  ${r.tradeId}: ${p}`)),
    `${rows.length} trades: ${count('completed')} completed, ${count('aborted')} aborted, ${count('open')} open; ` +
      `${rows.reduce((n, r) => n + r.problems.length, 0)} problems`,
  ].join('\n')
}
