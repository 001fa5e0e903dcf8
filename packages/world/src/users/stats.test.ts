import { errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import {
  RECENT_REQUESTS,
  addRequest,
  emptyStats,
  parseBuyerLine,
  parseProxyReady,
  type RequestRecord,
} from './stats.ts'

const req = (over: Partial<RequestRecord> = {}): RequestRecord => ({
  startedAtMs: 1,
  file: '1MiB.bin',
  hops: 3,
  bytes: 1048576,
  durationMs: 100,
  exitCode: 0,
  sha256Ok: true,
  ...over,
})

describe('user stats', () => {
  it('counts a request as ok only with exit 0 and a matching SHA-256', () => {
    let s = emptyStats('user1', '10.77.1.9', false)
    s = addRequest(s, req())
    s = addRequest(s, req({ sha256Ok: false }))
    s = addRequest(s, req({ exitCode: 28, bytes: 500, sha256Ok: false }))
    expect(s).toMatchObject({ requests: 3, ok: 1, failures: 2, bytes: 2 * 1048576 + 500, goodBytes: 1048576 })
  })

  it('keeps only the latest requests in full', () => {
    let s = emptyStats('u', 'ip', true)
    for (let i = 0; i < RECENT_REQUESTS + 5; i++) s = addRequest(s, req({ startedAtMs: i }))
    expect(s.recent).toHaveLength(RECENT_REQUESTS)
    expect(s.recent.at(-1)?.startedAtMs).toBe(RECENT_REQUESTS + 4)
    expect(s.requests).toBe(RECENT_REQUESTS + 5)
  })
})

describe('parseProxyReady', () => {
  it("reads the proxy's ready line", () => {
    expect(parseProxyReady('{"event":"ready","ports":{"1":1081,"2":1082,"3":1083}}')).toEqual({
      1: 1081,
      2: 1082,
      3: 1083,
    })
  })

  it('ignores other lines', () => {
    expect(parseProxyReady('starting')).toBeUndefined()
    expect(parseProxyReady('{"event":"bootstrap","peers":2}')).toBeUndefined()
  })

  it('refuses a ready line without a port per hop count', () => {
    for (const line of [
      '{"event":"ready","ports":{"1":1081,"2":1082}}',
      '{"event":"ready","ports":{"1":1081,"2":1082,"3":70000}}',
      '{"event":"ready"}',
    ]) {
      let code: string | undefined
      try {
        parseProxyReady(line)
      } catch (err) {
        code = errorCode(err)
      }
      expect(code).toBe('WORLD_USERS_PROXY_START')
    }
  })
})

describe('parseBuyerLine', () => {
  const good = {
    event: 'buyer',
    bids: 3,
    tradesCompleted: 2,
    tradesAborted: 1,
    satsPaid: '25600',
    mbBoughtBytes: '536870912',
  }
  it("reads the proxy's buyer line", () => {
    expect(parseBuyerLine(JSON.stringify(good))).toEqual({
      bids: 3,
      tradesCompleted: 2,
      tradesAborted: 1,
      satsPaid: '25600',
      mbBoughtBytes: '536870912',
    })
  })
  it('ignores other lines and rejects malformed ones', () => {
    expect(parseBuyerLine('{"event":"ready","ports":{}}')).toBeUndefined()
    expect(parseBuyerLine('not json')).toBeUndefined()
    for (const bad of [
      { ...good, bids: -1 },
      { ...good, tradesCompleted: 1.5 },
      { ...good, satsPaid: 25600 },
      { ...good, mbBoughtBytes: '-5' },
      { ...good, satsPaid: '1'.repeat(21) },
    ])
      expect(parseBuyerLine(JSON.stringify(bad))).toBeUndefined()
  })
})
