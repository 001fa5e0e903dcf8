import { civilFromDays } from '@dolly/base'
import type { LifecycleState } from '../lifecycle/state.ts'

/**
 * The postcard (AGENT.md §14): after each child is installed, the parent mails the operator
 * `PlebNet child <tree> is alive` with what it knows of the child. The root password is in it only
 * with `postcard.include_secrets = 1`. Pure: the message, which children are due one, and the
 * journal that makes each postcard go once (a restart does not resend) and retries a failed send a
 * bounded number of times.
 */

/** What a postcard says about one child. */
export interface PostcardFacts {
  readonly parentTree: string
  readonly childTree: string
  /** The child's IRC nick, when the parent knows it. */
  readonly childNick?: string
  readonly provider: string
  readonly option: string
  readonly ip: string
  readonly priceSats: bigint
  readonly txid: string | null
  /** World ms the purchase was decided. */
  readonly purchasedAtMs: number
  /** World ms the install succeeded. */
  readonly installedAtMs: number
  /** The child's genome (the JSON of `serializeGenome`), when the parent kept it. */
  readonly genome?: unknown
  /** The child's root password (the one the parent set), when the parent kept it. */
  readonly rootPassword?: string
}

/** A plain-text e-mail. */
export interface MailMessage {
  readonly subject: string
  readonly text: string
}

/** `YYYY-MM-DDTHH:MM:SSZ` of Unix ms `ms` (UTC; proleptic Gregorian, civil-from-days). */
export function isoTime(ms: number): string {
  const totalS = Math.floor(ms / 1000)
  const days = Math.floor(totalS / 86_400)
  const secs = totalS - days * 86_400
  const { year: y, month: m, day: d } = civilFromDays(days)
  const p2 = (n: number): string => String(n).padStart(2, '0')
  return `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}T${p2(Math.floor(secs / 3600))}:${p2(Math.floor((secs % 3600) / 60))}:${p2(secs % 60)}Z`
}

/** The subject of a child's postcard (AGENT.md §14). */
export function postcardSubject(childTree: string): string {
  return `PlebNet child ${childTree} is alive`
}

/** The postcard for `facts`; the root password only when `includeSecrets`. */
export function postcardMessage(
  facts: PostcardFacts,
  options: { readonly includeSecrets: boolean },
): MailMessage {
  const secret = !options.includeSecrets
    ? 'withheld (set postcard.include_secrets = 1 to include it)'
    : (facts.rootPassword ?? 'not known')
  const lines = [
    `PlebNet child ${facts.childTree} is alive.`,
    '',
    `Parent tree:   ${facts.parentTree}`,
    `Child tree:    ${facts.childTree}`,
    `Child nick:    ${facts.childNick ?? 'not known yet'}`,
    `Provider:      ${facts.provider}`,
    `Option:        ${facts.option}`,
    `IP:            ${facts.ip}`,
    `Price paid:    ${facts.priceSats.toString()} sat`,
    `Txid:          ${facts.txid ?? 'none'}`,
    `Purchased at:  ${isoTime(facts.purchasedAtMs)}`,
    `Installed at:  ${isoTime(facts.installedAtMs)}`,
    `Root password: ${secret}`,
    '',
    'Genome:',
    facts.genome === undefined ? 'not known' : JSON.stringify(facts.genome, null, 2),
    '',
  ]
  return { subject: postcardSubject(facts.childTree), text: lines.join('\n') }
}

/** One child's postcard in the journal. */
export interface PostcardEntry {
  readonly childTree: string
  /** World ms the child was first seen installed (the postcard's install time). */
  readonly installedAtMs: number
  readonly attempts: number
  /** World ms before which no new attempt is made. */
  readonly nextTryMs: number
  /** World ms it was sent; null while not. */
  readonly sentAtMs: number | null
  /** The last failure (redaction is the logger's), null when none. */
  readonly lastError: string | null
}

/** The postcard journal (`postcards.json`): one entry per installed child. */
export interface PostcardJournal {
  readonly version: 1
  readonly entries: readonly PostcardEntry[]
}

/** Sends to give up after (AGENT.md §14: a failed send is retried, boundedly). */
export const POSTCARD_MAX_ATTEMPTS = 5
/** World ms before the first retry; doubled per failure up to {@link POSTCARD_BACKOFF_MAX_MS}. */
export const POSTCARD_BACKOFF_MS = 60_000
/** The longest wait between two attempts (world ms: a day). */
export const POSTCARD_BACKOFF_MAX_MS = 86_400_000
/** Entries kept in the journal (the oldest sent ones are dropped beyond it). */
const MAX_ENTRIES = 1_000

/** The empty journal. */
export const EMPTY_JOURNAL: PostcardJournal = { version: 1, entries: [] }

/** Children of `state` that are installed (stage installed or dowered, a tree path known), oldest first. */
export function installedChildren(state: LifecycleState): LifecycleState['items'] {
  return state.items.filter((i) => (i.stage === 'installed' || i.stage === 'dowered') && i.childTree !== null)
}

/**
 * The journal with an entry for every installed child of `state` it lacks (install time: the
 * state's `installed` event for it, else `nowMs`).
 */
export function withNewChildren(
  journal: PostcardJournal,
  state: LifecycleState,
  nowMs: number,
): PostcardJournal {
  const known = new Set(journal.entries.map((e) => e.childTree))
  const added: PostcardEntry[] = []
  for (const item of installedChildren(state)) {
    const tree = item.childTree
    if (tree === null || known.has(tree)) continue
    const event = state.events.find((e) => e.kind === 'installed' && e.text.startsWith(`child ${tree} `))
    added.push({
      childTree: tree,
      installedAtMs: event?.atMs ?? nowMs,
      attempts: 0,
      nextTryMs: 0,
      sentAtMs: null,
      lastError: null,
    })
    known.add(tree)
  }
  if (added.length === 0) return journal
  const entries = [...journal.entries, ...added]
  // Bounded: sent (or given-up) entries go first when it overflows; pending ones are kept.
  while (entries.length > MAX_ENTRIES) {
    const done = entries.findIndex((e) => e.sentAtMs !== null || e.attempts >= POSTCARD_MAX_ATTEMPTS)
    entries.splice(done === -1 ? 0 : done, 1)
  }
  return { version: 1, entries }
}

/** Entries due a send at `nowMs`: not sent, attempts left, backoff passed. */
export function duePostcards(journal: PostcardJournal, nowMs: number): PostcardEntry[] {
  return journal.entries.filter(
    (e) => e.sentAtMs === null && e.attempts < POSTCARD_MAX_ATTEMPTS && e.nextTryMs <= nowMs,
  )
}

/** The journal after an attempt at `tree`'s postcard: sent at `nowMs`, or failed with `error`. */
export function recordAttempt(
  journal: PostcardJournal,
  tree: string,
  nowMs: number,
  result: { readonly sent: true } | { readonly sent: false; readonly error: string },
): PostcardJournal {
  return {
    version: 1,
    entries: journal.entries.map((e) => {
      if (e.childTree !== tree) return e
      const attempts = e.attempts + 1
      if (result.sent) return { ...e, attempts, sentAtMs: nowMs, lastError: null }
      const backoff = Math.min(POSTCARD_BACKOFF_MAX_MS, POSTCARD_BACKOFF_MS * 2 ** (attempts - 1))
      return { ...e, attempts, nextTryMs: nowMs + backoff, lastError: result.error.slice(0, 300) }
    }),
  }
}

/**
 * Parses a stored journal; undefined for anything else (the caller starts afresh only where no file
 * exists: a damaged file must not send every postcard again).
 */
export function parsePostcardJournal(json: unknown): PostcardJournal | undefined {
  if (typeof json !== 'object' || json === null) return undefined
  const j = json as { version?: unknown; entries?: unknown }
  if (j.version !== 1 || !Array.isArray(j.entries) || j.entries.length > MAX_ENTRIES) return undefined
  const entries: PostcardEntry[] = []
  for (const raw of j.entries as unknown[]) {
    if (typeof raw !== 'object' || raw === null) return undefined
    const e = raw as Record<string, unknown>
    const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
    if (
      typeof e['childTree'] !== 'string' ||
      !int(e['installedAtMs']) ||
      !int(e['attempts']) ||
      !int(e['nextTryMs']) ||
      !(e['sentAtMs'] === null || int(e['sentAtMs'])) ||
      !(e['lastError'] === null || typeof e['lastError'] === 'string')
    )
      return undefined
    entries.push({
      childTree: e['childTree'],
      installedAtMs: e['installedAtMs'],
      attempts: e['attempts'],
      nextTryMs: e['nextTryMs'],
      sentAtMs: e['sentAtMs'],
      lastError: e['lastError'],
    })
  }
  return { version: 1, entries }
}
