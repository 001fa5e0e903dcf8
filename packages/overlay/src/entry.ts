import { z } from 'zod'
import { bytesToHex, hexToBytes, type SignatureVerifier } from '@dolly/base'
import { parseQTable, hasProtoKey } from '@dolly/learning'
import { canonicalJson, signingBytes, type JsonValue } from './canonical-json.ts'
import { MAX_CONTACT_ADDRS, MAX_DEBTS_PER_ENTRY, MAX_ENTRY_VALUE_BYTES } from './constants.ts'
import type { EnvelopeSigner } from './envelope.ts'
import type { NetworkErrorCode } from './errors.ts'

/** Kinds of gossiped entries (ALGORITHMS.md §11.2 keys `<kind>/<origin>`). */
export const ENTRY_KINDS = ['contact', 'qtable', 'status', 'hop', 'debt'] as const
/** One of ENTRY_KINDS. */
export type EntryKind = (typeof ENTRY_KINDS)[number]

const nodeId = z.string().regex(/^[0-9a-f]{64}$/)
const entrySchema = z.strictObject({
  kind: z.enum(ENTRY_KINDS),
  origin: nodeId,
  version: z.number().int().nonnegative(),
  value: z.unknown(),
  sig: z.string().regex(/^[0-9a-f]{128}$/),
})

/**
 * A gossiped fact, signed by its origin: its contact record, its latest Q-table, or its status
 * summary. `version` is the origin's clock at signing (ms), so a newer one replaces an older one.
 */
export interface SignedEntry {
  readonly kind: EntryKind
  /** Hex Ed25519 public key of the agent the entry is about, which also signed it. */
  readonly origin: string
  readonly version: number
  readonly value: JsonValue
  readonly sig: string
}

/** `<kind>/<origin>`, the anti-entropy key. */
export function entryKey(entry: Pick<SignedEntry, 'kind' | 'origin'>): string {
  return `${entry.kind}/${entry.origin}`
}

const addr = z.string().min(1).max(256)
const contactSchema = z.strictObject({
  /** Where the agent listens: multiaddrs on libp2p, names on the memory transport. */
  addrs: z.array(addr).max(MAX_CONTACT_ADDRS),
  /** X25519 public key (hex) direct messages to this agent are encrypted to. */
  dhKey: z.string().regex(/^[0-9a-f]{64}$/),
  /** Family tree path ("0", "0.1", "0.1.3"; DESIGN.md §4). */
  treePath: z.string().regex(/^[A-Za-z0-9_-]{1,64}(\.\d{1,10}){0,200}$/),
  /** After this instant (ms) the record is void until its owner signs a new one. */
  expiresMs: z.number().int().nonnegative(),
})
/** The value of a `contact/<id>` entry. */
export type ContactValue = z.infer<typeof contactSchema>

const statusSchema = z.strictObject({
  treePath: z.string().max(400),
  /** Lifecycle state name, for the dashboard. */
  state: z.string().max(64),
  host: z.string().max(256),
  balanceSats: z.string().regex(/^[0-9]{1,20}$/),
  contacts: z.number().int().nonnegative().max(1_000_000),
})
/** The value of a `status/<id>` entry: an agent's summary for the dashboard. */
export type StatusValue = z.infer<typeof statusSchema>

const hopSchema = z.strictObject({
  /** The agent's long-term X25519 tunnel public key (hex), the `B` of the circuit handshake. */
  tunnelKey: z.string().regex(/^[0-9a-f]{64}$/),
  /** Joins circuits as a middle hop. */
  relay: z.boolean(),
  /** Joins circuits as their last hop and connects out under its exit policy. */
  exit: z.boolean(),
  /** After this instant (ms) the advertisement is void until its owner signs a new one. */
  expiresMs: z.number().int().nonnegative(),
})
/**
 * The value of a `hop/<id>` entry: the agent's tunnel roles and key (issue 16). The hop's libp2p
 * peer id is derived from the entry's origin, so it cannot disagree with the signer.
 */
export type HopValue = z.infer<typeof hopSchema>

const U64_LIMIT = 1n << 64n
const debtRecordSchema = z.strictObject({
  /** The debtor's tunnel peer id (its libp2p peer id, which names its Ed25519 key). */
  debtor: z.string().regex(/^[A-Za-z0-9]{1,128}$/),
  /** Unpaid bytes when the origin cut it: a decimal u64 above 0. */
  unpaidBytes: z
    .string()
    .regex(/^[1-9][0-9]{0,19}$/)
    .refine((s) => BigInt(s) < U64_LIMIT, 'unpaidBytes above u64'),
  /** When the origin cut it (the origin's clock), ms. */
  atMs: z.number().int().nonnegative(),
  /** The record's own Ed25519 signature by the origin (hex; plebnet's tunnels/debts.ts format). */
  sig: z.string().regex(/^[0-9a-f]{128}$/),
})
const debtSchema = z.strictObject({
  debts: z
    .array(debtRecordSchema)
    .max(MAX_DEBTS_PER_ENTRY)
    .refine((list) => new Set(list.map((d) => d.debtor)).size === list.length, 'a debtor listed twice'),
})
/** One unpaid-debt record inside a `debt/<id>` entry. */
export type DebtRecord = z.infer<typeof debtRecordSchema>
/**
 * The value of a `debt/<id>` entry (issue 16): the initiators the origin cut for not paying
 * (TUNNEL_UNPAID), newest record per debtor, at most MAX_DEBTS_PER_ENTRY. The creditor is the
 * entry's origin; readers count it only from family or known origins (`AgentNetwork.debts`).
 */
export type DebtValue = z.infer<typeof debtSchema>

const ENTRY_DOMAIN = 'dolly-entry-v1'

function signedPart(entry: Omit<SignedEntry, 'sig'>): unknown {
  return { kind: entry.kind, origin: entry.origin, version: entry.version, value: entry.value }
}

/** Signs an entry about ourselves. */
export function signEntry(
  signer: EnvelopeSigner,
  entry: { readonly kind: EntryKind; readonly version: number; readonly value: JsonValue },
): SignedEntry {
  const unsigned = { ...entry, origin: bytesToHex(signer.publicKey) }
  return { ...unsigned, sig: bytesToHex(signer.sign(signingBytes(ENTRY_DOMAIN, signedPart(unsigned)))) }
}

/** A validated entry, or the code it was refused with. */
export type ParsedEntry =
  | { readonly ok: true; readonly entry: SignedEntry }
  | { readonly ok: false; readonly code: NetworkErrorCode; readonly detail: string }

/**
 * Validates an untrusted entry: strict schema, value size, the kind's own value schema (a Q-table
 * through the learning core's strict codec), then the origin's signature. Never throws.
 */
export function parseEntry(input: unknown, verifier: SignatureVerifier): ParsedEntry {
  if (hasProtoKey(input)) return bad('NETWORK_ENTRY_MALFORMED', 'carries a __proto__ key')
  const parsed = entrySchema.safeParse(input)
  if (!parsed.success) return bad('NETWORK_ENTRY_MALFORMED', parsed.error.issues[0]?.message ?? 'invalid')
  const raw = parsed.data
  let canonical: string
  try {
    canonical = canonicalJson(raw.value)
  } catch {
    return bad('NETWORK_ENTRY_MALFORMED', 'value is not JSON data')
  }
  if (canonical.length > MAX_ENTRY_VALUE_BYTES)
    return bad(
      'NETWORK_ENVELOPE_OVERSIZED',
      `${raw.kind} value of ${canonical.length} bytes, limit ${MAX_ENTRY_VALUE_BYTES}`,
    )
  const valueOk = checkValue(raw.kind, raw.value)
  if (valueOk !== undefined) return bad('NETWORK_ENTRY_MALFORMED', `${raw.kind}: ${valueOk}`)
  const entry: SignedEntry = { ...raw, value: raw.value as JsonValue }
  const key = hexToBytes(entry.origin)
  const sig = hexToBytes(entry.sig)
  if (
    key === undefined ||
    sig === undefined ||
    !verifier.verify(key, signingBytes(ENTRY_DOMAIN, signedPart(entry)), sig)
  )
    return bad('NETWORK_SIGNATURE_BAD', `${entry.kind} entry not signed by ${entry.origin.slice(0, 16)}…`)
  return { ok: true, entry }
}

function checkValue(kind: EntryKind, value: unknown): string | undefined {
  switch (kind) {
    case 'contact': {
      const r = contactSchema.safeParse(value)
      return r.success ? undefined : (r.error.issues[0]?.message ?? 'invalid')
    }
    case 'status': {
      const r = statusSchema.safeParse(value)
      return r.success ? undefined : (r.error.issues[0]?.message ?? 'invalid')
    }
    case 'hop': {
      const r = hopSchema.safeParse(value)
      return r.success ? undefined : (r.error.issues[0]?.message ?? 'invalid')
    }
    case 'debt': {
      const r = debtSchema.safeParse(value)
      return r.success ? undefined : (r.error.issues[0]?.message ?? 'invalid')
    }
    case 'qtable':
      try {
        parseQTable(value)
        return undefined
      } catch (err) {
        return err instanceof Error ? err.message : 'invalid Q-table'
      }
    default: {
      const never: never = kind
      return `unknown kind ${String(never)}`
    }
  }
}

/** The contact value of a validated contact entry. */
export function contactOf(entry: SignedEntry): ContactValue | undefined {
  if (entry.kind !== 'contact') return undefined
  const r = contactSchema.safeParse(entry.value)
  return r.success ? r.data : undefined
}

/** The status value of a validated status entry. */
export function statusOf(entry: SignedEntry): StatusValue | undefined {
  if (entry.kind !== 'status') return undefined
  const r = statusSchema.safeParse(entry.value)
  return r.success ? r.data : undefined
}

function bad(code: NetworkErrorCode, detail: string): ParsedEntry {
  return { ok: false, code, detail }
}

/** The hop value of a validated hop entry. */
export function hopOf(entry: SignedEntry): HopValue | undefined {
  if (entry.kind !== 'hop') return undefined
  const r = hopSchema.safeParse(entry.value)
  return r.success ? r.data : undefined
}

/** The debt value of a validated debt entry. */
export function debtOf(entry: SignedEntry): DebtValue | undefined {
  if (entry.kind !== 'debt') return undefined
  const r = debtSchema.safeParse(entry.value)
  return r.success ? r.data : undefined
}
