import { describe, expect, it } from 'vitest'
import type { Observation } from './observation.ts'
import { createLiveStore, createMemoryStore } from './store.ts'

const metric = (value: number): Observation => ({
  kind: 'metric',
  atMs: value,
  nick: 'a',
  metric: 'uploaded',
  value,
})

describe('live store', () => {
  it('tells each listener of each observation after storing it, until unsubscribed', () => {
    const live = createLiveStore(createMemoryStore())
    const heard: number[] = []
    const off = live.subscribe((o) =>
      heard.push(o.kind === 'metric' ? live.series('a', 'uploaded', 9).length : -1),
    )
    live.add(metric(1))
    live.add(metric(2))
    off()
    live.add(metric(3))
    expect(heard).toEqual([1, 2])
  })

  it('stores and goes on telling the others when a listener throws, and drops that listener', () => {
    const live = createLiveStore(createMemoryStore())
    let bad = 0
    let good = 0
    live.subscribe(() => {
      bad++
      throw new Error('client gone')
    })
    live.subscribe(() => good++)
    live.add(metric(1))
    live.add(metric(2))
    expect([bad, good]).toEqual([1, 2])
    expect(live.series('a', 'uploaded', 9)).toHaveLength(2)
  })
})
