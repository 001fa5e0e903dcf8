import { bytesToHex } from '@dolly/base'
import { BANDWIDTH_TYPE, decodeBandwidthTx, type HalfBlock, type LedgerStore } from '@dolly/ledger'

/** What `!uploaded`, `!downloaded`, `!helped` and `!helped_by` show of the agent's own chain. */
export interface LedgerFigures {
  /** `total_up` / `total_down` of the latest own bandwidth block, bytes (0 before the first). */
  readonly uploadedBytes: bigint
  readonly downloadedBytes: bigint
  /** Distinct counterparties it gave bytes to (`peers_that_pk_helped`), and took bytes from. */
  readonly helped: number
  readonly helpedBy: number
}

/** Own blocks read at most for the peer counts (the newest; older peers are not counted beyond it). */
export const MAX_FIGURE_BLOCKS = 20_000
const PAGE_BLOCKS = 256

/**
 * The agent's bandwidth figures from its own chain in `store` (TrustChain's `/statistics`): totals
 * from the latest bandwidth block, peer counts from the counterparties (`link_public_key`) of its
 * newest {@link MAX_FIGURE_BLOCKS} bandwidth blocks, a block with `up > 0` counting its counterparty
 * as helped and one with `down > 0` as a helper (each block is in its creator's terms; an agreement
 * mirrors the proposal). Pure over the store port.
 */
export function ledgerFigures(
  store: Pick<LedgerStore, 'latestOfType' | 'range'>,
  publicKey: Uint8Array,
): LedgerFigures {
  const latest = store.latestOfType(publicKey, BANDWIDTH_TYPE)
  const totals = latest === undefined ? undefined : decodeBandwidthTx(latest.transaction)
  const helped = new Set<string>()
  const helpedBy = new Set<string>()
  if (latest !== undefined) {
    const lowest = Math.max(1, latest.sequenceNumber - MAX_FIGURE_BLOCKS + 1)
    for (let end = latest.sequenceNumber; end >= lowest; end -= PAGE_BLOCKS) {
      const start = Math.max(lowest, end - PAGE_BLOCKS + 1)
      const page: readonly HalfBlock[] = store.range(publicKey, start, end, PAGE_BLOCKS)
      for (const block of page) {
        if (block.type !== BANDWIDTH_TYPE) continue
        const tx = decodeBandwidthTx(block.transaction)
        if (tx === undefined) continue
        const peer = bytesToHex(block.linkPublicKey)
        if (tx.up > 0n) helped.add(peer)
        if (tx.down > 0n) helpedBy.add(peer)
      }
    }
  }
  return {
    uploadedBytes: totals?.totalUp ?? 0n,
    downloadedBytes: totals?.totalDown ?? 0n,
    helped: helped.size,
    helpedBy: helpedBy.size,
  }
}
