import { describe, expect, it } from 'vitest'
import { createMemoryLogger, createVirtualClock } from '@dolly/base'
import { initialLifecycle, type LifecycleState, type PurchaseItem } from '../lifecycle/state.ts'
import {
  POSTCARD_MAX_ATTEMPTS,
  isoTime,
  parsePostcardJournal,
  postcardMessage,
  type MailMessage,
  type PostcardJournal,
} from './postcard.ts'
import { createPostman, type Mailer } from './postman.ts'

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0)
const TXID = 'ab'.repeat(32)
const ROOT_PW = 'R00t-pw-of-the-child'
const GENOME = { format: 'dolly-genome', version: 1, genes: [1, 0, 1] }

function item(over: Partial<PurchaseItem>): PurchaseItem {
  return {
    id: 'p0',
    provider: 'linevast',
    option: 'Basic',
    priceSats: 123_456n,
    stage: 'dowered',
    purchaseId: 'pu0',
    txid: TXID,
    ip: '10.0.0.9',
    leaseEndMs: null,
    childTree: 'plebbot42.0',
    childIndex: 0,
    attempts: 0,
    nextTryMs: 0,
    sinceMs: NOW - 3_600_000,
    ...over,
  }
}

function stateWith(items: PurchaseItem[]): LifecycleState {
  return {
    ...initialLifecycle(NOW - 86_400_000, 30 * 86_400_000),
    items,
    events: [{ atMs: NOW - 60_000, kind: 'installed', text: 'child plebbot42.0 installed on 10.0.0.9' }],
  }
}

const facts = {
  parentTree: 'plebbot42',
  childTree: 'plebbot42.0',
  provider: 'linevast',
  option: 'Basic',
  ip: '10.0.0.9',
  priceSats: 123_456n,
  txid: TXID,
  purchasedAtMs: NOW - 3_600_000,
  installedAtMs: NOW - 60_000,
  genome: GENOME,
  rootPassword: ROOT_PW,
}

describe('postcardMessage', () => {
  it('has the subject and every field of AGENT.md §14, and no root password by default', () => {
    const m = postcardMessage(facts, { includeSecrets: false })
    expect(m.subject).toBe('PlebNet child plebbot42.0 is alive')
    for (const line of [
      'Parent tree:   plebbot42',
      'Child tree:    plebbot42.0',
      'Child nick:    not known yet',
      'Provider:      linevast',
      'Option:        Basic',
      'IP:            10.0.0.9',
      'Price paid:    123456 sat',
      `Txid:          ${TXID}`,
      'Purchased at:  2026-12-03T11:00:00Z',
      'Installed at:  2026-12-03T11:59:00Z',
      'Root password: withheld (set postcard.include_secrets = 1 to include it)',
      '"dolly-genome"',
    ])
      expect(m.text).toContain(line)
    expect(m.text).not.toContain(ROOT_PW)
  })

  it('carries the root password only with include_secrets = 1', () => {
    expect(postcardMessage(facts, { includeSecrets: true }).text).toContain(`Root password: ${ROOT_PW}`)
    expect(postcardMessage({ ...facts, childNick: 'plebbot7777' }, { includeSecrets: false }).text).toContain(
      'Child nick:    plebbot7777',
    )
  })

  it('writes UTC times as ISO 8601 (checked against Date)', () => {
    for (const ms of [0, 951_782_400_000, 4_102_444_799_000, NOW, 1_709_164_800_123])
      expect(isoTime(ms)).toBe(new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'))
  })
})

function harness(mailer: Mailer) {
  const clock = createVirtualClock(NOW)
  const log = createMemoryLogger()
  const store = {
    journal: undefined as PostcardJournal | undefined,
    load: () => Promise.resolve(store.journal),
    save: (j: PostcardJournal) => Promise.resolve(void (store.journal = j)),
  }
  const postman = createPostman(
    {
      mailer,
      childFacts: { facts: () => Promise.resolve({ genome: GENOME, rootPassword: ROOT_PW }) },
      journal: store,
      clock,
      log,
    },
    { includeSecrets: false },
  )
  return { clock, log, store, postman }
}

describe('createPostman', () => {
  it('sends one postcard per installed child, once; children not installed get none', async () => {
    const mails: MailMessage[] = []
    const { postman, store } = harness({ send: (m) => Promise.resolve(void mails.push(m)) })
    const state = stateWith([
      item({}),
      item({ id: 'p1', stage: 'bought', childTree: null, childIndex: null, ip: null }),
      item({ id: 'p2', stage: 'installed', childTree: 'plebbot42.1', childIndex: 1 }),
    ])
    expect(await postman.deliver(state, 'plebbot42')).toEqual({
      sent: ['plebbot42.0', 'plebbot42.1'],
      failed: [],
    })
    expect(mails.map((m) => m.subject)).toEqual([
      'PlebNet child plebbot42.0 is alive',
      'PlebNet child plebbot42.1 is alive',
    ])
    expect(mails[0]?.text).toContain('Installed at:  2026-12-03T11:59:00Z')
    expect(mails[0]?.text).not.toContain(ROOT_PW)
    expect(await postman.deliver(state, 'plebbot42')).toEqual({ sent: [], failed: [] })
    expect(mails).toHaveLength(2)
    // The journal survives a round trip through its file form.
    expect(parsePostcardJournal(JSON.parse(JSON.stringify(store.journal)))).toEqual(store.journal)
  })

  it('retries a failed send with backoff, at most POSTCARD_MAX_ATTEMPTS times, and never rejects', async () => {
    let calls = 0
    const { postman, clock, log, store } = harness({
      send: () => {
        calls += 1
        return Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:25'))
      },
    })
    const state = stateWith([item({})])
    for (let round = 0; round < 40; round++) {
      const out = await postman.deliver(state, 'plebbot42')
      expect(out.sent).toEqual([])
      clock.advance(3_600_000)
    }
    expect(calls).toBe(POSTCARD_MAX_ATTEMPTS)
    expect(store.journal?.entries[0]).toMatchObject({ attempts: POSTCARD_MAX_ATTEMPTS, sentAtMs: null })
    expect(log.entries.filter((e) => e.event === 'postcard.gave_up')).toHaveLength(1)
    // Right after a failure it waits: the second attempt is not in the same minute.
    const fresh = harness({ send: () => Promise.reject(new Error('down')) })
    await fresh.postman.deliver(state, 'plebbot42')
    await fresh.postman.deliver(state, 'plebbot42')
    expect(fresh.store.journal?.entries[0]?.attempts).toBe(1)
  })

  it('sends nothing when the journal cannot be read (rather than everything again)', async () => {
    const mails: MailMessage[] = []
    const clock = createVirtualClock(NOW)
    const postman = createPostman(
      {
        mailer: { send: (m) => Promise.resolve(void mails.push(m)) },
        childFacts: { facts: () => Promise.resolve({}) },
        journal: {
          load: () => Promise.reject(new Error('postcards.json is not a postcard journal')),
          save: () => Promise.resolve(),
        },
        clock,
        log: createMemoryLogger(),
      },
      { includeSecrets: true },
    )
    expect(await postman.deliver(stateWith([item({})]), 'plebbot42')).toEqual({ sent: [], failed: [] })
    expect(mails).toEqual([])
  })
})
