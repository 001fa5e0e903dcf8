import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { LEARNING_DEMO_DEFAULTS, runLearningDemo, type DemoEvent } from './learning-demo.ts'

function run(seed: number, agents = 6, ticks = 300): { events: DemoEvent[]; text: string } {
  const events: DemoEvent[] = []
  const summary = runLearningDemo({ ...LEARNING_DEMO_DEFAULTS, agents, ticks }, createSeededRng(seed), (e) =>
    events.push(e),
  )
  const text = JSON.stringify([...events, summary], (_k, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v,
  )
  return { events, text }
}

describe('learning demo', () => {
  it('gives byte-identical output for the same seed and different output for another', () => {
    const a = run(1)
    expect(run(1).text).toBe(a.text)
    expect(run(2).text).not.toBe(a.text)
  })

  it('earns, sells, replicates and dies', () => {
    const kinds = new Set(run(1).events.map((e) => e.event))
    for (const k of ['earn_mb_tokens', 'sold_mb_tokens', 'node_replication', 'node_death'])
      expect(kinds).toContain(k)
  })

  it('keeps money consistent: no agent ends a sale or purchase with a negative balance', () => {
    const { events } = run(3)
    for (const e of events) {
      if (e.event === 'node_death') expect(e.btcSats).toBeGreaterThanOrEqual(0n)
      if (e.event === 'sold_mb_tokens') {
        expect(e.mb).toBeGreaterThan(0n)
        expect(e.sats).toBeGreaterThan(0n)
      }
    }
  })

  it('respects the population cap', () => {
    const events: DemoEvent[] = []
    const summary = runLearningDemo(
      { ...LEARNING_DEMO_DEFAULTS, agents: 3, ticks: 400, maxAgents: 5 },
      createSeededRng(4),
      (e) => events.push(e),
    )
    expect(summary.alive).toBeLessThanOrEqual(5)
    let alive = 3
    for (const e of events) {
      if (e.event === 'node_replication') alive += 1
      if (e.event === 'node_death') alive -= 1
      expect(alive).toBeLessThanOrEqual(5)
    }
  })

  it('names children after their parent and increments their generation', () => {
    for (const e of run(1).events) {
      if (e.event !== 'node_replication') continue
      expect(e.child.startsWith(`${e.parent}.`)).toBe(true)
      expect(e.generation).toBe(e.child.split('.').length)
    }
  })
})
