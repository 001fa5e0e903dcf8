/**
 * A fleet scenario (issue 19): the environment the simulated agents live in, as a JSON document
 * checked with zod. Only the environment is a model: the providers (plans, prices and their drift,
 * purchase failure and ban rates, lease lengths), the MB the agents earn (demand, free riders), the
 * buyers on the token market (their price distribution and its volatility), the founders'
 * bootstrap and sell strategies, gossip, and scheduled events ("crownhost starts banning on day
 * 120"). The agents are the real `createAgent`.
 */
import { STRATEGY_NAMES } from '@dolly/learning'
import { z } from 'zod'
import { WorldError } from '../../errors.ts'
import { standardShops } from '../../providers/catalog.ts'

const rate = z.number().min(0).max(1)
const NAME = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a lower-case provider name')

const PlanSchema = z.strictObject({
  name: z.string().min(1).max(64),
  monthlyCents: z.number().int().min(1).max(1_000_000),
  cores: z.number().int().min(1).max(256),
  memoryGB: z.number().min(0.1).max(4096),
  /** null: unmetered. */
  bandwidthTB: z.number().min(0).max(1000).nullable(),
})

/** What a provider does to its customers; the parts an event may change. */
const ProviderBehaviourSchema = z.strictObject({
  /** Share of paid orders that never become active (manual review that rejects, fraud blocks). */
  failureRate: rate,
  /**
   * Share of orders the shop refuses at checkout, before anything is paid (fraud screening, a
   * closed sign-up): the agent's purchase fails and its learning sees the failure. Absent: 0.
   */
  refusalRate: rate.optional(),
  /** Probability per day that a running server is suspended (DMCA-strict shops, bans). */
  banRatePerDay: rate,
  /** Standard deviation of the plans' daily price change, as a fraction (random walk). */
  priceDriftPerDay: z.number().min(0).max(0.5),
  /** World hours between payment and the server being active (manual review). */
  activationHours: z
    .number()
    .min(0)
    .max(24 * 14),
})

const ProviderSchema = ProviderBehaviourSchema.extend({
  name: NAME,
  /** Lease of a server, days (it is never extended: the agent dies at its end). */
  leaseDays: z.number().int().min(2).max(366),
  /** The plans; absent: the world catalogue's plans of the shop with this name. */
  plans: z.array(PlanSchema).min(1).max(16).optional(),
})

const EventSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('provider'),
    day: z.number().int().min(0).max(100_000),
    provider: NAME,
    set: ProviderBehaviourSchema.partial(),
  }),
  z.strictObject({
    kind: z.literal('demand'),
    day: z.number().int().min(0).max(100_000),
    mbPerAgentDay: z.number().min(0).max(1e7),
  }),
  z.strictObject({
    kind: z.literal('market'),
    day: z.number().int().min(0).max(100_000),
    /** Multiplies the buyers' median price from this day on. */
    priceFactor: z.number().min(0.001).max(1000),
  }),
])

/** The scenario document. */
export const ScenarioSchema = z.strictObject({
  format: z.literal('dolly-fleet-scenario'),
  version: z.literal(1),
  name: z.string().min(1).max(100),
  description: z.string().max(2000).default(''),
  /** Sats per US dollar (the shops' rate source; fixed). */
  satsPerUsd: z.number().int().min(1).max(100_000_000),
  providers: z.array(ProviderSchema).min(1).max(32),
  demand: z.strictObject({
    /** MB relayed per agent and day for paying users (the tunnels' rate × how busy an agent is). */
    mbPerAgentDay: z.number().min(0).max(1e7),
    /** Share of the relayed traffic that pays nothing (free riders): it earns no MB. */
    freeRiderShare: rate,
    /**
     * The users one family serves, in agents: past this many living agents the family's traffic
     * (its MB) and its buyers' bids are shared among them, so a family that earns more than its
     * servers cost grows to about this size instead of without bound. Absent: no limit.
     */
    capacityAgents: z.number().int().min(1).max(1_000_000).optional(),
  }),
  market: z.strictObject({
    /** Buyers' bids per living agent and day. */
    bidsPerAgentDay: z.number().min(0).max(1000),
    /** Median of the buyers' bid prices, sat per MB (log-normal). */
    medianSatPerMb: z.number().min(0.001).max(1e8),
    /** Spread of one bid's price around the median (σ of its logarithm). */
    priceSigma: z.number().min(0).max(5),
    /** Daily change of the median (σ of its logarithm, a random walk): the price volatility. */
    volatilityPerDay: z.number().min(0).max(2),
    /** MB one bid buys, at least and at most. */
    bidMb: z.tuple([z.number().min(1), z.number().min(1)]).refine(([a, b]) => a <= b, 'min ≤ max'),
    /** How long a bid rests, hours. */
    bidHours: z.number().min(0.1).max(24),
  }),
  founders: z.strictObject({
    /** Sats each founder (a family's root, bought by hand) starts with. */
    bootstrapSats: z.number().int().min(0).max(2_100_000_000_000_000),
    /** The provider the founders live on (its first plan). */
    provider: NAME,
    /** Weights of the founders' sell strategies (their children mutate from there). */
    strategyMix: z
      .partialRecord(z.enum(STRATEGY_NAMES), z.number().min(0))
      .refine((m) => Object.values(m).some((w) => w > 0), 'at least one strategy with weight > 0'),
  }),
  /** Neighbours' Q-tables merged in learning: `family` gossip within the family, or `isolated`. */
  gossip: z.enum(['family', 'isolated']),
  /** Hours between an idle agent's ticks (the agent sleeps between them and costs nothing). */
  tickHours: z.number().min(0.25).max(24),
  events: z.array(EventSchema).max(1000).default([]),
})

/** A checked scenario. */
export type Scenario = z.infer<typeof ScenarioSchema>
/** One provider of a scenario. */
export type ScenarioProvider = z.infer<typeof ProviderSchema>
/** A plan of a provider. */
export type ScenarioPlan = z.infer<typeof PlanSchema>
/** A scheduled change of the environment. */
export type ScenarioEvent = z.infer<typeof EventSchema>

/** A provider with its plans resolved (the world catalogue's when the scenario names none). */
export type ResolvedProvider = Omit<ScenarioProvider, 'plans'> & { readonly plans: readonly ScenarioPlan[] }

/** A checked scenario with its providers' plans resolved. */
export type FleetScenario = Omit<Scenario, 'providers'> & { readonly providers: readonly ResolvedProvider[] }

/** The plans of the world catalogue's shop `name` (providers/catalog.ts), undefined when none. */
export function worldPlans(name: string): ScenarioPlan[] | undefined {
  const shop = standardShops({ quirks: false }).find((s) => s.name === name)
  return shop?.products.map((p) => ({
    name: p.name,
    monthlyCents: p.monthlyCents,
    cores: p.cores,
    memoryGB: p.memoryGB,
    bandwidthTB: p.bandwidthTB,
  }))
}

/**
 * Parses and checks a scenario (`text` is the file's content; `source` names it in errors). Throws
 * WorldError `WORLD_SCENARIO_INVALID` for JSON that does not parse, a document that breaks the
 * schema, a provider without plans that the world catalogue does not know, a founder or event
 * provider that is not in the scenario, or duplicate provider names.
 */
export function parseScenario(text: string, source: string): FleetScenario {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new WorldError('WORLD_SCENARIO_INVALID', `${source}: not JSON: ${(err as Error).message}`, {})
  }
  const parsed = ScenarioSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue === undefined ? '' : issue.path.join('.')
    throw new WorldError(
      'WORLD_SCENARIO_INVALID',
      `${source}: ${where === '' ? '' : `${where}: `}${issue?.message ?? 'invalid'}`,
      {},
    )
  }
  const s = parsed.data
  const bad = (message: string): never => {
    throw new WorldError('WORLD_SCENARIO_INVALID', `${source}: ${message}`, {})
  }
  const names = new Set<string>()
  const providers: ResolvedProvider[] = s.providers.map((p) => {
    if (names.has(p.name)) bad(`providers: ${p.name} twice`)
    names.add(p.name)
    const plans = p.plans ?? worldPlans(p.name)
    if (plans === undefined) return bad(`providers: ${p.name} has no plans and is not a world shop`)
    return { ...p, plans }
  })
  if (!names.has(s.founders.provider)) bad(`founders.provider: ${s.founders.provider} is not a provider`)
  for (const e of s.events)
    if (e.kind === 'provider' && !names.has(e.provider)) bad(`events: ${e.provider} is not a provider`)
  return { ...s, providers }
}
