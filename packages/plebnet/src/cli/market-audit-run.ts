import { emit, type CliIo } from '@dolly/base'
import type { TradeAuditRow } from '../market/settlement/audit.ts'
import { auditHome } from '../market/adapters/audit-home.ts'
import { SettlementError } from '../market/settlement/errors.ts'
import { formatMb, renderTable } from './market-run.ts'

/**
 * `plebnet market audit`: every trade in this home's journal against its ledger, its wallet and the
 * chain its config names (market/adapters/audit-home.ts). Reads only: runs beside the daemon. Exit 0 when
 * every trade matches; SETTLEMENT_AUDIT_MISMATCH (exit 1) after the report when one does not (with
 * `--json` the error document carries the rows as `details.trades`).
 */

export async function marketAudit(
  io: CliIo,
  opts: {
    readonly home: string
    readonly json?: boolean
    readonly env: Readonly<Record<string, string | undefined>>
  },
): Promise<void> {
  const { rows } = await auditHome(opts.home, opts.env)
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

function renderAudit(rows: readonly TradeAuditRow[]): string {
  if (rows.length === 0) return 'no trades'
  const head = ['trade', 'side', 'outcome', 'MB terms', 'MB ledger', 'sats terms', 'sats chain', 'check']
  const body = rows.map((r) => [
    r.tradeId.slice(0, 20),
    r.role === 'mb' ? 'sold MB' : 'bought MB',
    r.outcome,
    formatMb(String(r.termsMbBytes)),
    formatMb(String(r.ledgerMbBytes)),
    String(r.termsSats),
    String(r.chainSats),
    r.problems.length === 0 ? 'ok' : `${r.problems.length} problems`,
  ])
  const count = (o: TradeAuditRow['outcome']): number => rows.filter((r) => r.outcome === o).length
  return [
    renderTable(head, body, [false, false, false, true, true, true, true, false]),
    ...rows.flatMap((r) => r.problems.map((p) => `  ${r.tradeId}: ${p}`)),
    `${rows.length} trades: ${count('completed')} completed, ${count('aborted')} aborted, ${count('open')} open; ` +
      `${rows.reduce((n, r) => n + r.problems.length, 0)} problems`,
  ].join('\n')
}
