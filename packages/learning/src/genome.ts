import { DEFAULT_GENOME_RATE, INITIAL_PROVIDER_WEIGHT } from './constants.ts'

/** Minimum server an agent wants for its child; smaller offers are filtered before selection. */
export interface PreferredServer {
  /** One of `MEMORY_STEPS_GB`. */
  readonly minMemoryGB: number
  /** One of `CORE_STEPS`. */
  readonly minCores: number
  /** One of `BANDWIDTH_STEPS_GB`; 0 = no preference. */
  readonly minBandwidthGB: number
}

/** Which agent release a parent installs on its child (`create-child -b`). */
export interface SoftwareRef {
  /** `latest` follows the newest release; `pinned` installs `version`. */
  readonly channel: 'latest' | 'pinned'
  /** The semver of this build (the parent's running version when pinned). */
  readonly version: string
}

/** Names of the sell strategies (AGENT.md §4 `strategy.name`). */
export const STRATEGY_NAMES = [
  'constant_sell',
  'last_day_sell',
  'simple_moving_average',
  'crossovers_moving_averages',
] as const

/** A sell-strategy name. */
export type StrategyName = (typeof STRATEGY_NAMES)[number]

/** The sell strategy gene and its parameters. */
export interface StrategyGene {
  /** Which strategy sells this agent's MB. */
  readonly name: StrategyName
  /** SMA window in days (README 30). */
  readonly smaWindowDays: number
  /** Children to fund per cycle (`strategy.vps_count`). */
  readonly vpsCount: number
}

/**
 * The heritable genome ("DNA", AGENT.md §7): provider weights from the original
 * `plebnet/agent/dna.py`, and the genes the project description names but the original lacked.
 */
export interface Genome {
  /** Lower-case provider → weight (start 0.5); the `dna` selector's roulette wheel. */
  readonly providerWeights: Readonly<Record<string, number>>
  /** Release to install on the child. */
  readonly softwareRef: SoftwareRef
  /** Smallest server to buy for a child. */
  readonly preferredServer: PreferredServer
  /** Whether the child's runtime runs as an exit node (`-e`). */
  readonly exitNode: boolean
  /** How the agent sells its MB. */
  readonly strategy: StrategyGene
  /** Share of the balance given to a newborn child, in basis points (0 – `MAX_DOWRY_BPS`). */
  readonly dowryBps: number
}

/** Inputs of a root agent's genome. */
export interface RootGenomeInput {
  /** VPS providers of the catalogue. */
  readonly providers: readonly string[]
  /** The version of this build. */
  readonly version: string
  /** `--exitnode` at setup. */
  readonly exitNode: boolean
  /** Configured strategy (default `constant_sell`, the shipped config). */
  readonly strategy?: StrategyName
}

/** A root genome: every provider at 0.5, `latest`, 1 GB / 1 core, no dowry, the configured strategy. */
export function createRootGenome(input: RootGenomeInput): Genome {
  return {
    providerWeights: withProviders({}, input.providers),
    softwareRef: { channel: 'latest', version: input.version },
    preferredServer: { minMemoryGB: 1, minCores: 1, minBandwidthGB: 0 },
    exitNode: input.exitNode,
    strategy: { name: input.strategy ?? 'constant_sell', smaWindowDays: 30, vpsCount: 1 },
    dowryBps: 0,
  }
}

/** The weights extended by providers they lack, each at the initial 0.5 (names lower-cased). */
export function withProviders(
  weights: Readonly<Record<string, number>>,
  providers: readonly string[],
): Record<string, number> {
  const out: Record<string, number> = { ...weights }
  for (const p of providers) {
    const key = p.toLowerCase()
    if (!Object.hasOwn(out, key)) out[key] = INITIAL_PROVIDER_WEIGHT
  }
  return out
}

function total(weights: Readonly<Record<string, number>>): number {
  let sum = 0
  for (const w of Object.values(weights)) sum += w
  return sum
}

/**
 * normalise → ±rate on one provider → denormalise back to the old total (ALGORITHMS.md §6). The
 * negative step is undone when it would go below 0, as in dna.py's `demutate`. A provider the
 * weights lack is added at 0.5 first; an all-zero wheel is left as it is.
 */
function evolveWeights(
  weights: Readonly<Record<string, number>>,
  provider: string,
  delta: number,
): Record<string, number> {
  const start = withProviders(weights, [provider])
  const key = provider.toLowerCase()
  const oldTotal = total(start)
  if (!(oldTotal > 0)) return start
  const normal: Record<string, number> = {}
  for (const [p, w] of Object.entries(start)) normal[p] = w / oldTotal
  const stepped = (normal[key] ?? 0) + delta
  normal[key] = stepped < 0 ? stepped - delta : stepped
  const newTotal = total(normal)
  const out: Record<string, number> = {}
  for (const [p, w] of Object.entries(normal)) out[p] = (w * oldTotal) / newTotal
  return out
}

/** `positiveEvolve(p)`: raise a provider's share by `rate` of the normalised wheel. */
export function positiveEvolve(
  weights: Readonly<Record<string, number>>,
  provider: string,
  rate: number = DEFAULT_GENOME_RATE,
): Record<string, number> {
  return evolveWeights(weights, provider, rate)
}

/** `negativeEvolve(p)`: lower a provider's share by `rate` (no-op when that would go below 0). */
export function negativeEvolve(
  weights: Readonly<Record<string, number>>,
  provider: string,
  rate: number = DEFAULT_GENOME_RATE,
): Record<string, number> {
  return evolveWeights(weights, provider, -rate)
}

/**
 * After each purchase attempt (AGENT.md §7 `evolve`): success rewards the agent's **own** host,
 * which proved it earns enough to replicate; failure punishes the provider it tried to buy from.
 */
export function evolveGenome(
  genome: Genome,
  outcome: { readonly success: boolean; readonly selfProvider: string; readonly chosenProvider: string },
  rate: number = DEFAULT_GENOME_RATE,
): Genome {
  const providerWeights = outcome.success
    ? positiveEvolve(genome.providerWeights, outcome.selfProvider, rate)
    : negativeEvolve(genome.providerWeights, outcome.chosenProvider, rate)
  return { ...genome, providerWeights }
}

/**
 * Roulette over the allowed providers (ALGORITHMS.md §6): renormalise over them, draw `u` ∈ [0,1),
 * walk them in sorted order subtracting each share and return the first that brings it to ≤ 0;
 * the last one if rounding leaves nothing. Undefined when none is allowed. When every allowed
 * weight is 0 the wheel is uniform.
 */
export function rouletteProvider(
  weights: Readonly<Record<string, number>>,
  allowed: readonly string[],
  u: number,
): string | undefined {
  const keys = [...new Set(allowed.map((p) => p.toLowerCase()))].sort()
  if (keys.length === 0) return undefined
  const raw = keys.map((k) => Math.max(0, weights[k] ?? 0))
  const sum = raw.reduce((x, y) => x + y, 0)
  const shares = sum > 0 ? raw.map((w) => w / sum) : raw.map(() => 1 / keys.length)
  let x = u
  for (let i = 0; i < keys.length; i++) {
    x -= shares[i] ?? 0
    if (x <= 0) return keys[i]
  }
  return keys[keys.length - 1]
}
