/**
 * The seeds' questions as scenarios (issue 19, packages/world/scenarios/experiments/): each run is
 * small and its direction, not its numbers, is asserted.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { runFleet } from './adapters/run-fleet.ts'
import { parseScenario } from './scenario.ts'

const experiment = (name: string) => {
  const url = new URL(`../../../scenarios/experiments/${name}.json`, import.meta.url)
  return parseScenario(readFileSync(url, 'utf8'), name)
}

/** Mean of `part[d] / whole[d]` over days `from`..`to` where the whole is not 0. */
function meanShare(part: readonly number[], whole: readonly number[], from: number, to: number): number {
  let sum = 0
  let n = 0
  for (let d = from; d <= to; d++) {
    const w = whole[d] ?? 0
    if (w === 0) continue
    sum += (part[d] ?? 0) / w
    n++
  }
  return n === 0 ? 0 : sum / n
}

describe('fleet experiments', () => {
  it('banning provider: the share of agents on crownhost falls once it starts banning on day 20', async () => {
    const s = await runFleet({
      scenario: experiment('banning-provider'),
      seed: 1,
      days: 40,
      founders: 4,
      workers: 1,
    })
    const crown = s.providers['crownhost'] ?? []
    const before = meanShare(crown, s.daily.population, 10, 19)
    const after = meanShare(crown, s.daily.population, 25, 39)
    expect(before).toBeGreaterThan(0.2)
    expect(after).toBeLessThan(before / 2)
    expect(s.deathsByCause['banned'] ?? 0).toBeGreaterThan(0)
  }, 120_000)
})
