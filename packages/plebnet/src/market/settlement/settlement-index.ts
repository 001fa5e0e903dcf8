import { createNullLogger, openLineJournalFile, type Logger } from '@dolly/base'
import { SettlementError } from './errors.ts'

/**
 * The settlement adapters' own journal (`<home>/market-settlement.jsonl`, base's line journal: an
 * fsync per line, a torn tail cut): what the ledger's half-blocks and the wallet cannot carry. A
 * bandwidth transaction has no room for an idempotency key, so a transfer's key is journaled before
 * its proposal is signed (`transfer-intent`, with our chain's latest seq then), the proposal's seq as
 * soon as it is stored (`transfer-proposed`), and its countersigned ref after (`transfer-done`). A
 * trade's receive address is journaled once handed out (`address`), so it stays the trade's address.
 * A trade where we buy MB gets a floor before its first journal entry (`trade-floor`: our chain's
 * latest seq then): a transfer counts for it only if we countersigned it after that.
 */
export type SettlementIndexEntry =
  | {
      readonly kind: 'transfer-intent'
      readonly key: string
      /** Payee key, hex. */
      readonly to: string
      readonly bytes: bigint
      /** Our chain's latest seq when the intent was written: the proposal comes after it. */
      readonly afterSeq: number
    }
  | { readonly kind: 'transfer-proposed'; readonly key: string; readonly seq: number }
  | { readonly kind: 'transfer-done'; readonly key: string; readonly ref: string }
  | { readonly kind: 'address'; readonly tradeId: string; readonly address: string }
  | { readonly kind: 'trade-floor'; readonly tradeId: string; readonly seq: number }

/** A transfer as the index knows it. */
export interface IndexedTransfer {
  readonly key: string
  readonly to: string
  readonly bytes: bigint
  readonly afterSeq: number
  seq: number | undefined
  ref: string | undefined
}

/** The index, folded in memory over its file. */
export interface SettlementIndex {
  /** Reads the file once (later calls return the same promise). */
  load(): Promise<void>
  /** Appends durably, then folds. */
  append(entry: SettlementIndexEntry): Promise<void>
  transfer(key: string): IndexedTransfer | undefined
  /** Whether own seq `seq` is claimed by a transfer other than `key`. */
  seqClaimed(seq: number, key: string): boolean
  address(tradeId: string): string | undefined
  /** Our chain's latest seq before the trade's first journal entry, if recorded. */
  floor(tradeId: string): number | undefined
}

/** Settlement index file name in the agent's home. */
export const SETTLEMENT_INDEX_FILE = 'market-settlement.jsonl'

const encode = (e: SettlementIndexEntry): string =>
  JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))

function corrupt(where: string, why: string): never {
  throw new SettlementError(
    'SETTLEMENT_INDEX_CORRUPT',
    `settlement index ${where}: ${why}; restore it from a backup`,
    {
      where,
    },
  )
}

function decode(line: string, where: string): SettlementIndexEntry {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch {
    return corrupt(where, 'not JSON')
  }
  if (typeof v !== 'object' || v === null) return corrupt(where, 'not an object')
  const o = v as Record<string, unknown>
  const str = (k: string): string =>
    typeof o[k] === 'string' ? (o[k] as string) : corrupt(where, `${k} missing`)
  const int = (k: string): number =>
    Number.isSafeInteger(o[k]) && (o[k] as number) >= 0 ? (o[k] as number) : corrupt(where, `${k} missing`)
  switch (o.kind) {
    case 'transfer-intent': {
      const bytes = str('bytes')
      if (!/^[1-9][0-9]*$/.test(bytes)) corrupt(where, 'bytes is not a positive integer')
      return {
        kind: 'transfer-intent',
        key: str('key'),
        to: str('to'),
        bytes: BigInt(bytes),
        afterSeq: int('afterSeq'),
      }
    }
    case 'transfer-proposed':
      return { kind: 'transfer-proposed', key: str('key'), seq: int('seq') }
    case 'transfer-done':
      return { kind: 'transfer-done', key: str('key'), ref: str('ref') }
    case 'address':
      return { kind: 'address', tradeId: str('tradeId'), address: str('address') }
    case 'trade-floor':
      return { kind: 'trade-floor', tradeId: str('tradeId'), seq: int('seq') }
    default:
      return corrupt(where, `unknown kind ${String(o.kind)}`)
  }
}

/** The index at `file` (created on first append). */
export function openSettlementIndex(file: string, log: Logger = createNullLogger()): SettlementIndex {
  const lines = openLineJournalFile(file, { log, event: 'market.settlement_index_tail_repaired' })
  const transfers = new Map<string, IndexedTransfer>()
  const seqs = new Map<number, string>()
  const addresses = new Map<string, string>()
  const floors = new Map<string, number>()
  let loaded: Promise<void> | undefined

  const fold = (e: SettlementIndexEntry): void => {
    switch (e.kind) {
      case 'transfer-intent':
        if (!transfers.has(e.key))
          transfers.set(e.key, {
            key: e.key,
            to: e.to,
            bytes: e.bytes,
            afterSeq: e.afterSeq,
            seq: undefined,
            ref: undefined,
          })
        return
      case 'transfer-proposed': {
        const t = transfers.get(e.key)
        if (t !== undefined) t.seq = e.seq
        seqs.set(e.seq, e.key)
        return
      }
      case 'transfer-done': {
        const t = transfers.get(e.key)
        if (t !== undefined) t.ref = e.ref
        return
      }
      case 'address':
        if (!addresses.has(e.tradeId)) addresses.set(e.tradeId, e.address)
        return
      case 'trade-floor':
        if (!floors.has(e.tradeId)) floors.set(e.tradeId, e.seq)
    }
  }

  return {
    load() {
      loaded ??= lines.readLines().then((all) => {
        all.forEach((line, i) => fold(decode(line, `${file}:${i + 1}`)))
      })
      return loaded
    },
    async append(entry) {
      await lines.append(encode(entry))
      fold(entry)
    },
    transfer: (key) => transfers.get(key),
    seqClaimed(seq, key) {
      const owner = seqs.get(seq)
      return owner !== undefined && owner !== key
    },
    address: (tradeId) => addresses.get(tradeId),
    floor: (tradeId) => floors.get(tradeId),
  }
}
