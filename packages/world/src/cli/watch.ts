import { join } from 'node:path'
import type { Command } from 'commander'
import { emit, type CliIo } from '@dolly/base'
import { readMailbox } from '../mail/adapters/mail-sink.ts'
import type { MailRecord } from '../mail/message.ts'
import { readIssues } from '../issues/adapters/issue-tracker.ts'
import type { TrackerIssue } from '../issues/tracker-app.ts'

/**
 * `dolly world mail` and `dolly world issues` (issue 18): what the world's SMTP sink and issue
 * tracker received, read from the world directory (so also after `down`, until the next `up`).
 */

/** One line per message, or every message in full. */
export function renderMail(messages: readonly MailRecord[], full: boolean): string {
  if (messages.length === 0) return 'mail: nothing arrived'
  const head = (m: MailRecord): string =>
    `#${m.id} ${new Date(m.receivedAtMs).toISOString()} from ${m.from || m.envelope.from} to ${m.to || m.envelope.to.join(', ')}: ${m.subject}`
  if (!full)
    return [...messages.map(head), `${messages.length} message(s); --full shows the bodies`].join('\n')
  return messages
    .map((m) => [head(m), `Date: ${m.date}`, '', m.text, ''].join('\n'))
    .join(`${'-'.repeat(72)}\n`)
}

/** One line per issue, or every issue in full. */
export function renderIssues(issues: readonly TrackerIssue[], full: boolean): string {
  if (issues.length === 0) return 'issues: none filed'
  const head = (i: TrackerIssue): string =>
    `${i.owner}/${i.repo}#${i.number} ${i.created_at} [${i.labels.map((l) => l.name).join(',')}] ${i.title} — ${i.body.split('\n')[0] ?? ''}`
  if (!full) return [...issues.map(head), `${issues.length} issue(s); --full shows the bodies`].join('\n')
  return issues.map((i) => [head(i), '', i.body, ''].join('\n')).join(`${'-'.repeat(72)}\n`)
}

/** Registers `world mail` and `world issues` under `world`; `dirOf` is the world directory of a command. */
export function registerWatchCommands(world: Command, io: CliIo, dirOf: (cmd: Command) => string): void {
  world
    .command('mail')
    .description(
      "list the e-mails the world's SMTP sink received (the agents' postcards): from, to, subject, date",
    )
    .option('--full', 'print each message with its body')
    .option('--json', 'machine-readable output (bodies included)')
    .action(async (opts: { json?: boolean; full?: boolean }, cmd: Command) => {
      const messages = await readMailbox(join(dirOf(cmd), 'mail'))
      emit(io, opts.json, messages, () => renderMail(messages, opts.full === true))
    })
  world
    .command('issues')
    .description("list the issues the agents' error reports filed with the world's GitHub-compatible tracker")
    .option('--full', 'print each issue with its body')
    .option('--json', 'machine-readable output (bodies included)')
    .action(async (opts: { json?: boolean; full?: boolean }, cmd: Command) => {
      const issues = await readIssues(join(dirOf(cmd), 'issues'))
      emit(io, opts.json, issues, () => renderIssues(issues, opts.full === true))
    })
}
