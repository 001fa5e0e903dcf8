import { describe, expect, it } from 'vitest'
import { fleetSeries } from './fleet.ts'
import type { NodeRecord } from './store.ts'

const rec = (
  tree: string,
  firstSeenMs: number,
  lastSeenMs: number,
  goodbyeMs: number | null = null,
): NodeRecord => ({
  tree,
  nick: tree,
  host: 'linevast',
  option: '',
  vpn: false,
  exitnode: false,
  firstSeenMs,
  lastSeenMs,
  goodbyeMs,
})

describe('fleetSeries', () => {
  it('counts births when first seen and deaths at goodbye or after dead_after of silence', () => {
    const f = fleetSeries([rec('P', 0, 100, 150), rec('P.0', 50, 60), rec('P.1', 120, 990)], 1000, 500)
    // Events: P born 0, P.0 born 50, P.1 born 120, P dies 150 (goodbye), P.0 dies 560 (60 + 500).
    expect(f.births.map((p) => [p.atMs, p.value])).toEqual([
      [0, 1],
      [50, 2],
      [120, 3],
      [150, 3],
      [560, 3],
      [1000, 3],
    ])
    expect(f.deaths.map((p) => p.value)).toEqual([0, 0, 0, 1, 2, 2])
    expect(f.population.map((p) => p.value)).toEqual([1, 2, 3, 2, 1, 1])
  })

  it('merges events at the same time into one point', () => {
    const f = fleetSeries([rec('A', 10, 10), rec('B', 10, 10)], 10, 500)
    expect(f.population).toEqual([{ atMs: 10, value: 2 }])
  })

  it('is empty without nodes', () => {
    expect(fleetSeries([], 10, 5)).toEqual({ population: [], births: [], deaths: [] })
  })
})
