import { z } from 'zod'
import {
  BANDWIDTH_STEPS_GB,
  CORE_STEPS,
  MAX_DOWRY_BPS,
  MAX_OFFER_NAME_CHARS,
  MAX_OFFERS,
  MAX_PROVIDER_WEIGHT,
  MEMORY_STEPS_GB,
  SMA_WINDOW_DAYS_RANGE,
} from './constants.ts'
import { DecisionError } from './errors.ts'
import { STRATEGY_NAMES, type Genome } from './genome.ts'
import { parseWire, versionOf } from './wire.ts'

/** Version of the genome wire format (`genome.json`, child hand-over). */
export const GENOME_FORMAT_VERSION = 1

/** Largest number of children a genome may ask to fund per cycle. */
const MAX_VPS_COUNT = 16

const onLadder = (ladder: readonly number[]) =>
  z.number().refine((v) => ladder.includes(v), { message: `expected one of ${ladder.join(', ')}` })

/**
 * A weight's key is `lower(provider)` (genome.ts `withProviders`): any name a shop list can hold,
 * lower-case and bounded (lower-casing can double the code units), like the Q-table's offer ids.
 */
const providerKeySchema = z
  .string()
  .refine((k) => k.length > 0 && k.length <= 2 * MAX_OFFER_NAME_CHARS && k === k.toLowerCase(), {
    message: `expected a lower-case provider name of 1..${2 * MAX_OFFER_NAME_CHARS} characters`,
  })

const wireSchema = z.strictObject({
  version: z.literal(GENOME_FORMAT_VERSION),
  providerWeights: z
    .record(providerKeySchema, z.number().min(0).max(MAX_PROVIDER_WEIGHT))
    .refine((w) => Object.keys(w).length <= MAX_OFFERS, { message: `at most ${MAX_OFFERS} providers` }),
  softwareRef: z.strictObject({
    channel: z.enum(['latest', 'pinned']),
    version: z.string().regex(/^\d{1,6}\.\d{1,6}\.\d{1,6}(-[0-9A-Za-z.-]{1,40})?$/),
  }),
  preferredServer: z.strictObject({
    minMemoryGB: onLadder(MEMORY_STEPS_GB),
    minCores: onLadder(CORE_STEPS),
    minBandwidthGB: onLadder(BANDWIDTH_STEPS_GB),
  }),
  exitNode: z.boolean(),
  strategy: z.strictObject({
    name: z.enum(STRATEGY_NAMES),
    smaWindowDays: z.number().int().min(SMA_WINDOW_DAYS_RANGE[0]).max(SMA_WINDOW_DAYS_RANGE[1]),
    vpsCount: z.number().int().min(1).max(MAX_VPS_COUNT),
  }),
  dowryBps: z.number().int().min(0).max(MAX_DOWRY_BPS),
})

/** The JSON form of a genome. */
export type GenomeWire = z.infer<typeof wireSchema>

/** The wire form of a genome. */
export function serializeGenome(genome: Genome): GenomeWire {
  return {
    version: GENOME_FORMAT_VERSION,
    providerWeights: { ...genome.providerWeights },
    softwareRef: { ...genome.softwareRef },
    preferredServer: { ...genome.preferredServer },
    exitNode: genome.exitNode,
    strategy: { ...genome.strategy },
    dowryBps: genome.dowryBps,
  }
}

/**
 * Parses a serialized genome (from a parent or disk). Strict: an unknown version is
 * `PLEBNET_GENOME_VERSION_UNKNOWN`; unknown keys, NaN, ±Infinity, negative or huge weights,
 * off-ladder genes are `PLEBNET_GENOME_MALFORMED`. All or nothing.
 */
export function parseGenome(input: unknown): Genome {
  const version = versionOf(input)
  if (version !== undefined && version !== GENOME_FORMAT_VERSION) {
    throw new DecisionError(
      'PLEBNET_GENOME_VERSION_UNKNOWN',
      `genome format version ${String(version)} is not supported (expected ${GENOME_FORMAT_VERSION}); upgrade the agent`,
      { version: String(version), expected: GENOME_FORMAT_VERSION },
    )
  }
  const wire = parseWire(wireSchema, input, 'PLEBNET_GENOME_MALFORMED', 'genome')
  return {
    providerWeights: { ...wire.providerWeights },
    softwareRef: wire.softwareRef,
    preferredServer: wire.preferredServer,
    exitNode: wire.exitNode,
    strategy: wire.strategy,
    dowryBps: wire.dowryBps,
  }
}
