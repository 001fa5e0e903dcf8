/** What the trade tests read back from a home: MB transfers in a ledger store, the trade's address. */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { HalfBlock, LedgerStore } from '@dolly/ledger'
import { SETTLEMENT_INDEX_FILE } from '../../src/market/settlement/settlement-index.ts'

/** `from`'s proposals to `to` in `store`: every MB transfer `from` made to `to`, in order. */
export function transfersTo(store: LedgerStore, from: Uint8Array, to: Uint8Array): HalfBlock[] {
  const latest = store.latest(from)?.sequenceNumber ?? 0
  return store
    .range(from, 1, latest, 10_000)
    .filter((b) => b.linkSequenceNumber === 0 && Buffer.from(b.linkPublicKey).equals(Buffer.from(to)))
}

/** The trade's address from the seller's settlement index, if it gave one. */
export function tradeAddress(home: string, tradeId: string): string | undefined {
  const file = join(home, SETTLEMENT_INDEX_FILE)
  if (!existsSync(file)) return undefined
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { kind: string; tradeId?: string; address?: string })
    .find((e) => e.kind === 'address' && e.tradeId === tradeId)?.address
}
