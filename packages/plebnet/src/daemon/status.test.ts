import { describe, expect, it } from 'vitest'
import { handleStatusRequest, parseListenAddress, parseStatus, type AgentStatus } from './status.ts'

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

describe('status API handler', () => {
  it('serves /status and /health, read-only', () => {
    expect(handleStatusRequest({ method: 'GET', path: '/status' }, status, 6000)).toEqual({
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
