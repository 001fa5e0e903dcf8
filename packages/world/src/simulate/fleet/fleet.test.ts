/**
 * The fleet simulator (issue 19): determinism per seed, the same result whatever the number of
 * workers, agreement with the same agents driven by hand, and coded rejection of bad scenarios.
 * Small fleets, short runs: every agent is the real `createAgent`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { errorCode } from '@dolly/base'
import type { TickReport } from '@dolly/plebnet'
import { runFleet } from './adapters/run-fleet.ts'
import { createFamilyWorld, FLEET_START_MS, runFamily } from './family.ts'
import { parseScenario, worldPlans, type FleetScenario } from './scenario.ts'
import { countOrder, emptySummary, mergeInto, orderShares, summaryJson, summaryToReport } from './summary.ts'

const DEFAULT_TEXT = readFileSync(new URL('../../../scenarios/default.json', import.meta.url), 'utf8')
const scenario = parseScenario(DEFAULT_TEXT, 'default.json')

/** The default scenario with some fields replaced (parsed again, so it is checked). */
function variant(patch: (doc: Record<string, unknown>) => void): FleetScenario {
  const doc = JSON.parse(DEFAULT_TEXT) as Record<string, unknown>
  patch(doc)
  return parseScenario(JSON.stringify(doc), 'variant')
}

const run = (seed: number, workers: number, outDir?: string) =>
  runFleet({ scenario, seed, days: 45, founders: 3, workers, ...(outDir === undefined ? {} : { outDir }) })

describe('simulate fleet', () => {
  it('is deterministic per seed, and different seeds give different runs', async () => {
    const a = summaryJson(await run(7, 1))
    const b = summaryJson(await run(7, 1))
    expect(b).toEqual(a)
    const c = summaryJson(await run(8, 1))
    expect(c).not.toEqual(a)
    // Something happened: the founders bought, children were born, agents ticked.
    expect(a).toMatchObject({ families: 3, days: 45 })
    const s = await run(7, 1)
    expect(s.born).toBeGreaterThan(3)
    expect(s.purchases).toBeGreaterThan(0)
    expect(s.daily.population[0]).toBeGreaterThanOrEqual(3)
    // A family is alive while one of its agents is.
    s.daily.families.forEach((f, d) => {
      expect(f).toBeLessThanOrEqual(Math.min(3, s.daily.population[d] ?? 0))
      expect(f > 0).toBe((s.daily.population[d] ?? 0) > 0)
    })
    expect(s.daily.families[0]).toBe(3)
  }, 120_000)

  it('gives the same summary and events with two workers as with one', async () => {
    const dir1 = await mkdtemp(join(tmpdir(), 'fleet-w1-'))
    const dir2 = await mkdtemp(join(tmpdir(), 'fleet-w2-'))
    try {
      await run(3, 1, dir1)
      await run(3, 2, dir2)
      const [s1, s2, e1, e2] = await Promise.all([
        readFile(join(dir1, 'summary.json'), 'utf8'),
        readFile(join(dir2, 'summary.json'), 'utf8'),
        readFile(join(dir1, 'events.jsonl'), 'utf8'),
        readFile(join(dir2, 'events.jsonl'), 'utf8'),
      ])
      expect(s2).toBe(s1)
      expect(e2).toBe(e1)
      expect(e1.split('\n').filter((l) => l.includes('"event":"birth"')).length).toBeGreaterThan(3)
    } finally {
      await rm(dir1, { recursive: true, force: true })
      await rm(dir2, { recursive: true, force: true })
    }
  }, 120_000)

  it('agrees with the same agents ticked by hand at the same times, with no simulator loop', async () => {
    // No buyers, bans, failures or drift: the environment is the shops and the chain.
    const quiet = variant((d) => {
      ;(d['market'] as Record<string, unknown>)['bidsPerAgentDay'] = 0
      for (const p of d['providers'] as Record<string, unknown>[]) {
        p['failureRate'] = 0
        p['banRatePerDay'] = 0
        p['priceDriftPerDay'] = 0
      }
      d['gossip'] = 'isolated'
    })
    type Seen = {
      tree: string
      atMs: number
      effects?: readonly string[]
      idle?: string | null
      error?: string
    }
    const seen: Seen[] = []
    const view = (tree: string, atMs: number, r: TickReport | { readonly error: string }): Seen =>
      'error' in r ? { tree, atMs, error: r.error } : { tree, atMs, effects: r.effects, idle: r.idle }
    const sim = await runFamily(quiet, {
      seed: 5,
      family: 0,
      days: 40,
      recordEvents: true,
      onTick: (tree, atMs, r) => seen.push(view(tree, atMs, r)),
    })
    expect(seen.length).toBeGreaterThan(10)
    expect(new Set(seen.map((s) => s.tree)).size).toBeGreaterThan(1)

    // By hand: the same world, each agent's real tick called at the simulator's times.
    const world = createFamilyWorld(quiet, 5, 0)
    const born: string[] = []
    world.onBirth = (child) => void born.push(child.tree)
    await world.founder()
    const byHand: Seen[] = []
    for (const step of seen) {
      await world.clock.advance(step.atMs - world.clock.nowMs())
      for (const [tree, a] of world.alive) if (a.deathAtMs <= step.atMs) world.alive.delete(tree)
      const a = world.alive.get(step.tree)
      if (a === undefined) throw new Error(`${step.tree} is not alive by hand at ${step.atMs}`)
      world.chain.mine(1)
      const r = await a.agent.tick().catch((err: unknown) => ({ error: errorCode(err) ?? 'error' }))
      byHand.push(view(step.tree, step.atMs, r))
    }
    expect(byHand).toEqual(seen)
    const simBirths = sim.events
      .map((l) => JSON.parse(l) as { event: string; tree: string })
      .filter((e) => e.event === 'birth' && e.tree !== 'f0')
      .map((e) => e.tree)
    expect(born).toEqual(simBirths)
    expect(world.clock.nowMs()).toBeGreaterThan(FLEET_START_MS)
  }, 120_000)

  it("shares a family's traffic past its capacity: a family that earns more than it spends stops growing", async () => {
    // Family 125 of seed 1 earns more than its servers cost in the default scenario: uncapped it
    // doubles every few weeks (over 400 agents by day 217).
    const as = (capacity: number | undefined) =>
      variant((d) => {
        const demand = d['demand'] as Record<string, unknown>
        if (capacity === undefined) delete demand['capacityAgents']
        else demand['capacityAgents'] = capacity
      })
    const days = 150
    const free = await runFamily(as(undefined), { seed: 1, family: 125, days, recordEvents: false })
    const capped = await runFamily(as(8), { seed: 1, family: 125, days, recordEvents: false })
    const perAgentDay = scenario.demand.mbPerAgentDay * (1 - scenario.demand.freeRiderShare)
    const most = (xs: readonly number[]) => Math.max(0, ...xs)
    expect(most(free.summary.daily.population)).toBeGreaterThan(12)
    expect(most(capped.summary.daily.population)).toBeLessThan(most(free.summary.daily.population))
    // The family's MB a day never passes what its users give eight agents (plus the rounding of
    // agents dying mid-day), while the uncapped family's passes it.
    const over = (mb: readonly number[]) => mb.filter((x) => x > 8 * perAgentDay * 1.001).length
    expect(over(capped.summary.daily.mbEarned)).toBe(0)
    expect(over(free.summary.daily.mbEarned)).toBeGreaterThan(0)
  }, 120_000)

  it('turns a summary into the report renderer input', async () => {
    const s = await runFleet({ scenario, seed: 1, days: 10, founders: 1, workers: 1 })
    const report = summaryToReport(s)
    expect(report.charts.map((c) => c.id)).toEqual([
      'population',
      'generations',
      'providers',
      'money',
      'orders',
      'refusals',
    ])
    for (const c of report.charts) for (const series of c.series) expect(series.values).toHaveLength(10)
    expect(report.facts.find((f) => f.label === 'Agents born')?.value).toBe(String(s.born))
    // Every paid order is an attempt; refused ones are the other attempts.
    const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0)
    const orders = Object.values(s.orders)
    expect(sum(orders.map((o) => sum(o.attempts) - sum(o.refused)))).toBe(s.purchases)
    // The report's per-provider table and charts carry the same counts, provider by provider.
    const table = report.tables.find((t) => t.title === 'Purchase attempts by provider')
    const attemptsChart = report.charts.find((c) => c.id === 'orders')
    const refusalsChart = report.charts.find((c) => c.id === 'refusals')
    for (const [name, o] of Object.entries(s.orders)) {
      const row = table?.rows.find((r) => r[0] === name)
      expect(row?.slice(1, 3)).toEqual([sum(o.attempts), sum(o.refused)])
      expect(sum(attemptsChart?.series.find((x) => x.name === name)?.values ?? [])).toBe(sum(o.attempts))
      expect(sum(refusalsChart?.series.find((x) => x.name === name)?.values ?? [])).toBe(sum(o.refused))
    }
    expect(sum(table?.rows.map((r) => Number(r[1])) ?? [])).toBeGreaterThan(0)
  }, 60_000)

  it('counts purchase attempts per provider and day, merges them, and gives shares', () => {
    const head = { scenario: 't', seed: 1, days: 3, families: 1 }
    const a = emptySummary(head, ['x', 'y'])
    countOrder(a, { provider: 'x', ok: true, paid: true }, 0)
    countOrder(a, { provider: 'x', ok: false, paid: false }, 0)
    // A paid order that fails later was counted when it was paid.
    countOrder(a, { provider: 'x', ok: false, paid: true }, 1)
    countOrder(a, { provider: 'y', ok: true, paid: true }, 2)
    expect(a.orders['x']).toEqual({ attempts: [2, 0, 0], refused: [1, 0, 0] })
    expect(a.orders['y']).toEqual({ attempts: [0, 0, 1], refused: [0, 0, 0] })
    const b = emptySummary(head, ['x', 'y'])
    countOrder(b, { provider: 'y', ok: true, paid: true }, 0)
    mergeInto(a, b)
    expect(a.orders['y']?.attempts).toEqual([1, 0, 1])
    expect(orderShares(a, 'x', 0, 0)).toEqual({ attempts: 3, share: 2 / 3, refusedShare: 1 / 3 })
    expect(orderShares(a, 'x', 1, 2)).toEqual({ attempts: 1, share: 0, refusedShare: 0 })
    expect(orderShares(a, 'x', 1, 1)).toEqual({ attempts: 0, share: 0, refusedShare: 0 })
  })
})

describe('fleet scenarios', () => {
  it('the default scenario takes its plans from the world catalogue', () => {
    for (const p of scenario.providers) expect(p.plans).toEqual(worldPlans(p.name))
  })

  const bad: [string, string][] = [
    ['not JSON', '{'],
    ['a wrong format', JSON.stringify({ ...JSON.parse(DEFAULT_TEXT), format: 'other' })],
    ['an unknown field', JSON.stringify({ ...JSON.parse(DEFAULT_TEXT), extra: 1 })],
    ['a negative rate', DEFAULT_TEXT.replace('"freeRiderShare": 0.33', '"freeRiderShare": -1')],
    [
      'a refusal rate above 1',
      DEFAULT_TEXT.replace('"failureRate": 0.02,', '"failureRate": 0.02, "refusalRate": 1.5,'),
    ],
    ['an unknown strategy', DEFAULT_TEXT.replace('"constant_sell": 1', '"buy_high": 1')],
    [
      'a founder provider not listed',
      DEFAULT_TEXT.replace('"provider": "bluecloud"', '"provider": "nowhere"'),
    ],
    [
      'a provider without plans that is no world shop',
      DEFAULT_TEXT.replace('"name": "twosync"', '"name": "acme"'),
    ],
    [
      'an event for an unknown provider',
      JSON.stringify({
        ...JSON.parse(DEFAULT_TEXT),
        events: [{ kind: 'provider', day: 3, provider: 'acme', set: { banRatePerDay: 0.1 } }],
      }),
    ],
  ]
  for (const [what, text] of bad)
    it(`rejects ${what} with WORLD_SCENARIO_INVALID`, () => {
      expect(() => parseScenario(text, 'bad.json')).toThrow(
        expect.objectContaining({ code: 'WORLD_SCENARIO_INVALID' }),
      )
    })
})
