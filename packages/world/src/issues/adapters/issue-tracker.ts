import { mkdir, readFile, readdir, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { writeFileAtomic, type Logger } from '@dolly/base'
import { createTrackerApp, type IssueStore, type TrackerIssue } from '../tracker-app.ts'

/** Issues kept at most; the tracker answers 422 beyond (a runaway reporter must not fill the disk). */
const MAX_ISSUES = 10_000

/** The issues directory of the world in `worldDir`. */
export function issuesDir(worldDir: string): string {
  return join(worldDir, 'issues')
}

/** Every issue in `dir` (`<n>.json`), in creation order. */
export async function readIssues(dir: string): Promise<TrackerIssue[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d+\.json$/.test(n)).sort()
  const out: TrackerIssue[] = []
  for (const name of names) {
    try {
      out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as TrackerIssue)
    } catch {
      // Being written or damaged: skipped.
    }
  }
  return out
}

/** Issues as files `<dir>/<seq>.json`; numbers count per repository, as GitHub's do. */
function createIssueFiles(dir: string, baseUrl: () => string): IssueStore {
  let seq = 0
  let queue: Promise<unknown> = Promise.resolve()
  return {
    list: async (owner, repo) => (await readIssues(dir)).filter((i) => i.owner === owner && i.repo === repo),
    create(input) {
      const run = queue.then(async () => {
        const all = await readIssues(dir)
        if (all.length >= MAX_ISSUES) throw new Error('the world tracker holds its maximum of issues')
        const number = all.filter((i) => i.owner === input.owner && i.repo === input.repo).length + 1
        seq = Math.max(seq, all.length) + 1
        const issue: TrackerIssue = {
          ...input,
          number,
          url: `${baseUrl()}/repos/${input.owner}/${input.repo}/issues/${number}`,
          html_url: `${baseUrl()}/${input.owner}/${input.repo}/issues/${number}`,
        }
        await writeFileAtomic(
          join(dir, `${String(seq).padStart(6, '0')}.json`),
          `${JSON.stringify(issue, null, 2)}\n`,
          {
            mode: 0o600,
          },
        )
        return issue
      })
      queue = run.catch(() => undefined)
      return run
    },
  }
}

/** A running tracker. */
export interface IssueTracker {
  /** Base URL of the API (`github.api_url`), e.g. `http://10.77.3.1:40123`. */
  readonly url: string
  stop(): Promise<void>
}

/**
 * Starts the world's GitHub-compatible issue tracker (tracker-app.ts) on `host:port` (0: a free
 * port), storing issues in `dir` (emptied first: a new world starts without issues).
 */
export async function startIssueTracker(options: {
  readonly host: string
  readonly port: number
  readonly dir: string
  readonly token: string
  readonly log: Logger
  readonly nowMs: () => number
}): Promise<IssueTracker> {
  const log = options.log.child({ component: 'issue-tracker' })
  await rm(options.dir, { recursive: true, force: true })
  await mkdir(options.dir, { recursive: true, mode: 0o700 })
  let baseUrl = ''
  const store = createIssueFiles(options.dir, () => baseUrl)
  const app = createTrackerApp({
    store: {
      list: store.list,
      async create(input) {
        const issue = await store.create(input)
        log.info('issues.created', {
          owner: issue.owner,
          repo: issue.repo,
          number: issue.number,
          title: issue.title,
        })
        return issue
      },
    },
    token: options.token,
    nowIso: () => new Date(options.nowMs()).toISOString(),
  })
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () => resolve(s))
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  baseUrl = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`
  log.info('issues.tracker_started', { url: baseUrl })
  let stopping: Promise<void> | undefined
  return {
    url: baseUrl,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
      return stopping
    },
  }
}
