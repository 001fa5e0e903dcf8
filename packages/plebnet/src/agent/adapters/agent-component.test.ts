import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryLogger, createVirtualClock } from '@dolly/base'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { acquireTickLock } from '../../lifecycle/adapters/tick-lock.ts'
import type { Agent, TickReport } from '../create-agent.ts'
import { createAgentComponent, type OpenedAgent } from './agent-component.ts'

let home: string
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'dolly-agent-component-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

const IDLE: TickReport = {
  ran: true,
  effects: [],
  idle: 'NO_OFFER',
  state: undefined,
  status: undefined,
  sell: undefined,
}
const OPTIONS = { tickIntervalMs: 60_000, timeScale: 1, firstDelayMs: 0 }

/** Records how often the ports were opened and closed and the agent ticked. */
function opener(failFirst: number) {
  const counts = { opens: 0, closes: 0, ticks: 0 }
  const open = (): Promise<OpenedAgent> => {
    counts.opens += 1
    if (counts.opens <= failFirst) return Promise.reject(new Error('wallet locked'))
    const agent: Agent = {
      tick: () => Promise.resolve(((counts.ticks += 1), IDLE)),
      status: () => undefined,
      close: () => undefined,
      settled: () => Promise.resolve(),
    }
    return Promise.resolve({ agent, close: () => void (counts.closes += 1) })
  }
  return { counts, open }
}

describe("the daemon's agent component", () => {
  it('opens the ports once for every tick of its life, retries a failed open, and closes them on stop', async () => {
    const clock = createVirtualClock(0)
    const log = createMemoryLogger()
    const { counts, open } = opener(1)
    const component = createAgentComponent({ realClock: clock, log, open }, { ...OPTIONS, home })
    await component.start()
    await clock.advance(0)
    // The first open failed: logged as a failed tick, the daemon goes on.
    expect(counts).toEqual({ opens: 1, closes: 0, ticks: 0 })
    expect(log.entries.some((e) => e.event === 'tick.failed')).toBe(true)
    for (let i = 0; i < 3; i++) await clock.advance(60_000)
    expect(counts).toEqual({ opens: 2, closes: 0, ticks: 3 })
    await component.stop()
    expect(counts).toEqual({ opens: 2, closes: 1, ticks: 3 })
  })

  it('skips a tick while another holds the tick lock (plebnet check), without ticking the agent', async () => {
    const clock = createVirtualClock(0)
    const { counts, open } = opener(0)
    const component = createAgentComponent(
      { realClock: clock, log: createMemoryLogger(), open },
      { ...OPTIONS, home },
    )
    const release = await acquireTickLock(home)
    expect(release).toBeDefined()
    await component.start()
    await clock.advance(0)
    expect(counts.ticks).toBe(0)
    await release?.()
    await clock.advance(60_000)
    expect(counts.ticks).toBe(1)
    await component.stop()
    expect(counts.closes).toBe(1)
  })
})
