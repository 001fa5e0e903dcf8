import type { Clock, Logger } from '@dolly/base'
import type { LifecycleState, PurchaseItem } from '../lifecycle/state.ts'
import {
  EMPTY_JOURNAL,
  POSTCARD_MAX_ATTEMPTS,
  duePostcards,
  postcardMessage,
  recordAttempt,
  withNewChildren,
  type MailMessage,
  type PostcardJournal,
} from './postcard.ts'

/** Sends one e-mail to the operator (SMTP with nodemailer in production); rejects on failure. */
export interface Mailer {
  send(message: MailMessage): Promise<void>
}

/** What only the install's files know of a child: its nick, genome and root password. */
export interface ChildFactsSource {
  facts(item: PurchaseItem): Promise<ChildFacts>
}

/** A child's facts beyond the lifecycle state; each absent when not known. */
export interface ChildFacts {
  readonly nick?: string
  readonly genome?: unknown
  readonly rootPassword?: string
}

/** Where the postcard journal is kept (`postcards.json` in the home). */
export interface PostcardJournalStore {
  /** The journal; undefined when none was written yet. Rejects when it cannot be read. */
  load(): Promise<PostcardJournal | undefined>
  save(journal: PostcardJournal): Promise<void>
}

/** What one delivery round did. */
export interface PostcardDelivery {
  /** Child trees whose postcard went out. */
  readonly sent: readonly string[]
  /** Child trees whose postcard failed this round (retried later, or given up). */
  readonly failed: readonly string[]
}

/** The agent's postcard port: one delivery round over the latest lifecycle state. */
export interface Postman {
  /** Sends the postcards due for `state`'s installed children; never rejects. */
  deliver(state: LifecycleState, parentTree: string): Promise<PostcardDelivery>
}

/** Postcards sent in one round at most (the rest wait for the next tick). */
const MAX_PER_ROUND = 3

/**
 * The postman over its ports: every installed child gets one postcard, journaled before and after
 * each send so a restart never sends it again; a failure is retried with backoff up to
 * {@link POSTCARD_MAX_ATTEMPTS} times and then given up (logged). Nothing it does can fail the tick.
 */
export function createPostman(
  deps: {
    readonly mailer: Mailer
    readonly childFacts: ChildFactsSource
    readonly journal: PostcardJournalStore
    /** The agent's (world) clock: install and purchase times are world times. */
    readonly clock: Clock
    readonly log: Logger
  },
  options: { readonly includeSecrets: boolean },
): Postman {
  const log = deps.log.child({ component: 'postcard' })
  async function round(state: LifecycleState, parentTree: string): Promise<PostcardDelivery> {
    const sent: string[] = []
    const failed: string[] = []
    const loaded = await deps.journal.load()
    let journal = withNewChildren(loaded ?? EMPTY_JOURNAL, state, deps.clock.nowMs())
    if (journal !== loaded) await deps.journal.save(journal)
    for (const entry of duePostcards(journal, deps.clock.nowMs()).slice(0, MAX_PER_ROUND)) {
      const item = state.items.find((i) => i.childTree === entry.childTree)
      if (item === undefined) continue
      let result: { sent: true } | { sent: false; error: string }
      try {
        const known: ChildFacts = await deps.childFacts.facts(item).catch((err: unknown) => {
          log.warn('postcard.facts_unreadable', { childTree: entry.childTree, message: String(err) })
          return {}
        })
        await deps.mailer.send(
          postcardMessage(
            {
              parentTree,
              childTree: entry.childTree,
              ...(known.nick === undefined ? {} : { childNick: known.nick }),
              provider: item.provider,
              option: item.option,
              ip: item.ip ?? 'unknown',
              priceSats: item.priceSats,
              txid: item.txid,
              purchasedAtMs: item.sinceMs,
              installedAtMs: entry.installedAtMs,
              ...(known.genome === undefined ? {} : { genome: known.genome }),
              ...(known.rootPassword === undefined ? {} : { rootPassword: known.rootPassword }),
            },
            options,
          ),
        )
        result = { sent: true }
      } catch (err) {
        result = { sent: false, error: err instanceof Error ? err.message : String(err) }
      }
      journal = recordAttempt(journal, entry.childTree, deps.clock.nowMs(), result)
      await deps.journal.save(journal)
      if (result.sent) {
        sent.push(entry.childTree)
        log.info('postcard.sent', { childTree: entry.childTree })
      } else {
        failed.push(entry.childTree)
        const attempts = entry.attempts + 1
        if (attempts >= POSTCARD_MAX_ATTEMPTS)
          log.error('postcard.gave_up', { childTree: entry.childTree, attempts, reason: result.error })
        else log.warn('postcard.failed', { childTree: entry.childTree, attempts, reason: result.error })
      }
    }
    return { sent, failed }
  }
  return {
    async deliver(state, parentTree) {
      try {
        return await round(state, parentTree)
      } catch (err) {
        // An unreadable or unwritable journal: send nothing (a postcard twice is worse than late).
        log.warn('postcard.journal_failed', { message: err instanceof Error ? err.message : String(err) })
        return { sent: [], failed: [] }
      }
    },
  }
}
