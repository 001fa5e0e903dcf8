import { GENESIS_SEQ, MAX_CRAWL_BLOCKS } from './constants.ts'

/** A resolved, inclusive range of sequence numbers. */
export interface SeqRange {
  /** First seq, ≥ 1. */
  readonly startSeq: number
  /** Last seq, ≥ startSeq. */
  readonly endSeq: number
}

/** Largest |seq| a crawl request carries (the wire fields are int32, as py-ipv8's `CrawlRequestPayload`). */
export const MAX_CRAWL_SEQ = 0x7fff_ffff

/** True for a seq a crawl request may carry: a non-zero int32 (negative counts from the latest). */
export function isCrawlSeq(seq: number): boolean {
  return Number.isInteger(seq) && seq !== 0 && seq >= -MAX_CRAWL_SEQ && seq <= MAX_CRAWL_SEQ
}

/**
 * Resolves a `CrawlRequest(pk, start, end)` against the chain's latest seq (ALGORITHMS.md §8,
 * py-ipv8 `TrustChainCommunity.received_crawl_request`): a negative seq counts from the end
 * (−1 = latest), clamped to genesis; the reply holds at most `maxBlocks` from the start.
 * Undefined when the range is empty (nothing stored, or start after end).
 */
export function resolveCrawlRange(
  startSeq: number,
  endSeq: number,
  latestSeq: number,
  maxBlocks: number = MAX_CRAWL_BLOCKS,
): SeqRange | undefined {
  if (latestSeq < GENESIS_SEQ) return undefined
  const start = startSeq < 0 ? Math.max(GENESIS_SEQ, latestSeq + startSeq + 1) : startSeq
  const end = Math.min(
    endSeq < 0 ? Math.max(GENESIS_SEQ, latestSeq + endSeq + 1) : endSeq,
    latestSeq,
    start + maxBlocks - 1,
  )
  return start > end ? undefined : { startSeq: start, endSeq: end }
}
