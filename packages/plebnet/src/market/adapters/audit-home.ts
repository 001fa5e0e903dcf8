import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bytesToHex, createCryptoRng, createSystemClock, loadOrCreateIdentity } from '@dolly/base'
import { openSqliteLedgerStore, STATE_DB_FILE } from '@dolly/ledger'
import { parseJournalEntry, type JournalEntry } from '@dolly/market'
import { connectChainBackend, openSqliteWalletStore, type PaymentRecord } from '@dolly/wallet'
import { loadAgentConfig } from '../../config/adapters/load-agent-config.ts'
import { WALLET_DB_FILE } from '../../daemon/adapters/agent-home.ts'
import { auditTrades, type TradeAuditRow } from '../settlement/audit.ts'
import { SettlementError } from '../settlement/errors.ts'
import { TRADES_FILE } from '../settlement/settlement.ts'

/**
 * The trade audit of a home on disk (`plebnet market audit`, `dolly world audit`): its journal's
 * complete lines, its ledger and wallet files and the chain its config names, through audit.ts.
 * Reads only, so it runs beside the daemon that writes them.
 */

/** Real ms one chain request may take. */
const CHAIN_TIMEOUT_MS = 15_000

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

/** A home's trades audited: its key and one row per trade that opened (settlement/audit.ts). */
export interface HomeAudit {
  /** The home's trader key, hex. */
  readonly key: string | undefined
  readonly rows: readonly TradeAuditRow[]
}

/**
 * Audits the trades of the agent (or buyer) home `home`: its journal's complete lines, its ledger and
 * wallet files, and the chain its config names. Reads only.
 *
 * @throws SettlementError SETTLEMENT_AUDIT_MISMATCH when trades were paid in Bitcoin but the config
 *   names no chain; MarketError MARKET_TRADE_JOURNAL_CORRUPT for a journal line that does not parse
 */
export async function auditHome(
  home: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<HomeAudit> {
  const entries = await journalEntries(home)
  // A home that never traded has nothing to audit (and its identity is not created for it).
  if (entries.length === 0) return { key: undefined, rows: [] }
  const identity = await loadOrCreateIdentity(home, createCryptoRng())
  const walletPath = join(home, WALLET_DB_FILE)
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
  const backend = needsChain ? (await loadAgentConfig(home, env)).chainBackend : undefined
  if (needsChain && backend === undefined)
    throw new SettlementError(
      'SETTLEMENT_AUDIT_MISMATCH',
      `trades paid in Bitcoin, but ${home} names no chain ([chain] backend or [world]) to check them on`,
      { home },
    )
  const chain =
    backend === undefined
      ? undefined
      : connectChainBackend(backend, { clock: createSystemClock() }, { timeoutMs: CHAIN_TIMEOUT_MS })
  const ledger = openSqliteLedgerStore(join(home, STATE_DB_FILE))
  try {
    const rows = await auditTrades({
      ourKey: identity.publicKey,
      entries,
      ledger,
      payments,
      txHex: async (txid) => (await chain?.chain.getTransaction(txid))?.hex,
    })
    return { key: bytesToHex(identity.publicKey), rows }
  } finally {
    ledger.close()
    chain?.close()
  }
}
