import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { IDENTITY_FILE, identityFromPem } from '@dolly/base'
import { balanceBytes, bandwidthTxOf } from '../bandwidth.ts'
import { BANDWIDTH_TYPE, BYTES_PER_MB } from '../constants.ts'
import type { LedgerStore } from '../ports.ts'
import { openSqliteLedgerStore, STATE_DB_FILE } from './sqlite-store.ts'

/** Blocks read per page while looking for the balance at a past time. */
const PAGE_BLOCKS = 256

/**
 * The agent's bandwidth balance in bytes as of `atMs`: the totals of its last bandwidth block
 * created at or before then (0 before its first). Walks its own chain from the genesis block and
 * stops at the first block created later, so an agent born before its first block costs one page.
 */
export function balanceBytesAt(store: LedgerStore, publicKey: Uint8Array, atMs: number): bigint {
  const latest = store.latest(publicKey)
  if (latest === undefined) return 0n
  let balance = 0n
  for (let seq = 1; seq <= latest.sequenceNumber; seq += PAGE_BLOCKS) {
    const page = store.range(
      publicKey,
      seq,
      Math.min(latest.sequenceNumber, seq + PAGE_BLOCKS - 1),
      PAGE_BLOCKS,
    )
    for (const block of page) {
      if (block.timestampMs > atMs) return balance
      if (block.type === BANDWIDTH_TYPE) balance = balanceBytes(bandwidthTxOf(block))
    }
    if (page.length === 0) break
  }
  return balance
}

/** The MB an agent earned (the shape of the learning port `Earnings`, which the agent plugs this into). */
export interface Earnings {
  /** MB earned since `sinceMs` (balance growth, never below 0). */
  earnedMbSince(sinceMs: number): Promise<number>
}

/**
 * The learning port `Earnings` over a ledger store: MB earned since a time is the growth of the
 * agent's balance (total up − total down, ALGORITHMS.md §9.1) from then to its latest bandwidth
 * block, in MB (2^20 bytes, fractions kept), never below 0.
 */
export function ledgerEarnings(store: LedgerStore, publicKey: Uint8Array): Earnings {
  return {
    earnedMbSince(sinceMs) {
      const latest = store.latestOfType(publicKey, BANDWIDTH_TYPE)
      const now = balanceBytes(latest === undefined ? undefined : bandwidthTxOf(latest))
      const growth = now - balanceBytesAt(store, publicKey, sinceMs)
      return Promise.resolve(growth > 0n ? Number(growth) / Number(BYTES_PER_MB) : 0)
    },
  }
}

/**
 * `ledgerEarnings` for the agent in `home`: its key from `identity.key`, its chain from
 * `state.sqlite`, opened for each call and closed after (the tick runs rarely; the daemon's ledger
 * component keeps its own connection). An agent without a key has no chain and has earned nothing.
 */
export function homeEarnings(home: string): Earnings {
  return {
    async earnedMbSince(sinceMs) {
      const pem = await readFile(join(home, IDENTITY_FILE), 'utf8').catch((err: unknown) => {
        if ((err as { code?: unknown }).code === 'ENOENT') return undefined
        throw err
      })
      if (pem === undefined) return 0
      const store = openSqliteLedgerStore(join(home, STATE_DB_FILE))
      try {
        return await ledgerEarnings(store, identityFromPem(pem).publicKey).earnedMbSince(sinceMs)
      } finally {
        store.close()
      }
    },
  }
}
