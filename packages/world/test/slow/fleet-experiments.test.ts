/**
 * The seeds' questions as scenarios (issue 19, packages/world/scenarios/experiments/): each run is
 * small and its direction, not its numbers, is asserted. Six minutes of one core in all, so the file
 * sits with the slow project's simulations (two workers) rather than in unit.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { runFleet } from '../../src/simulate/fleet/adapters/run-fleet.ts'
import { STRATEGY_NAMES, type StrategyName } from '@dolly/learning'
import { parseScenario, type FleetScenario } from '../../src/simulate/fleet/scenario.ts'
import { orderShares, type FleetSummary } from '../../src/simulate/fleet/summary.ts'

const experiment = (name: string) => {
  const url = new URL(`../../scenarios/experiments/${name}.json`, import.meta.url)
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

/** Attempts and `provider`'s attempts on days `from`..`to`, summed over runs. */
function pooledShare(runs: readonly FleetSummary[], provider: string, from: number, to: number): number {
  let all = 0
  let mine = 0
  for (const s of runs) {
    const o = orderShares(s, provider, from, to)
    all += o.attempts
    mine += o.share * o.attempts
  }
  return all === 0 ? 0 : mine / all
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

  it('gossip: families that merge Q-tables stop choosing the refusing provider sooner than isolated agents', async () => {
    const family = experiment('gossip-learning')
    const isolated: FleetScenario = { ...family, gossip: 'isolated' }
    const run = (scenario: FleetScenario, seed: number) =>
      runFleet({ scenario, seed, days: 35, founders: 4, workers: 1 })
    const seeds = [1, 2]
    const withGossip: FleetSummary[] = []
    const alone: FleetSummary[] = []
    for (const seed of seeds) {
      withGossip.push(await run(family, seed))
      alone.push(await run(isolated, seed))
    }
    // Day 0 starts with the founders' first choices (an empty table ranks the cheapest, crownhost,
    // first); a founder that can afford more children buys again the same day, when gossip already
    // acts on what the refusals taught, so the two day-0 shares need not be equal.
    const first = pooledShare(withGossip, 'crownhost', 0, 0)
    const aloneFirst = pooledShare(alone, 'crownhost', 0, 0)
    expect(first).toBeGreaterThan(0.4)
    expect(aloneFirst).toBeGreaterThan(0.4)
    expect(withGossip.some((s) => orderShares(s, 'crownhost', 0, 0).refusedShare > 0)).toBe(true)
    const gossipLate = pooledShare(withGossip, 'crownhost', 20, 34)
    const aloneLate = pooledShare(alone, 'crownhost', 20, 34)
    // Both learn (refusals are failures their QD-learning sees), gossip more.
    expect(aloneLate).toBeLessThan(aloneFirst)
    expect(gossipLate).toBeLessThan(first)
    expect(gossipLate).toBeLessThan(aloneLate)
  }, 180_000)

  it('sell strategies under volatile prices: constant_sell families live longest and have the most children', async () => {
    const scenario = experiment('sell-strategies')
    const runs = new Map<StrategyName, FleetSummary>()
    for (const name of STRATEGY_NAMES) {
      const only: FleetScenario = {
        ...scenario,
        founders: { ...scenario.founders, strategyMix: { [name]: 1 } },
      }
      runs.set(name, await runFleet({ scenario: only, seed: 1, days: 60, founders: 6, workers: 1 }))
    }
    const constant = runs.get('constant_sell')
    expect(constant?.strategies['constant_sell']?.agents).toBeGreaterThan(6)
    for (const name of STRATEGY_NAMES) {
      if (name === 'constant_sell') continue
      const other = runs.get(name)
      expect(constant?.agentDays).toBeGreaterThan(other?.agentDays ?? Infinity)
      expect(constant?.born).toBeGreaterThan(other?.born ?? Infinity)
    }
  }, 180_000)

  it('bootstrap: below the first child no founder buys at once; more buys a bigger first-day brood and more agent-days', async () => {
    const scenario = experiment('bootstrap')
    const founders = 4
    const run = (bootstrapSats: number) =>
      runFleet({
        scenario: { ...scenario, founders: { ...scenario.founders, bootstrapSats } },
        seed: 1,
        days: 75,
        founders,
        workers: 1,
      })
    const poor = await run(7_500)
    const enough = await run(scenario.founders.bootstrapSats)
    const rich = await run(100_000)
    // 7,500 sats is below the cheapest child (3,000) plus its payment's 5,000-sat fee reserve: no
    // founder buys on the first day (later sales may still lift one over it).
    expect(poor.daily.births[0]).toBe(founders)
    expect(enough.daily.births[0]).toBeGreaterThan(founders)
    expect(poor.born).toBeLessThan(enough.born)
    // The bootstrap goes into children on the first day...
    expect(rich.daily.births[0]).toBeGreaterThan(2 * (enough.daily.births[0] ?? 0))
    // ...and more of it keeps more families going: the families alive on the last day and the
    // agent-days grow with the bootstrap (seed 1: 100,000 sats left two of four families on day 75).
    expect(rich.daily.families[74] ?? 0).toBeGreaterThanOrEqual(enough.daily.families[74] ?? 0)
    expect(rich.agentDays).toBeGreaterThan(enough.agentDays)
  }, 180_000)
})
