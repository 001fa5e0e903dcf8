import { createMemoryLogger, createVirtualClock } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { createDaemon, type AgentDescription, type DaemonComponent, type DaemonDeps } from './daemon.ts'
import type { StatusRequest, StatusResponse } from './status.ts'

const agent: AgentDescription = {
  publicKey: 'e'.repeat(64),
  tree: 'genesis',
  parentTree: null,
  parentPublicKey: null,
  hostIp: '10.77.1.2',
  genome: null,
  testnet: false,
  exitNode: false,
  softwareVersion: '0.1.0',
}

function setup(components: DaemonComponent[] = []) {
  const clock = createVirtualClock(1_000_000)
  const events: string[] = []
  let handler: ((r: StatusRequest) => StatusResponse) | undefined
  const serveStatus: DaemonDeps['serveStatus'] = async (listen, h) => {
    handler = h
    events.push(`listen ${listen.port}`)
    return { url: `http://test:${listen.port}`, stop: async () => void events.push('unlisten') }
  }
  const daemon = createDaemon(
    { clock, log: createMemoryLogger(), serveStatus, components },
    { agent, listen: { host: undefined, port: 8480 }, heartbeatIntervalMs: 5000 },
  )
  return { clock, daemon, events, request: (path: string) => handler?.({ method: 'GET', path }) }
}

describe('daemon', () => {
  it('beats at start and then every interval, as the status API shows', async () => {
    const { clock, daemon, request } = setup()
    await daemon.start()
    expect(daemon.url).toBe('http://test:8480')
    expect(request('/status')?.body).toMatchObject({
      tree: 'genesis',
      startedAtMs: 1_000_000,
      heartbeatAtMs: 1_000_000,
      heartbeats: 1,
    })
    await clock.advance(5000)
    await clock.advance(5000)
    expect(daemon.status()).toMatchObject({ heartbeatAtMs: 1_010_000, heartbeats: 3 })
    await daemon.stop()
    await clock.advance(20_000)
    expect(daemon.status().heartbeats).toBe(3)
  })

  it('starts components after the API and stops them in reverse, once', async () => {
    const log: string[] = []
    const component = (name: string): DaemonComponent => ({
      name,
      start: async () => void log.push(`start ${name}`),
      stop: async () => void log.push(`stop ${name}`),
    })
    const { daemon, events } = setup([component('tick'), component('gossip')])
    await Promise.all([daemon.start(), daemon.start()])
    await Promise.all([daemon.stop(), daemon.stop()])
    await daemon.stopped
    expect(log).toEqual(['start tick', 'start gossip', 'stop gossip', 'stop tick'])
    expect(events).toEqual(['listen 8480', 'unlisten'])
  })
})
