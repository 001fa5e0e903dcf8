import { createNullLogger, errorCode, type AbortOptions, type Clock, type Logger } from '@dolly/base'
import { bytesEqual, bytesToHex } from '@dolly/base'
import { MAX_CRAWL_BLOCKS, MAX_CRAWL_REQUESTS } from '../constants.ts'
import { resolveCrawlRange } from '../crawl-range.ts'
import { decodeBlock, type HalfBlock } from '../half-block.ts'
import type { Ledger } from '../ledger.ts'
import type { LedgerStore, LedgerTransport } from '../ports.ts'
import { decodeResponse, encodeRequest, encodeResponse } from './messages.ts'
import { withTimeout } from './timeout.ts'

/**
 * The crawl (ALGORITHMS.md §8, py-ipv8 `CrawlRequest`): ask a peer for a range of a chain by
 * sequence number (negative counts from the latest), at most 100 blocks per reply; every block
 * received is validated and stored like any other, or refused with its code.
 */

/** Outcome of a crawl: the valid blocks received (stored now or before) and what was refused. */
export type CrawlResult =
  | {
      readonly ok: true
      readonly blocks: readonly HalfBlock[]
      readonly rejected: readonly { readonly code: string; readonly reason: string }[]
    }
  | { readonly ok: false; readonly code: string; readonly reason: string }

/** Ports of the crawler. */
export interface CrawlerDeps {
  /** Validates and stores what arrives. */
  readonly ledger: Ledger
  /** Answers crawls and finds where our copy of a chain stops. */
  readonly store: LedgerStore
  /** How to reach peers. */
  readonly transport: LedgerTransport
  /** Request timeouts. */
  readonly clock: Clock
  /** Refused blocks are logged; default silent. */
  readonly logger?: Logger
}

/** Both ends of the crawl. */
export interface Crawler {
  /** Asks `peer` for blocks of `publicKey` with seq in [startSeq, endSeq] and stores the valid ones. */
  crawl(
    peer: Uint8Array,
    publicKey: Uint8Array,
    startSeq: number,
    endSeq: number,
    options?: AbortOptions,
  ): Promise<CrawlResult>
  /** Crawls `publicKey`'s chain from `peer` in batches of 100, from the first block we lack to the peer's latest. */
  crawlChain(peer: Uint8Array, publicKey: Uint8Array, options?: AbortOptions): Promise<CrawlResult>
  /** The encoded reply to a crawl request for our store's copy of `publicKey`. */
  answer(publicKey: Uint8Array, startSeq: number, endSeq: number): Uint8Array
}

/** Builds the crawler of one agent; `crawlTimeoutMs` bounds each request. */
export function createCrawler(deps: CrawlerDeps, crawlTimeoutMs: number): Crawler {
  const { ledger, store, transport, clock } = deps
  const logger = deps.logger ?? createNullLogger()

  const crawl = async (
    peer: Uint8Array,
    publicKey: Uint8Array,
    startSeq: number,
    endSeq: number,
    opts: AbortOptions = {},
  ): Promise<CrawlResult> => {
    const request = encodeRequest({ kind: 'crawl', publicKey, startSeq, endSeq })
    let reply: Uint8Array
    try {
      reply = await withTimeout(clock, crawlTimeoutMs, opts.signal, 'crawl', (signal) =>
        transport.request(peer, request, { signal }),
      )
    } catch (err) {
      const code = errorCode(err)
      if (code === 'LEDGER_TIMEOUT' || code === 'LEDGER_PEER_UNREACHABLE')
        return { ok: false, code, reason: String(err) }
      throw err
    }
    const response = decodeResponse(reply)
    if (response?.kind === 'refused') return { ok: false, code: response.code, reason: response.reason }
    if (response?.kind !== 'blocks')
      return { ok: false, code: 'LEDGER_MESSAGE_MALFORMED', reason: 'a crawl reply must be a list of blocks' }
    const blocks: HalfBlock[] = []
    const rejected: { code: string; reason: string }[] = []
    const decoded = response.blocks.map(decodeBlock)
    const inRange = (b: HalfBlock): boolean =>
      bytesEqual(b.publicKey, publicKey) &&
      (startSeq < 0 || b.sequenceNumber >= startSeq) &&
      (endSeq < 0 || b.sequenceNumber <= endSeq)
    // One reply, one commit: up to 100 blocks stored in a single transaction.
    ledger.batch(() => {
      for (const d of decoded.sort(
        (x, y) => (x.ok ? x.block.sequenceNumber : 0) - (y.ok ? y.block.sequenceNumber : 0),
      )) {
        if (!d.ok) {
          rejected.push({ code: d.code, reason: d.reason })
        } else if (!inRange(d.block)) {
          rejected.push({
            code: 'LEDGER_RANGE_INVALID',
            reason: `block ${d.block.sequenceNumber} is outside the requested chain or range`,
          })
        } else {
          const added = ledger.add(d.block)
          if (added.ok || added.code === 'LEDGER_BLOCK_DUPLICATE') blocks.push(d.block)
          else rejected.push({ code: added.code, reason: added.reason })
        }
      }
    })
    if (rejected.length > 0)
      logger.warn('ledger.crawl_rejected', {
        peer: bytesToHex(peer),
        count: rejected.length,
        firstCode: rejected[0]?.code,
      })
    return { ok: true, blocks, rejected }
  }

  const answer = (publicKey: Uint8Array, startSeq: number, endSeq: number): Uint8Array => {
    const range = resolveCrawlRange(startSeq, endSeq, store.latest(publicKey)?.sequenceNumber ?? 0)
    const blocks =
      range === undefined ? [] : store.range(publicKey, range.startSeq, range.endSeq, MAX_CRAWL_BLOCKS)
    return encodeResponse({ kind: 'blocks', blocks: blocks.map((b) => b.bytes) })
  }

  return {
    crawl,
    answer,
    async crawlChain(peer, publicKey, opts = {}): Promise<CrawlResult> {
      const all: HalfBlock[] = []
      const rejected: { code: string; reason: string }[] = []
      let start = contiguousPrefix(store, publicKey) + 1
      for (let i = 0; i < MAX_CRAWL_REQUESTS; i++) {
        const batch = await crawl(peer, publicKey, start, start + MAX_CRAWL_BLOCKS - 1, opts)
        if (!batch.ok)
          return all.length === 0
            ? batch
            : { ok: true, blocks: all, rejected: [...rejected, { code: batch.code, reason: batch.reason }] }
        all.push(...batch.blocks)
        rejected.push(...batch.rejected)
        if (batch.blocks.length < MAX_CRAWL_BLOCKS || batch.rejected.length > 0) break
        start += MAX_CRAWL_BLOCKS
      }
      return { ok: true, blocks: all, rejected }
    },
  }
}

/** The highest seq such that blocks 1..seq of the chain are all stored (0 when genesis is missing). */
function contiguousPrefix(store: LedgerStore, publicKey: Uint8Array): number {
  const pageBlocks = 1000
  let known = 0
  for (;;) {
    const page = store.range(publicKey, known + 1, known + pageBlocks, pageBlocks)
    for (const block of page) {
      if (block.sequenceNumber !== known + 1) return known
      known++
    }
    if (page.length < pageBlocks) return known
  }
}
