import { describe, expect, it } from 'vitest'
import { errorCode } from '@dolly/base'
import {
  decodeStatus,
  handleStatusRequest,
  isAuthorizedCaller,
  isHandingOver,
  parseAnyStatus,
  parseListenAddress,
  parseStatus,
  type AgentStatus,
} from './status.ts'

const status: AgentStatus = {
  format: 'dolly-status',
  version: 1,
  publicKey: 'c'.repeat(64),
  tree: 'genesis.0',
  parentTree: 'genesis',
  parentPublicKey: 'd'.repeat(64),
  hostIp: '10.77.1.2',
  genome: null,
  testnet: false,
  exitNode: false,
  softwareVersion: '0.1.0',
  startedAtMs: 1000,
  heartbeatAtMs: 5000,
  heartbeats: 2,
}

const lifecycle: NonNullable<AgentStatus['lifecycle']> = {
  worldNowMs: 10_000,
  birthMs: 0,
  leaseEndMs: 100_000,
  self: { provider: 'linevast', option: 'basic' },
  qtable: { secret: 'q' },
  genome: null,
  stopBuyingAtMs: 80_000,
  sweepAtMs: 90_000,
  spendableSats: '123456',
  children: [{ tree: 'genesis.0.0', ip: '10.77.1.9', provider: 'linevast', option: 'basic' }],
  pending: 0,
  excludedProviders: [],
  idle: null,
  earning: 'not earning',
  market: 'no market',
  lifeExpectancy: null,
  events: [{ atMs: 1, kind: 'purchase', text: 'paid txid ab12' }],
}
const PUBLIC_KEYS = [
  'access',
  'format',
  'handingOver',
  'heartbeatAtMs',
  'heartbeats',
  'parentPublicKey',
  'parentTree',
  'publicKey',
  'softwareVersion',
  'startedAtMs',
  'tree',
  'version',
]
const TOKEN = 'ab'.repeat(32)

describe('status API access (issue 14 item 12)', () => {
  it('shows a remote caller only the public fields', () => {
    const full = { ...status, lifecycle }
    const reply = handleStatusRequest({ method: 'GET', path: '/status' }, full, 6000)
    expect(reply.status).toBe(200)
    expect(Object.keys(reply.body as object).sort()).toEqual(PUBLIC_KEYS)
    const text = JSON.stringify(reply.body)
    for (const secret of ['10.77.1.2', '10.77.1.9', 'txid', '90000', '123456', 'secret'])
      expect(text).not.toContain(secret)
    expect(parseAnyStatus(JSON.parse(text))).toMatchObject({ access: 'public', handingOver: false })
    expect(parseStatus(JSON.parse(text))).toBeUndefined()
  })

  it('shows the local or authorized caller everything', () => {
    const full = { ...status, lifecycle }
    const reply = handleStatusRequest({ method: 'GET', path: '/status', authorized: true }, full, 6000)
    expect(reply.body).toEqual(full)
    expect(parseAnyStatus(JSON.parse(JSON.stringify(reply.body)))).toEqual(full)
  })

  it('tells peers whether the agent is handing over, as the heir probe needs', () => {
    const sweeping = { ...status, lifecycle: { ...lifecycle, worldNowMs: 95_000 } }
    const body = handleStatusRequest({ method: 'GET', path: '/status' }, sweeping, 6000).body
    const seen = parseAnyStatus(body)
    expect(seen).toMatchObject({ handingOver: true })
    expect(seen !== undefined && isHandingOver(seen)).toBe(true)
    expect(isHandingOver({ ...status, lifecycle })).toBe(false)
  })

  it('authorizes loopback callers and the bearer of the token, nobody else', () => {
    const remote = (authorization?: string) => ({ remoteAddress: '10.77.1.5', authorization })
    expect(isAuthorizedCaller({ remoteAddress: '127.0.0.1', authorization: undefined }, TOKEN)).toBe(true)
    expect(isAuthorizedCaller({ remoteAddress: '::1', authorization: undefined }, undefined)).toBe(true)
    expect(isAuthorizedCaller({ remoteAddress: '::ffff:127.0.0.1', authorization: undefined }, TOKEN)).toBe(
      true,
    )
    expect(isAuthorizedCaller(remote(), TOKEN)).toBe(false)
    expect(isAuthorizedCaller(remote(`Bearer ${TOKEN}`), TOKEN)).toBe(true)
    expect(isAuthorizedCaller(remote(`Bearer ${'cd'.repeat(32)}`), TOKEN)).toBe(false)
    expect(isAuthorizedCaller(remote(`Bearer ${TOKEN}`), undefined)).toBe(false)
    expect(isAuthorizedCaller(remote(TOKEN), TOKEN)).toBe(false)
    expect(isAuthorizedCaller({ remoteAddress: '::ffff:10.0.0.1', authorization: undefined }, TOKEN)).toBe(
      false,
    )
    expect(isAuthorizedCaller({ remoteAddress: '127.0.0.1.evil', authorization: undefined }, TOKEN)).toBe(
      false,
    )
  })
})

describe('status API handler', () => {
  it('serves /status and /health, read-only', () => {
    expect(handleStatusRequest({ method: 'GET', path: '/status', authorized: true }, status, 6000)).toEqual({
      status: 200,
      body: status,
    })
    expect(handleStatusRequest({ method: 'GET', path: '/health?x=1' }, status, 6000)).toEqual({
      status: 200,
      body: { ok: true, tree: 'genesis.0', heartbeatAtMs: 5000, heartbeatAgeMs: 1000 },
    })
    expect(handleStatusRequest({ method: 'POST', path: '/status' }, status, 6000).status).toBe(405)
    expect(handleStatusRequest({ method: 'DELETE', path: '/health' }, status, 6000).status).toBe(405)
    expect(handleStatusRequest({ method: 'GET', path: '/nope' }, status, 6000).status).toBe(404)
    expect(
      handleStatusRequest({ method: 'GET', path: '/health' }, { ...status, heartbeatAtMs: null }, 6000)
        .status,
    ).toBe(503)
  })

  it('parses status documents strictly', () => {
    expect(parseStatus(JSON.parse(JSON.stringify(status)))).toEqual(status)
    expect(parseStatus({ ...status, extra: true })).toBeUndefined()
    expect(parseStatus({ ...status, publicKey: 'zz' })).toBeUndefined()
  })

  it('carries the tunnels block in the full document only, strictly parsed (issue 16)', () => {
    const tunnels = {
      relay: true,
      exit: true,
      hopsKnown: 3,
      circuits: { relayedNow: 1, exitedNow: 2, relayedTotal: 5, exitedTotal: 9 },
      bytesUp: '123456789012345678901',
      bytesDown: '7',
      exitBytesOut: '0',
      exitBytesIn: '5',
      framesDropped: 0,
    }
    const full = { ...status, tunnels }
    expect(parseStatus(JSON.parse(JSON.stringify(full)))).toEqual(full)
    const reply = handleStatusRequest({ method: 'GET', path: '/status' }, full, 6000)
    expect(JSON.stringify(reply.body)).not.toContain('tunnels')
    expect(parseStatus({ ...status, tunnels: { ...tunnels, bytesUp: 5 } })).toBeUndefined()
    expect(parseStatus({ ...status, tunnels: { ...tunnels, extra: 1 } })).toBeUndefined()
    expect(parseStatus({ ...status, tunnels: { ...tunnels, circuits: { relayedNow: -1 } } })).toBeUndefined()
  })

  it('carries the IRC bot block in the full document only, strictly parsed (issue 18)', () => {
    const irc = {
      server: '10.77.3.1:6667',
      channel: '#plebnet123',
      nick: 'plebbot4521',
      running: true,
      connected: true,
      joined: false,
      sessions: 2,
      commandsAnswered: 14,
      commandsDropped: 0,
      linesDropped: 1,
    }
    const full = { ...status, irc }
    expect(parseStatus(JSON.parse(JSON.stringify(full)))).toEqual(full)
    // Peers see the nick only (it is public in the channel anyway): a parent's postcard names it.
    const reply = handleStatusRequest({ method: 'GET', path: '/status' }, full, 6000)
    expect(reply.body).toMatchObject({ access: 'public', nick: 'plebbot4521' })
    expect(JSON.stringify(reply.body)).not.toContain('6667')
    expect(parseAnyStatus(JSON.parse(JSON.stringify(reply.body)))).toEqual(reply.body)
    expect(handleStatusRequest({ method: 'GET', path: '/status' }, status, 6000).body).not.toHaveProperty(
      'nick',
    )
    expect(parseStatus({ ...status, irc: { ...irc, joined: 'yes' } })).toBeUndefined()
    expect(parseStatus({ ...status, irc: { ...irc, sessions: -1 } })).toBeUndefined()
    expect(parseStatus({ ...status, irc: { ...irc, password: 'x' } })).toBeUndefined()
  })

  it('carries the token figures of a node that runs tunnel payments, strictly parsed', () => {
    const payments = {
      rule: '2017',
      paid: '0',
      received: '3145728',
      earned: '2097152',
      balance: '-1048576',
      cutUnpaid: 1,
      refused: 0,
    }
    const tunnels = {
      relay: true,
      exit: false,
      hopsKnown: 3,
      circuits: { relayedNow: 0, exitedNow: 0, relayedTotal: 1, exitedTotal: 0 },
      bytesUp: '1',
      bytesDown: '2',
      exitBytesOut: '0',
      exitBytesIn: '0',
      framesDropped: 0,
      payments,
    }
    const full = { ...status, tunnels }
    expect(parseStatus(JSON.parse(JSON.stringify(full)))).toEqual(full)
    for (const bad of [
      { ...payments, rule: '2019' },
      { ...payments, earned: 5 },
      { ...payments, paid: '-1' },
      { ...payments, balance: '1.5' },
      { ...payments, extra: 1 },
    ])
      expect(
        parseStatus({ ...status, tunnels: { ...tunnels, payments: bad } }),
        JSON.stringify(bad),
      ).toBeUndefined()
  })

  it('refuses a reply that is neither a full nor a public status with REPLICATION_STATUS_MALFORMED', () => {
    expect(decodeStatus(JSON.parse(JSON.stringify(status)))).toEqual(status)
    for (const bad of [
      null,
      [],
      'status',
      7,
      {},
      { ...status, extra: true },
      { ...status, publicKey: 'zz' },
    ]) {
      let thrown: unknown
      try {
        decodeStatus(bad)
      } catch (err) {
        thrown = err
      }
      expect(errorCode(thrown), JSON.stringify(bad)?.slice(0, 40)).toBe('REPLICATION_STATUS_MALFORMED')
    }
  })

  it.each([
    ['', { host: undefined, port: 8480 }],
    ['10.77.1.2', { host: '10.77.1.2', port: 8480 }],
    ['10.77.1.2:9000', { host: '10.77.1.2', port: 9000 }],
    [':0', { host: undefined, port: 0 }],
    ['[::1]:81', { host: '::1', port: 81 }],
    ['1.2.3.4:99999', undefined],
    ['a b', undefined],
  ])('parses listen address %j', (text, expected) => {
    expect(parseListenAddress(text, 8480)).toEqual(expected)
  })
})
