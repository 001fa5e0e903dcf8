/**
 * The purchase journal (CLOUDOMATE.md §15.5): an append-only log of purchase states. Writing `paying`
 * before the wallet is called, and folding the log on every start, is what makes a retried purchase
 * never pay an invoice twice. The fold and the look-ups are pure; `JournalStore` does the I/O.
 */
import { z } from 'zod'
import { CloudomateError } from '../errors.ts'

/** States of a purchase: `started → quoted → paying → paid → active | failed | expired | refused | unknown`. */
export type PurchaseState =
  'started' | 'quoted' | 'paying' | 'paid' | 'active' | 'failed' | 'expired' | 'refused' | 'unknown'

/** One journal line. Fields accumulate: a later line only carries what changed. */
export interface JournalEntry {
  readonly purchaseId: string
  readonly state: PurchaseState
  readonly atMs: number
  readonly provider?: string
  readonly optionId?: string
  readonly gateway?: string
  readonly invoiceId?: string
  readonly invoiceUrl?: string
  readonly address?: string
  readonly amountSats?: bigint
  readonly expectedSats?: bigint
  readonly expiresAtMs?: number
  readonly txid?: string
  readonly reason?: string
}

/** The folded view of one purchase. */
export interface PurchaseRecord {
  readonly purchaseId: string
  readonly state: PurchaseState
  readonly provider: string
  readonly optionId: string
  readonly gateway?: string
  readonly invoiceId?: string
  readonly invoiceUrl?: string
  readonly address?: string
  readonly amountSats?: bigint
  readonly expectedSats?: bigint
  readonly expiresAtMs?: number
  readonly txid?: string
  readonly reason?: string
  readonly startedAtMs: number
  /** When `paying` was written. */
  readonly payingAtMs?: number
  /** When `quoted` was written: the quote's age counts from here (see `QUOTE_MAX_AGE_MS`). */
  readonly quotedAtMs?: number
  readonly updatedAtMs: number
}

/** Durable storage of the journal (adapter: a JSONL file, fsync per line). */
export interface JournalStore {
  append(entry: JournalEntry): Promise<void>
  readAll(): Promise<readonly JournalEntry[]>
}

/** States after which the invoice must never be paid again. */
export const PAID_OR_LATER: ReadonlySet<PurchaseState> = new Set([
  'paying',
  'paid',
  'active',
  'failed',
  'unknown',
])

/** Folds entries (in order) into one record per purchase. */
export function foldJournal(entries: readonly JournalEntry[]): ReadonlyMap<string, PurchaseRecord> {
  const out = new Map<string, PurchaseRecord>()
  for (const e of entries) {
    const prev = out.get(e.purchaseId)
    const next: PurchaseRecord = {
      ...(prev ?? { purchaseId: e.purchaseId, provider: '', optionId: '', startedAtMs: e.atMs }),
      ...definedFields(e),
      state: e.state,
      updatedAtMs: e.atMs,
      ...(e.state === 'paying' ? { payingAtMs: e.atMs } : {}),
      ...(e.state === 'quoted' ? { quotedAtMs: e.atMs } : {}),
    }
    out.set(e.purchaseId, next)
  }
  return out
}

function definedFields(e: JournalEntry): Partial<PurchaseRecord> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(e)) if (v !== undefined && k !== 'atMs' && k !== 'state') out[k] = v
  return out as Partial<PurchaseRecord>
}

/** True when an invoice `(provider, invoiceId, address)` is already being paid or was paid. */
export function invoiceAlreadyPaid(
  records: ReadonlyMap<string, PurchaseRecord>,
  key: { provider: string; invoiceId: string; address: string },
): PurchaseRecord | undefined {
  for (const r of records.values()) {
    if (
      r.provider === key.provider &&
      r.invoiceId === key.invoiceId &&
      r.address === key.address &&
      PAID_OR_LATER.has(r.state)
    )
      return r
  }
  return undefined
}

/** Window in which one address under two different invoices is refused (§15.5): 30 days. */
export const ADDRESS_REUSE_WINDOW_MS = 30 * 86_400_000

/** A purchase of the last 30 days that used `address` for another invoice, if any. */
export function addressReusedElsewhere(
  records: ReadonlyMap<string, PurchaseRecord>,
  key: { invoiceId: string; address: string; nowMs: number },
): PurchaseRecord | undefined {
  for (const r of records.values()) {
    if (
      r.address === key.address &&
      r.invoiceId !== key.invoiceId &&
      key.nowMs - r.updatedAtMs < ADDRESS_REUSE_WINDOW_MS
    )
      return r
  }
  return undefined
}

const entrySchema = z.object({
  purchaseId: z.string().min(1),
  state: z.enum(['started', 'quoted', 'paying', 'paid', 'active', 'failed', 'expired', 'refused', 'unknown']),
  atMs: z.number().int(),
  provider: z.string().optional(),
  optionId: z.string().optional(),
  gateway: z.string().optional(),
  invoiceId: z.string().optional(),
  invoiceUrl: z.string().optional(),
  address: z.string().optional(),
  amountSats: z
    .string()
    .regex(/^\d+$/)
    .transform((s) => BigInt(s))
    .optional(),
  expectedSats: z
    .string()
    .regex(/^\d+$/)
    .transform((s) => BigInt(s))
    .optional(),
  expiresAtMs: z.number().int().optional(),
  txid: z.string().optional(),
  reason: z.string().optional(),
})

/** Serialises an entry as one JSON line (bigints as decimal strings). */
export function formatJournalLine(entry: JournalEntry): string {
  return JSON.stringify(entry, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}

/**
 * Parses the journal's text. A torn last line (a crash mid-write) is dropped; any other bad line is an
 * error, because silently skipping a `paying` line could lead to paying twice.
 *
 * @throws CloudomateError CLOUDOMATE_JOURNAL_MALFORMED
 */
export function parseJournal(text: string, file: string): readonly JournalEntry[] {
  const lines = text.split('\n')
  const out: JournalEntry[] = []
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch (err) {
      if (i === lines.length - 1) return
      throw new CloudomateError(
        'CLOUDOMATE_JOURNAL_MALFORMED',
        `${file}:${i + 1} is not JSON; repair or move the journal`,
        { file, line: i + 1 },
        { cause: err },
      )
    }
    const parsed = entrySchema.safeParse(json)
    if (!parsed.success) {
      throw new CloudomateError(
        'CLOUDOMATE_JOURNAL_MALFORMED',
        `${file}:${i + 1} is not a journal entry: ${parsed.error.message}`,
        {
          file,
          line: i + 1,
        },
      )
    }
    const d = parsed.data
    const entry: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(d)) if (v !== undefined) entry[k] = v
    out.push(entry as unknown as JournalEntry)
  })
  return out
}

/** An in-memory store (tests, dry runs). */
export function createMemoryJournalStore(): JournalStore & { readonly entries: readonly JournalEntry[] } {
  const entries: JournalEntry[] = []
  return {
    entries,
    append: async (entry) => {
      entries.push(entry)
    },
    readAll: async () => [...entries],
  }
}
