/**
 * Postcards and error reports against the world's real SMTP sink (smtp-server) and its
 * GitHub-compatible issue tracker (hono), both on loopback in a temp dir (issue 18, AGENT.md §14):
 * the agent's real postman (nodemailer, its file journal and its child files) and real reporter
 * (the daemon's log recorder, fetch, its state file), configured by the lines the world writes into
 * every agent's config. No namespace, no root.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryLogger, createVirtualClock, createSystemClock } from '@dolly/base'
import { createRootGenome, serializeGenome } from '@dolly/learning'
import {
  createLogRecorder,
  effectiveIni,
  initialLifecycle,
  openPostman,
  openReporter,
  type LifecycleState,
} from '@dolly/plebnet'
import { readMailbox, startMailSink, type MailSink } from '../../src/mail/adapters/mail-sink.ts'
import { readIssues, startIssueTracker, type IssueTracker } from '../../src/issues/adapters/issue-tracker.ts'
import { watchConfigLines, WORLD_OPERATOR_EMAIL } from '../../src/genesis/genesis-config.ts'

const ROOT_PASSWORD = 'Child-R00t-pw-7f3a9c'
const SMTP_PASSWORD = 'smtp-S3cret-pw'
const TXID = 'cd'.repeat(32)
const NOW = Date.UTC(2026, 11, 3, 15, 0, 0)

let dir: string
let sink: MailSink
let tracker: IssueTracker
const TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dolly-watch-'))
  const log = createMemoryLogger()
  sink = await startMailSink({ host: '127.0.0.1', port: 0, dir: join(dir, 'mail'), log, nowMs: Date.now })
  tracker = await startIssueTracker({
    host: '127.0.0.1',
    port: 0,
    dir: join(dir, 'issues'),
    token: TOKEN,
    log,
    nowMs: Date.now,
  })
})

afterAll(async () => {
  await sink.stop()
  await tracker.stop()
  await rm(dir, { recursive: true, force: true })
})

/** The agent config the world writes (watch part), plus an SMTP login the sink accepts. */
function agentIni() {
  const text = [
    ...watchConfigLines({
      mail: { host: '127.0.0.1', port: sink.port, dir: join(dir, 'mail') },
      issues: {
        url: tracker.url,
        owner: 'dollynator',
        repo: 'dollynator',
        token: TOKEN,
        dir: join(dir, 'issues'),
      },
    }),
    '[wallets]',
    'password = wallet-pass-123',
  ].join('\n')
  return effectiveIni(text, {
    PLEBNET_CFG_POSTCARD_SMTP_USER: 'agent',
    PLEBNET_CFG_POSTCARD_SMTP_PASSWORD: SMTP_PASSWORD,
  })
}

function stateWithChild(): LifecycleState {
  return {
    ...initialLifecycle(NOW - 86_400_000, 30 * 86_400_000),
    items: [
      {
        id: 'p0',
        provider: 'bluecloud',
        option: 'Basic',
        priceSats: 41_000n,
        stage: 'dowered',
        purchaseId: 'pu-0',
        txid: TXID,
        ip: '10.77.1.20',
        leaseEndMs: null,
        childTree: 'plebbot4521.0',
        childIndex: 0,
        attempts: 0,
        nextTryMs: 0,
        sinceMs: NOW - 3_600_000,
      },
    ],
    events: [{ atMs: NOW - 120_000, kind: 'installed', text: 'child plebbot4521.0 installed on 10.77.1.20' }],
  }
}

describe('postcards through the world sink', () => {
  it('arrive once per child with the §14 fields and without the root password', async () => {
    const home = join(dir, 'agent-home')
    // What an install leaves in the parent's home: the child record (with the root password it set)
    // and the payload it handed over (with the child's genome).
    await mkdir(join(home, 'children'), { recursive: true })
    await writeFile(
      join(home, 'children', '10.77.1.20.json'),
      JSON.stringify({
        format: 'dolly-child-record',
        version: 1,
        ip: '10.77.1.20',
        index: 0,
        tree: 'plebbot4521.0',
        fingerprint: null,
        keyInstalled: true,
        rootPassword: ROOT_PASSWORD,
        passwordLoginDisabled: true,
        bundleId: null,
        installedAtMs: null,
      }),
    )
    await mkdir(join(home, 'child_payload', '0'), { recursive: true })
    const genome = serializeGenome(
      createRootGenome({ providers: ['bluecloud'], version: '0.1.0', exitNode: false }),
    )
    await writeFile(join(home, 'child_payload', '0', 'payload.json'), JSON.stringify({ genome }))

    const clock = createVirtualClock(NOW)
    const postman = openPostman({ clock, log: createMemoryLogger() }, home, agentIni())
    expect(postman).toBeDefined()
    expect(await postman?.deliver(stateWithChild(), 'plebbot4521')).toEqual({
      sent: ['plebbot4521.0'],
      failed: [],
    })
    // A restarted agent (a new postman over the same home) does not send it again.
    const again = openPostman({ clock, log: createMemoryLogger() }, home, agentIni())
    expect(await again?.deliver(stateWithChild(), 'plebbot4521')).toEqual({ sent: [], failed: [] })

    const mail = await readMailbox(join(dir, 'mail'))
    expect(mail).toHaveLength(1)
    const card = mail[0]!
    expect(card.subject).toBe('PlebNet child plebbot4521.0 is alive')
    expect(card.envelope.to).toEqual([WORLD_OPERATOR_EMAIL])
    expect(card.to).toBe(WORLD_OPERATOR_EMAIL)
    expect(card.date).not.toBe('')
    for (const line of [
      'Parent tree:   plebbot4521',
      'Child tree:    plebbot4521.0',
      'Provider:      bluecloud',
      'Option:        Basic',
      'IP:            10.77.1.20',
      'Price paid:    41000 sat',
      `Txid:          ${TXID}`,
      'Purchased at:  2026-12-03T14:00:00Z',
      'Installed at:  2026-12-03T14:58:00Z',
      'Root password: withheld',
    ])
      expect(card.text).toContain(line)
    expect(card.text).toContain(JSON.stringify(genome, null, 2))
    expect(card.text).not.toContain(ROOT_PASSWORD)
    expect(card.text).not.toContain(SMTP_PASSWORD)
  })

  it('a send to a dead server fails without throwing and is journaled for a retry', async () => {
    const home = join(dir, 'dead-home')
    const ini = new Map([...agentIni()].map(([k, v]) => [k, new Map(v)]))
    ini.get('postcard')?.set('smtp_port', '1')
    const postman = openPostman({ clock: createVirtualClock(NOW), log: createMemoryLogger() }, home, ini)
    expect(await postman?.deliver(stateWithChild(), 'plebbot4521')).toEqual({
      sent: [],
      failed: ['plebbot4521.0'],
    })
  })
})

describe('error reports through the world tracker', () => {
  it('refuses a request without the token', async () => {
    const url = `${tracker.url}/repos/dollynator/dollynator/issues`
    const post = (headers: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"title":"x"}',
      })
    expect((await post({})).status).toBe(401)
    expect((await post({ authorization: 'Bearer wrong' })).status).toBe(401)
  })

  it('arrive redacted, deduplicated by fingerprint and capped at max_issues_per_day', async () => {
    const home = join(dir, 'reporter-home')
    const ini = agentIni()
    const reports: Promise<unknown>[] = []
    const recorder = createLogRecorder(createMemoryLogger(), {
      capacity: 200,
      nowMs: Date.now,
      onError: (entry) => {
        // Called only for the error entries below, once the reporter exists.
        reports.push(reporter.report(entry.error, { component: entry.component }))
      },
    })
    const reporter = openReporter(
      { clock: createSystemClock(), log: recorder.log, recentLogLines: recorder.lines },
      home,
      ini,
      { tree: 'plebbot4521.0', version: '0.1.0' },
    )
    const heard: string[] = []
    reporter.onReported((e) => heard.push(`${e.component}: ${e.message} (${e.outcome.kind})`))
    const log = recorder.log.child({ component: 'lifecycle' })
    log.info('postcard.config', {
      to: WORLD_OPERATOR_EMAIL,
      smtp: `smtp://agent:${SMTP_PASSWORD}@127.0.0.1:25`,
    })
    log.info('github.config', { note: `token ${TOKEN} for dollynator` })
    log.info('install.child', { text: `root_password: ${ROOT_PASSWORD} on 10.77.1.20` })

    // One place that fails twice (one issue), then seven more distinct failures (capped at 5 in all).
    const failAt = (site: number): Error => {
      const err = new Error(
        `install failed: ssh root@10.77.1.20 password ${ROOT_PASSWORD} refused; mail ${WORLD_OPERATOR_EMAIL}`,
      )
      err.stack = `Error: ${err.message}\n    at step${site} (/opt/plebnet/src/replication/create-child.ts:${100 + site}:5)`
      return err
    }
    log.error('tick.failed', { code: 'error', message: 'install failed', err: failAt(0) })
    log.error('tick.failed', { code: 'error', message: 'install failed', err: failAt(0) })
    await Promise.all(reports)
    for (let site = 1; site <= 7; site++)
      reports.push(reporter.report(failAt(site), { component: 'lifecycle' }))
    await Promise.all(reports)

    const response = await fetch(`${tracker.url}/repos/dollynator/dollynator/issues`)
    const issues = (await response.json()) as {
      number: number
      title: string
      body: string
      labels: { name: string }[]
    }[]
    expect(issues).toHaveLength(5)
    expect(issues.map((i) => i.number)).toEqual([5, 4, 3, 2, 1])
    expect((await readIssues(join(dir, 'issues'))).length).toBe(5)
    for (const issue of issues) {
      expect(issue.title).toBe('An error occurred!')
      expect(issue.labels).toEqual([{ name: 'bug' }])
      expect(issue.body).toContain('Tree: plebbot4521.0')
      expect(issue.body).toContain('Version: 0.1.0')
      expect(issue.body).toContain('Stack trace:')
      for (const secret of [
        TOKEN,
        SMTP_PASSWORD,
        ROOT_PASSWORD,
        'wallet-pass-123',
        WORLD_OPERATOR_EMAIL,
        '@world.test',
      ])
        expect(issue.body).not.toContain(secret)
    }
    // The first issue carries the log lines before it (redacted) and the failing frame.
    const first = issues.find((i) => i.number === 1)
    expect(first?.body).toContain('postcard.config')
    expect(first?.body).toContain('at step0 (/opt/plebnet/src/replication/create-child.ts:100:5)')
    expect(heard.map((h) => h.replace(/: .*\(/, ' (')).join(',')).toBe(
      [
        'lifecycle (created)',
        'lifecycle (duplicate)',
        'lifecycle (created)',
        'lifecycle (created)',
        'lifecycle (created)',
        'lifecycle (created)',
        'lifecycle (capped)',
        'lifecycle (capped)',
        'lifecycle (capped)',
      ].join(','),
    )
    expect(heard.join('\n')).not.toContain(ROOT_PASSWORD)
  })
})
