import type { Clock, Logger } from '@dolly/base'
import { errorFingerprint, shapeOf } from './fingerprint.ts'
import { redactReport } from './redact-report.ts'

/**
 * The error reporter (AGENT.md §14): turns an error into a tracker issue (`POST
 * /repos/<owner>/<repo>/issues`, GitHub's REST shape) with the agent's nick, tree and version, the
 * stack trace and the last log lines, all redacted; at most one issue per fingerprint
 * (`sha256(type + top frame)`, persisted) and at most `reporter.max_issues_per_day` issues per UTC day
 * (a persisted counter). Never a gist. Every report, whatever its outcome, is announced to the
 * `onReported` listeners (the IRC bot's `A error occurred in <component> <message>` line).
 */

/** An issue as GitHub's `POST /repos/{owner}/{repo}/issues` takes it. */
export interface NewIssue {
  readonly title: string
  readonly body: string
  readonly labels: readonly string[]
}

/** The issue tracker port (GitHub's REST API, or the world's compatible tracker). */
export interface IssueTracker {
  /** Creates the issue; rejects on any failure (no answer, 401, 5xx). */
  create(issue: NewIssue): Promise<{ readonly number: number; readonly url: string }>
}

/** What the reporter remembers between runs (`reporter.json` in the home). */
export interface ReporterState {
  readonly version: 1
  /** UTC day number (Unix ms / 86,400,000) the counter counts. */
  readonly day: number
  /** Issues created on `day`. */
  readonly sentToday: number
  /** Fingerprints issues were created for, oldest first (at most {@link MAX_FINGERPRINTS}). */
  readonly fingerprints: readonly string[]
}

/** Where the reporter's state is kept. */
export interface ReporterStateStore {
  load(): Promise<ReporterState | undefined>
  save(state: ReporterState): Promise<void>
}

/** Fingerprints remembered; the oldest is forgotten beyond this (it may be reported again). */
export const MAX_FINGERPRINTS = 1_000
/** Log lines a report carries (AGENT.md §14). */
export const REPORT_LOG_LINES = 200
/** Characters of a stack trace a report carries. */
const MAX_STACK_CHARS = 20_000
/** Characters of one log line a report carries. */
const MAX_LINE_CHARS = 2_000
/** The title of an error issue (AGENT.md §14), unless the handler gives one. */
export const DEFAULT_ISSUE_TITLE = 'An error occurred!'
const DAY_MS = 86_400_000

/** How one report ended. */
export type ReportOutcome =
  | { readonly kind: 'created'; readonly fingerprint: string; readonly number: number; readonly url: string }
  /** An issue with this fingerprint exists already. */
  | { readonly kind: 'duplicate'; readonly fingerprint: string }
  /** Today's `max_issues_per_day` issues were created already. */
  | { readonly kind: 'capped'; readonly fingerprint: string }
  /** The tracker refused or did not answer (logged; a later report of the same error tries again). */
  | { readonly kind: 'failed'; readonly fingerprint: string; readonly reason: string }
  /** `github.active` is 0: nothing is sent, the listeners still hear of it. */
  | { readonly kind: 'inactive'; readonly fingerprint: string }

/** An error as the `onReported` listeners see it (already redacted). */
export interface ReportedError {
  /** Where it happened (`lifecycle`, `IRCbot`, `daemon`, …). */
  readonly component: string
  /** The error's first message line, redacted. */
  readonly message: string
  readonly outcome: ReportOutcome
}

/** Ports of the reporter. */
export interface ReporterDeps {
  /** The tracker; undefined when `github.active` is 0 (reports are only announced). */
  readonly tracker: IssueTracker | undefined
  readonly store: ReporterStateStore
  /** Real time: the daily cap counts real days. */
  readonly clock: Clock
  readonly log: Logger
  /** The agent's latest log lines, oldest first (any number; the last {@link REPORT_LOG_LINES} are sent). */
  readonly recentLogLines: () => readonly string[]
}

/** Who the agent is, and its limits (AGENT.md §4 `[github]`, `[reporter]`). */
export interface ReporterOptions {
  readonly nick: string
  readonly tree: string
  readonly version: string
  /** `reporter.max_issues_per_day` (default 5). */
  readonly maxIssuesPerDay: number
  /** Literal secrets of the agent, removed from every report wherever they occur. */
  readonly secrets: readonly string[]
}

/** The reporter. */
export interface Reporter {
  /** Reports `err`, which happened in `component`; never rejects. Reports run one at a time. */
  report(
    err: unknown,
    context: { readonly component: string; readonly title?: string },
  ): Promise<ReportOutcome>
  /** Calls `listener` after every report; returns the function that removes it. */
  onReported(listener: (event: ReportedError) => void): () => void
}

/** The IRC line for a reported error (AGENT.md §14, §11): `A error occurred in <component> <message>`. */
export function ircErrorLine(event: Pick<ReportedError, 'component' | 'message'>): string {
  return `A error occurred in ${event.component} ${event.message}`.replace(/[\r\n]+/g, ' ').slice(0, 400)
}

/** The issue body (AGENT.md §14): nick, tree, version, stack trace, last log lines; redacted. */
export function issueBody(
  options: Pick<ReporterOptions, 'nick' | 'tree' | 'version' | 'secrets'>,
  error: {
    readonly component: string
    readonly message: string
    readonly stack: string
    readonly fingerprint: string
  },
  logLines: readonly string[],
): string {
  const lines = logLines.slice(-REPORT_LOG_LINES).map((l) => l.slice(0, MAX_LINE_CHARS))
  const text = [
    `An error occurred in ${error.component}: ${error.message}`,
    '',
    `Nick: ${options.nick}`,
    `Tree: ${options.tree}`,
    `Version: ${options.version}`,
    `Fingerprint: ${error.fingerprint}`,
    '',
    'Stack trace:',
    '```',
    error.stack.slice(0, MAX_STACK_CHARS) || '(none)',
    '```',
    '',
    `Last ${lines.length} log lines:`,
    '```',
    ...lines,
    '```',
    '',
  ].join('\n')
  // Fences inside the text cannot close ours early: a redacted body stays one code block per part.
  return redactReport(text, options.secrets)
}

/** The state on UTC day `day`: the counter starts again on a new day. */
export function rollDay(state: ReporterState | undefined, day: number): ReporterState {
  if (state === undefined) return { version: 1, day, sentToday: 0, fingerprints: [] }
  return state.day === day ? state : { ...state, day, sentToday: 0 }
}

/** Builds the reporter over its ports. */
export function createReporter(deps: ReporterDeps, options: ReporterOptions): Reporter {
  const listeners = new Set<(event: ReportedError) => void>()
  const log = deps.log.child({ component: 'reporter' })
  let queue: Promise<unknown> = Promise.resolve()

  async function send(err: unknown, context: { component: string; title?: string }): Promise<ReportOutcome> {
    const shape = shapeOf(err)
    const fingerprint = errorFingerprint(shape)
    const message = redactReport(shape.message.split('\n')[0] ?? '', options.secrets).slice(0, 300)
    const outcome = await decide()
    const event: ReportedError = { component: context.component, message, outcome }
    for (const listener of listeners) {
      try {
        listener(event)
      } catch (listenerErr) {
        log.warn('reporter.listener_failed', { message: String(listenerErr) })
      }
    }
    return outcome

    async function decide(): Promise<ReportOutcome> {
      if (deps.tracker === undefined) return { kind: 'inactive', fingerprint }
      const before = rollDay(await deps.store.load(), Math.floor(deps.clock.nowMs() / DAY_MS))
      if (before.fingerprints.includes(fingerprint)) return { kind: 'duplicate', fingerprint }
      if (before.sentToday >= options.maxIssuesPerDay) {
        log.info('reporter.capped', { fingerprint, sentToday: before.sentToday })
        return { kind: 'capped', fingerprint }
      }
      // The intent first: a crash during the request loses this report rather than passing the cap.
      await deps.store.save({
        ...before,
        sentToday: before.sentToday + 1,
        fingerprints: [...before.fingerprints, fingerprint].slice(-MAX_FINGERPRINTS),
      })
      const body = issueBody(
        options,
        { component: context.component, message, stack: shape.stack, fingerprint },
        deps.recentLogLines(),
      )
      try {
        const issue = await deps.tracker.create({
          title: redactReport(context.title ?? DEFAULT_ISSUE_TITLE, options.secrets).slice(0, 200),
          body,
          labels: ['bug'],
        })
        log.info('reporter.issue_created', { fingerprint, number: issue.number, url: issue.url })
        return { kind: 'created', fingerprint, number: issue.number, url: issue.url }
      } catch (sendErr) {
        // Not created: take the intent back, so the next occurrence tries again.
        await deps.store.save(before)
        const reason = redactReport(
          sendErr instanceof Error ? sendErr.message : String(sendErr),
          options.secrets,
        )
        log.warn('reporter.issue_failed', { fingerprint, reason })
        return { kind: 'failed', fingerprint, reason }
      }
    }
  }

  return {
    report(err, context) {
      const run = queue.then(() => send(err, context))
      queue = run.catch(() => undefined)
      return run.catch((storeErr: unknown) => {
        log.warn('reporter.failed', { message: String(storeErr) })
        return { kind: 'failed' as const, fingerprint: '', reason: 'reporter state unavailable' }
      })
    },
    onReported(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
