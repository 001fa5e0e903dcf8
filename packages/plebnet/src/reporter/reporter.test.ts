import { describe, expect, it } from 'vitest'
import { createNullLogger, createVirtualClock } from '@dolly/base'
import {
  createReporter,
  ircErrorLine,
  type IssueTracker,
  type NewIssue,
  type ReporterState,
  type ReporterStateStore,
} from './reporter.ts'
import { errorFingerprint, topStackFrame } from './fingerprint.ts'
import { redactReport } from './redact-report.ts'

const TOKEN = 'ghp_0123456789abcdefghijABCDEFGHIJ012345'
const SMTP_PASSWORD = 'smtp-Pa55word!'
const ROOT_PASSWORD = 'Zr0otPwChild7'

function memoryStore(): ReporterStateStore & { value: ReporterState | undefined } {
  const store = {
    value: undefined as ReporterState | undefined,
    load: () => Promise.resolve(store.value),
    save: (s: ReporterState) => {
      store.value = s
      return Promise.resolve()
    },
  }
  return store
}

function tracker(fail = false): IssueTracker & { issues: NewIssue[] } {
  const issues: NewIssue[] = []
  return {
    issues,
    create(issue) {
      if (fail) return Promise.reject(new Error(`401 Bad credentials for token ${TOKEN}`))
      issues.push(issue)
      return Promise.resolve({ number: issues.length, url: `http://tracker/issues/${issues.length}` })
    },
  }
}

/** An error thrown from a distinct place each time `site` differs (its top frame differs). */
function errorAt(site: number, message: string, code?: string): Error {
  const err = new Error(message)
  err.stack = `Error: ${message}\n    at site${site} (/app/src/x.ts:${10 + site}:7)\n    at main (/app/src/main.ts:1:1)`
  if (code !== undefined) Object.assign(err, { code })
  return err
}

const logLines = [
  '2026-12-03 - plebnet - INFO - tick : bought linevast/Basic',
  `2026-12-03 - plebnet - INFO - postcard : to operator@example.org via smtp://bob:${SMTP_PASSWORD}@10.0.0.1:25`,
  `2026-12-03 - plebnet - WARN - install : root_password: ${ROOT_PASSWORD} set on 10.0.0.9`,
  `2026-12-03 - plebnet - INFO - github : Authorization: token ${TOKEN}`,
  '2026-12-03 - plebnet - INFO - wallet : {"password":"walletpass123","address":"rltc1qxyz"}',
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ',
  '-----END OPENSSH PRIVATE KEY-----',
  'api_key=sk_live_abcdef123456 and secret: hush-hush-99',
]

describe('redactReport', () => {
  it('removes passwords, tokens, keys, root_password and e-mail addresses', () => {
    const out = redactReport(logLines.join('\n'), [TOKEN, SMTP_PASSWORD, ROOT_PASSWORD])
    for (const secret of [
      TOKEN,
      SMTP_PASSWORD,
      ROOT_PASSWORD,
      'operator@example.org',
      'walletpass123',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ',
      'sk_live_abcdef123456',
      'hush-hush-99',
      'bob',
    ])
      expect(out).not.toContain(secret)
    // What is not secret stays, so the report still says what happened.
    expect(out).toContain('bought linevast/Basic')
    expect(out).toContain('10.0.0.9')
    expect(out).toContain('rltc1qxyz')
  })

  it('finds secrets it was not told about by their shape or name', () => {
    const out = redactReport(
      `push with ${TOKEN}; root password is ${ROOT_PASSWORD}; mail me at a.b+c@mail.example.com`,
    )
    expect(out).not.toContain(TOKEN)
    expect(out).not.toContain(ROOT_PASSWORD)
    expect(out).not.toContain('a.b+c@mail.example.com')
  })
})

describe('fingerprint', () => {
  it('is sha256 of the type and the top frame, the column left out', () => {
    const a = errorAt(1, 'first message')
    const b = errorAt(1, 'another message')
    expect(topStackFrame(a.stack ?? '')).toBe('at site1 (/app/src/x.ts:11)')
    expect(errorFingerprint({ type: 'Error', stack: a.stack ?? '' })).toBe(
      errorFingerprint({ type: 'Error', stack: b.stack ?? '' }),
    )
    expect(errorFingerprint({ type: 'Error', stack: a.stack ?? '' })).not.toBe(
      errorFingerprint({ type: 'TypeError', stack: a.stack ?? '' }),
    )
    expect(errorFingerprint({ type: 'Error', stack: a.stack ?? '' })).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('createReporter', () => {
  const options = { nick: 'plebbot4521', tree: 'plebbot4521.0', version: '0.1.0', maxIssuesPerDay: 5 }

  it('creates a redacted issue with the agent, the stack and the last 200 log lines', async () => {
    const t = tracker()
    const many = Array.from({ length: 250 }, (_, i) => `line ${i}`)
    const reporter = createReporter(
      {
        tracker: t,
        store: memoryStore(),
        clock: createVirtualClock(0),
        log: createNullLogger(),
        recentLogLines: () => [...many, ...logLines],
      },
      { ...options, secrets: [TOKEN, SMTP_PASSWORD, ROOT_PASSWORD] },
    )
    const outcome = await reporter.report(errorAt(1, `login failed for root password ${ROOT_PASSWORD}`), {
      component: 'lifecycle',
    })
    expect(outcome.kind).toBe('created')
    expect(t.issues).toHaveLength(1)
    const issue = t.issues[0]!
    expect(issue.title).toBe('An error occurred!')
    expect(issue.labels).toEqual(['bug'])
    expect(issue.body).toContain('Nick: plebbot4521')
    expect(issue.body).toContain('Tree: plebbot4521.0')
    expect(issue.body).toContain('Version: 0.1.0')
    expect(issue.body).toContain('at site1 (/app/src/x.ts:11:7)')
    expect(issue.body).toContain('Last 200 log lines:')
    expect(issue.body).not.toContain('line 58\n')
    expect(issue.body).toContain('line 59\n')
    for (const secret of [TOKEN, SMTP_PASSWORD, ROOT_PASSWORD, 'operator@example.org', 'walletpass123'])
      expect(issue.body).not.toContain(secret)
  })

  it('deduplicates by fingerprint, across restarts of the reporter', async () => {
    const t = tracker()
    const store = memoryStore()
    const deps = {
      tracker: t,
      store,
      clock: createVirtualClock(0),
      log: createNullLogger(),
      recentLogLines: () => [],
    }
    const first = createReporter(deps, { ...options, secrets: [] })
    expect((await first.report(errorAt(1, 'boom 1'), { component: 'lifecycle' })).kind).toBe('created')
    expect((await first.report(errorAt(1, 'boom 2'), { component: 'lifecycle' })).kind).toBe('duplicate')
    expect((await first.report(errorAt(2, 'boom 3'), { component: 'lifecycle' })).kind).toBe('created')
    const restarted = createReporter(deps, { ...options, secrets: [] })
    expect((await restarted.report(errorAt(2, 'boom 4'), { component: 'lifecycle' })).kind).toBe('duplicate')
    expect(t.issues).toHaveLength(2)
  })

  it('creates at most max_issues_per_day issues per UTC day, counted across restarts', async () => {
    const t = tracker()
    const store = memoryStore()
    const clock = createVirtualClock(Date.UTC(2026, 11, 3, 9))
    const deps = { tracker: t, store, clock, log: createNullLogger(), recentLogLines: () => [] }
    const kinds: string[] = []
    for (let i = 0; i < 4; i++)
      kinds.push(
        (await createReporter(deps, { ...options, secrets: [] }).report(errorAt(i, 'e'), { component: 'c' }))
          .kind,
      )
    // A restart in between keeps the day's count (it is persisted).
    const reporter = createReporter(deps, { ...options, secrets: [] })
    for (let i = 4; i < 8; i++) kinds.push((await reporter.report(errorAt(i, 'e'), { component: 'c' })).kind)
    expect(kinds).toEqual([
      'created',
      'created',
      'created',
      'created',
      'created',
      'capped',
      'capped',
      'capped',
    ])
    expect(t.issues).toHaveLength(5)
    // A capped error was not recorded: the next day it is reported.
    clock.advance(15 * 3_600_000)
    expect((await reporter.report(errorAt(6, 'e'), { component: 'c' })).kind).toBe('created')
    expect(store.value?.sentToday).toBe(1)
  })

  it('a failed request neither counts nor records the fingerprint; listeners hear of every report', async () => {
    const store = memoryStore()
    const heard: string[] = []
    const reporter = createReporter(
      {
        tracker: tracker(true),
        store,
        clock: createVirtualClock(0),
        log: createNullLogger(),
        recentLogLines: () => [],
      },
      { ...options, secrets: [TOKEN] },
    )
    reporter.onReported((e) => heard.push(`${ircErrorLine(e)} [${e.outcome.kind}]`))
    const outcome = await reporter.report(errorAt(1, `bad ${TOKEN}`), { component: 'IRCbot' })
    expect(outcome.kind).toBe('failed')
    if (outcome.kind === 'failed') expect(outcome.reason).not.toContain(TOKEN)
    expect(store.value).toMatchObject({ sentToday: 0, fingerprints: [] })
    expect(heard).toEqual(['A error occurred in IRCbot bad [redacted] [failed]'])
  })

  it('without a tracker (github.active=0) sends nothing and still announces', async () => {
    const heard: string[] = []
    const reporter = createReporter(
      {
        tracker: undefined,
        store: memoryStore(),
        clock: createVirtualClock(0),
        log: createNullLogger(),
        recentLogLines: () => [],
      },
      { ...options, secrets: [] },
    )
    reporter.onReported((e) => heard.push(ircErrorLine(e)))
    expect((await reporter.report(new TypeError('x is undefined'), { component: 'daemon' })).kind).toBe(
      'inactive',
    )
    expect(heard).toEqual(['A error occurred in daemon x is undefined'])
  })
})
