import { createVirtualClock } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { createQTable } from '@dolly/learning'
import { createMemoryFleet } from '../../src/adapters/memory-fleet.ts'

// ANCHORS.md §5 target: a new Q-table version reaches >= 99 % of the simulated network within 10
// anti-entropy rounds. 500 nodes keep this test near a minute; bench/gossip measures N = 1,000.
const N = 500

describe('gossip at scale (memory overlay, virtual clock)', () => {
  it(`spreads one Q-table update to 99 % of ${N} agents within 10 push-pull rounds, and to all soon after`, async () => {
    const clock = createVirtualClock(1_700_000_000_000)
    const fleet = createMemoryFleet({ clock, seed: 'slow-fleet', rounds: 'shuffle' })
    for (let i = 0; i < N; i++) await fleet.add(1)
    for (let r = 0; r < 10; r++) {
      await clock.advance(10_000)
      await fleet.round()
    }
    const origin = fleet.agents[0]
    if (origin === undefined) throw new Error('empty fleet')
    await clock.advance(30_000)
    origin.network.publishQTable(createQTable(['alpha', 'beta']))
    const holders = (): number =>
      fleet.agents.filter((a) => a.network.entry('qtable', origin.network.id) !== undefined).length
    const reached: number[] = []
    while (holders() < N && reached.length < 20) {
      await clock.advance(30_000)
      await Promise.all(fleet.agents.map((a) => a.network.antiEntropyOnce()))
      reached.push(holders())
    }
    expect(reached.findIndex((n) => n >= 0.99 * N) + 1).toBeGreaterThan(0)
    expect(reached.findIndex((n) => n >= 0.99 * N) + 1).toBeLessThanOrEqual(10)
    expect(holders()).toBe(N)
    // Nobody rejected anything: honest traffic passes every check.
    expect(fleet.agents.every((a) => Object.keys(a.network.stats().rejected).length === 0)).toBe(true)
  }, 600_000)
})
