/**
 * What a fleet run measured (issue 19): per family while it runs, then merged in family order (so
 * one worker and many give the same document), and turned into the report renderer's input.
 * Per-day series are plain numbers (sats per day stay far below 2^53); totals of money are bigint
 * sats, written as decimal strings.
 */

/** Outcomes of one sell strategy, over the agents that carried it. */
export interface StrategyOutcome {
  agents: number
  children: number
  agentDays: number
  banned: number
  satsEarned: number
}

/** A provider's purchase attempts per day (index = simulated day). */
export interface ProviderOrders {
  /** Attempts that ended: orders paid, and orders that failed before any payment (`refused`). */
  attempts: number[]
  /** Attempts that failed before paying (the shop refused the order): the agent learns a failure. */
  refused: number[]
}

/** Per-day series, index = simulated day. */
export interface DailySeries {
  /** Agents alive at the end of the day. */
  population: number[]
  /** Families with at least one agent alive at the end of the day. */
  families: number[]
  births: number[]
  deaths: number[]
  /** Highest generation alive at the end of the day. */
  maxGeneration: number[]
  /** MB the living agents earned that day. */
  mbEarned: number[]
  /** Sats the agents got for MB that day. */
  satsEarned: number[]
  /** Sats the agents paid providers that day. */
  satsSpent: number[]
}

/** The summary of a run (or of one family). */
export interface FleetSummary {
  format: 'dolly-fleet-summary'
  version: 1
  scenario: string
  seed: number
  days: number
  families: number
  born: number
  died: number
  alive: number
  maxGeneration: number
  agentDays: number
  ticks: number
  purchases: number
  purchaseFailures: number
  mbEarned: number
  mbSold: number
  satsEarned: bigint
  satsSpent: bigint
  deathsByCause: Record<string, number>
  /** Ticks that threw, by error code (the agent ticks again after its interval, as the daemon does). */
  tickErrors: Record<string, number>
  /** Agents born (founders included) per generation; founders are generation 0. */
  bornByGeneration: number[]
  daily: DailySeries
  /** Agents alive on each provider at the end of each day. */
  providers: Record<string, number[]>
  /** Purchase attempts per provider and day (what the agents' offer choice picked). */
  orders: Record<string, ProviderOrders>
  strategies: Record<string, StrategyOutcome>
}

/** An empty summary of `days` days over `providers`. */
export function emptySummary(
  head: { scenario: string; seed: number; days: number; families: number },
  providers: readonly string[],
): FleetSummary {
  const zeros = (): number[] => new Array<number>(head.days).fill(0)
  return {
    format: 'dolly-fleet-summary',
    version: 1,
    ...head,
    born: 0,
    died: 0,
    alive: 0,
    maxGeneration: 0,
    agentDays: 0,
    ticks: 0,
    purchases: 0,
    purchaseFailures: 0,
    mbEarned: 0,
    mbSold: 0,
    satsEarned: 0n,
    satsSpent: 0n,
    deathsByCause: {},
    tickErrors: {},
    bornByGeneration: [],
    daily: {
      population: zeros(),
      families: zeros(),
      births: zeros(),
      deaths: zeros(),
      maxGeneration: zeros(),
      mbEarned: zeros(),
      satsEarned: zeros(),
      satsSpent: zeros(),
    },
    providers: Object.fromEntries(providers.map((p) => [p, zeros()])),
    orders: Object.fromEntries(providers.map((p) => [p, { attempts: zeros(), refused: zeros() }])),
    strategies: {},
  }
}

const addInto = (to: number[], from: readonly number[]): void => {
  for (let i = 0; i < from.length; i++) to[i] = (to[i] ?? 0) + (from[i] ?? 0)
}

/** Adds `b` into `a` (same days and providers); `families` add up, maxima take the larger. */
export function mergeInto(a: FleetSummary, b: FleetSummary): FleetSummary {
  a.families += b.families
  a.born += b.born
  a.died += b.died
  a.alive += b.alive
  a.maxGeneration = Math.max(a.maxGeneration, b.maxGeneration)
  a.agentDays += b.agentDays
  a.ticks += b.ticks
  a.purchases += b.purchases
  a.purchaseFailures += b.purchaseFailures
  a.mbEarned += b.mbEarned
  a.mbSold += b.mbSold
  a.satsEarned += b.satsEarned
  a.satsSpent += b.satsSpent
  for (const [cause, n] of Object.entries(b.deathsByCause))
    a.deathsByCause[cause] = (a.deathsByCause[cause] ?? 0) + n
  for (const [code, n] of Object.entries(b.tickErrors)) a.tickErrors[code] = (a.tickErrors[code] ?? 0) + n
  addInto(a.bornByGeneration, b.bornByGeneration)
  const d = a.daily
  addInto(d.population, b.daily.population)
  addInto(d.families, b.daily.families)
  addInto(d.births, b.daily.births)
  addInto(d.deaths, b.daily.deaths)
  for (let i = 0; i < b.daily.maxGeneration.length; i++)
    d.maxGeneration[i] = Math.max(d.maxGeneration[i] ?? 0, b.daily.maxGeneration[i] ?? 0)
  addInto(d.mbEarned, b.daily.mbEarned)
  addInto(d.satsEarned, b.daily.satsEarned)
  addInto(d.satsSpent, b.daily.satsSpent)
  for (const [p, series] of Object.entries(b.providers)) addInto((a.providers[p] ??= []), series)
  for (const [p, o] of Object.entries(b.orders)) {
    const t = (a.orders[p] ??= { attempts: [], refused: [] })
    addInto(t.attempts, o.attempts)
    addInto(t.refused, o.refused)
  }
  for (const [name, o] of Object.entries(b.strategies)) {
    const t = (a.strategies[name] ??= { agents: 0, children: 0, agentDays: 0, banned: 0, satsEarned: 0 })
    t.agents += o.agents
    t.children += o.children
    t.agentDays += o.agentDays
    t.banned += o.banned
    t.satsEarned += o.satsEarned
  }
  return a
}

/**
 * Counts one purchase outcome on `day` in `s.orders`: a paid order is an attempt, a failure before
 * payment is an attempt and a refusal, a paid order that fails later (never activated) was counted
 * when it was paid.
 */
export function countOrder(
  s: FleetSummary,
  p: { readonly provider: string; readonly ok: boolean; readonly paid: boolean },
  day: number,
): void {
  if (!p.ok && p.paid) return
  const o = (s.orders[p.provider] ??= { attempts: [], refused: [] })
  o.attempts[day] = (o.attempts[day] ?? 0) + 1
  if (!p.ok) o.refused[day] = (o.refused[day] ?? 0) + 1
}

/**
 * Share of purchase attempts on days `from`..`to` (inclusive) that went to `provider`, and the
 * share of all attempts that were refused; both 0 when there was no attempt.
 */
export function orderShares(
  s: Pick<FleetSummary, 'orders'>,
  provider: string,
  from: number,
  to: number,
): { attempts: number; share: number; refusedShare: number } {
  let all = 0
  let mine = 0
  let refused = 0
  for (const [name, o] of Object.entries(s.orders))
    for (let d = from; d <= to; d++) {
      const n = o.attempts[d] ?? 0
      all += n
      refused += o.refused[d] ?? 0
      if (name === provider) mine += n
    }
  return all === 0
    ? { attempts: 0, share: 0, refusedShare: 0 }
    : { attempts: all, share: mine / all, refusedShare: refused / all }
}

/** The summary as JSON-safe data: bigints as decimal strings, floats rounded to 6 places. */
export function summaryJson(s: FleetSummary): unknown {
  return JSON.parse(
    JSON.stringify(s, (_k, v: unknown) =>
      typeof v === 'bigint'
        ? v.toString()
        : typeof v === 'number' && !Number.isInteger(v)
          ? Math.round(v * 1e6) / 1e6
          : v,
    ),
  )
}

/** Input of the report renderer (simulate/report/, `writeReport(dir, input)`). */
export interface ReportInput {
  title: string
  subtitle: string
  facts: { label: string; value: string }[]
  charts: {
    id: string
    title: string
    xLabel: string
    yLabel: string
    x: number[]
    series: { name: string; values: number[] }[]
    stacked?: boolean
  }[]
  tables: { title: string; columns: string[]; rows: (string | number)[][] }[]
}

const round = (n: number, places = 1): number => Math.round(n * 10 ** places) / 10 ** places

/** The report of a run: facts, the population, generation, provider and money charts, tables. */
export function summaryToReport(s: FleetSummary): ReportInput {
  const x = Array.from({ length: s.days }, (_, i) => i + 1)
  const cumulative = (values: readonly number[]): number[] => {
    let sum = 0
    return values.map((v) => (sum += v))
  }
  const strategies = Object.entries(s.strategies).sort(([a], [b]) => (a < b ? -1 : 1))
  // Per provider and day, dense (a provider first seen mid-run has holes before it).
  const orders = Object.entries(s.orders)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, o]) => ({
      name,
      attempts: x.map((_, d) => o.attempts[d] ?? 0),
      refused: x.map((_, d) => o.refused[d] ?? 0),
    }))
  const total = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0)
  return {
    title: `Fleet simulation: ${s.scenario}`,
    subtitle: `${s.families} founders, ${s.days} days, seed ${s.seed}`,
    facts: [
      { label: 'Agents born', value: String(s.born) },
      { label: 'Agents died', value: String(s.died) },
      { label: 'Alive at the end', value: String(s.alive) },
      { label: 'Highest generation', value: String(s.maxGeneration) },
      { label: 'Agent-days simulated', value: String(round(s.agentDays)) },
      { label: 'Ticks run', value: String(s.ticks) },
      { label: 'Purchases (failed)', value: `${s.purchases} (${s.purchaseFailures})` },
      { label: 'MB earned / sold', value: `${round(s.mbEarned)} / ${round(s.mbSold)}` },
      { label: 'Sats earned / spent', value: `${s.satsEarned} / ${s.satsSpent}` },
    ],
    charts: [
      {
        id: 'population',
        title: 'Population',
        xLabel: 'day',
        yLabel: 'agents',
        x,
        series: [
          { name: 'alive', values: s.daily.population },
          { name: 'families alive', values: s.daily.families },
          { name: 'births (cumulative)', values: cumulative(s.daily.births) },
          { name: 'deaths (cumulative)', values: cumulative(s.daily.deaths) },
        ],
      },
      {
        id: 'generations',
        title: 'Highest generation alive',
        xLabel: 'day',
        yLabel: 'generation',
        x,
        series: [{ name: 'max generation', values: s.daily.maxGeneration }],
      },
      {
        id: 'providers',
        title: 'Agents by provider',
        xLabel: 'day',
        yLabel: 'agents',
        x,
        stacked: true,
        series: Object.entries(s.providers)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, values]) => ({ name, values })),
      },
      {
        id: 'money',
        title: 'Earnings and spending',
        xLabel: 'day',
        yLabel: 'sats per day',
        x,
        series: [
          { name: 'earned (MB sold)', values: s.daily.satsEarned },
          { name: 'spent (servers)', values: s.daily.satsSpent },
        ],
      },
      {
        id: 'orders',
        title: 'Purchase attempts by provider',
        xLabel: 'day',
        yLabel: 'attempts per day',
        x,
        stacked: true,
        series: orders.map((o) => ({ name: o.name, values: o.attempts })),
      },
      {
        id: 'refusals',
        title: 'Purchase attempts refused by provider',
        xLabel: 'day',
        yLabel: 'refusals per day',
        x,
        stacked: true,
        series: orders.map((o) => ({ name: o.name, values: o.refused })),
      },
    ],
    tables: [
      {
        title: 'Deaths by cause',
        columns: ['cause', 'agents'],
        rows: Object.entries(s.deathsByCause)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([cause, n]) => [cause, n]),
      },
      {
        title: 'Ticks that failed, by error code',
        columns: ['code', 'ticks'],
        rows: Object.entries(s.tickErrors)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([code, n]) => [code, n]),
      },
      {
        title: 'Purchase attempts by provider',
        columns: ['provider', 'attempts', 'refused', 'refusal rate'],
        rows: orders.map((o) => {
          const attempts = total(o.attempts)
          const refused = total(o.refused)
          return [o.name, attempts, refused, attempts === 0 ? 0 : round(refused / attempts, 3)]
        }),
      },
      {
        title: 'Births by generation',
        columns: ['generation', 'agents'],
        rows: s.bornByGeneration.map((n, g) => [g, n]),
      },
      {
        title: 'Strategy outcomes',
        columns: ['strategy', 'agents', 'children per agent', 'mean life (days)', 'banned', 'sats earned'],
        rows: strategies.map(([name, o]) => [
          name,
          o.agents,
          o.agents === 0 ? 0 : round(o.children / o.agents, 2),
          o.agents === 0 ? 0 : round(o.agentDays / o.agents),
          o.banned,
          Math.round(o.satsEarned),
        ]),
      },
    ],
  }
}
