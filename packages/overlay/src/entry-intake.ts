import type { SignatureVerifier } from '@dolly/base'
import { parseEntry, type EntryKind, type SignedEntry } from './entry.ts'
import type { EntryStore } from './entry-store.ts'
import type { NetworkErrorCode } from './errors.ts'

/** What intake checks entries against. */
export interface IntakeContext {
  readonly store: EntryStore
  readonly verifier: SignatureVerifier
  /** Our id: we are the only authority on our own entries, so copies of them are ignored. */
  readonly selfId: string
  readonly nowMs: number
  readonly reject: (code: NetworkErrorCode, detail: string) => void
  /** What this message may carry (network README, "Sybil resistance"); default anything. */
  readonly allow?: {
    /** Entry kinds it may carry. */
    readonly kinds: ReadonlySet<EntryKind>
    /** When set, only entries about this origin (the sender's own contact in hello and digest). */
    readonly origin?: string
  }
}

/** Result of an intake: the latest contact held for every contact offered, and what was newly stored. */
export interface Intake {
  readonly contacts: readonly SignedEntry[]
  readonly accepted: readonly SignedEntry[]
}

/**
 * Validates untrusted entries (strict schema, size, value codec, origin signature) and stores the
 * newer ones. An entry whose key we already hold at that version or newer is skipped before its
 * signature is checked: anti-entropy resends what a digest missed, and a replayed flood of old
 * entries must not cost a verification each.
 */
export function intakeEntries(raws: readonly unknown[], ctx: IntakeContext): Intake {
  const contacts: SignedEntry[] = []
  const accepted: SignedEntry[] = []
  for (const raw of raws) {
    const peek = raw as { kind?: unknown; origin?: unknown; version?: unknown } | null
    if (
      ctx.allow !== undefined &&
      (!ctx.allow.kinds.has(peek?.kind as EntryKind) ||
        (ctx.allow.origin !== undefined && peek?.origin !== ctx.allow.origin))
    ) {
      ctx.reject('NETWORK_ENTRY_REFUSED', `${String(peek?.kind)} entry not allowed in this message`)
      continue
    }
    if (
      typeof peek?.kind === 'string' &&
      typeof peek.origin === 'string' &&
      typeof peek.version === 'number'
    ) {
      const held = ctx.store.get(peek.kind as EntryKind, peek.origin)
      if (held !== undefined && held.version >= peek.version) {
        if (held.kind === 'contact') contacts.push(held)
        continue
      }
    }
    const parsed = parseEntry(raw, ctx.verifier)
    if (!parsed.ok) {
      ctx.reject(parsed.code, parsed.detail)
      continue
    }
    const entry = parsed.entry
    if (entry.origin === ctx.selfId) continue
    const result = ctx.store.accept(entry, ctx.nowMs)
    if (result === 'full') {
      ctx.reject('NETWORK_STORE_FULL', `no room for ${entry.kind} of stranger ${entry.origin.slice(0, 16)}…`)
      continue
    }
    const latest = ctx.store.get(entry.kind, entry.origin)
    if (entry.kind === 'contact' && latest !== undefined) contacts.push(latest)
    if (result === 'accepted') accepted.push(entry)
  }
  return { contacts, accepted }
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/** Decodes a broadcast (gossipsub) message into one raw entry for `intakeEntries`, or a rejection code. */
export function decodeBroadcast(
  data: Uint8Array,
  maxBytes: number,
):
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: NetworkErrorCode; readonly detail: string } {
  if (data.byteLength > maxBytes)
    return { ok: false, code: 'NETWORK_ENVELOPE_OVERSIZED', detail: `broadcast of ${data.byteLength} bytes` }
  try {
    return { ok: true, value: JSON.parse(decoder.decode(data)) }
  } catch {
    return { ok: false, code: 'NETWORK_ENTRY_MALFORMED', detail: 'broadcast is not UTF-8 JSON' }
  }
}
