import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createFamilyCensus, MAX_MISSED_POLLS, MIN_SILENCE_MS } from '../../src/genesis/adapters/census.ts'

/**
 * The census against a real status endpoint on loopback: 127.0.0.x addresses all reach the host, so
 * one server on port 8480 of 127.0.0.2 stands for an agent's host; when it stops answering in time the
 * census excuses it for a few polls while its host exists, and calls it dead once the host is gone.
 */
const STATUS = {
  format: 'dolly-status',
  version: 1,
  publicKey: 'ab'.repeat(32),
  tree: 'dolly.0',
  parentTree: 'dolly',
  parentPublicKey: null,
  hostIp: '127.0.0.2',
  genome: null,
  testnet: false,
  exitNode: false,
  softwareVersion: '0.1.0',
  startedAtMs: 0,
  heartbeatAtMs: 0,
  heartbeats: 1,
}

let server: Server | undefined
afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())))
  server = undefined
})

async function serve(answer: () => boolean): Promise<boolean> {
  server = createServer((req, res) => {
    if (!answer()) return // never answers: the poll times out
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(STATUS))
  })
  return new Promise((resolve) => {
    server?.once('error', () => resolve(false))
    server?.listen(8480, '127.0.0.2', () => resolve((server?.address() as AddressInfo).port === 8480))
  })
}

describe('family census polls', () => {
  it(`excuses missed polls of a host that still exists until ${MAX_MISSED_POLLS} in a row and ${MIN_SILENCE_MS} ms of silence, then calls the agent dead`, async (ctx) => {
    let answering = true
    if (!(await serve(() => answering))) ctx.skip() // port 8480 on 127.0.0.2 is taken on this machine
    let now = 1_000_000
    const census = createFamilyCensus({ nowMs: () => now })
    expect((await census.poll(['127.0.0.2'])).map((a) => a.alive)).toEqual([true])
    answering = false
    for (let i = 1; i < MAX_MISSED_POLLS; i++)
      expect((await census.poll(['127.0.0.2'])).map((a) => a.alive)).toEqual([true])
    // Enough misses, but the last answer is recent (several pollers in a few seconds): still alive.
    now += MIN_SILENCE_MS - 1
    expect((await census.poll(['127.0.0.2'])).map((a) => a.alive)).toEqual([true])
    now += 1
    expect((await census.poll(['127.0.0.2'])).map((a) => a.alive)).toEqual([false])
  }, 60_000)

  it('callers polling at the same time share one poll: they count as one miss', async (ctx) => {
    let answering = true
    if (!(await serve(() => answering))) ctx.skip()
    let now = 1_000_000
    const census = createFamilyCensus({ nowMs: () => now })
    expect((await census.poll(['127.0.0.2'])).map((a) => a.alive)).toEqual([true])
    answering = false
    now += MIN_SILENCE_MS
    const together = await Promise.all(
      Array.from({ length: MAX_MISSED_POLLS }, () => census.poll(['127.0.0.2'])),
    )
    expect(together.map((agents) => agents.map((a) => a.alive))).toEqual(
      Array.from({ length: MAX_MISSED_POLLS }, () => [true]),
    )
  }, 60_000)

  it('calls an agent dead at once when its host is gone', async (ctx) => {
    if (!(await serve(() => true))) ctx.skip()
    const census = createFamilyCensus()
    expect((await census.poll(['127.0.0.2'])).map((a) => a.alive)).toEqual([true])
    expect((await census.poll([])).map((a) => a.alive)).toEqual([false])
  })
})
