import type { Rng } from '@dolly/base'
import {
  BANDWIDTH_STEPS_GB,
  CORE_STEPS,
  DEFAULT_GENE_FLIP_P,
  DEFAULT_TRIM_F,
  DOWRY_STEP_BPS,
  MAX_DOWRY_BPS,
  MAX_GENE_FLIP_P,
  MEMORY_STEPS_GB,
  SMA_WINDOW_DAYS_RANGE,
  SMA_WINDOW_STEP_DAYS,
} from './constants.ts'
import { DecisionError } from './errors.ts'
import { STRATEGY_NAMES, type Genome } from './genome.ts'
import { createQTable, mergeRemotes, type QTable } from './q-table.ts'
import type { RemoteEntry } from './remote-tables.ts'

/** Options of inheritance. */
export interface InheritOptions {
  /** Probability that each discrete gene flips or steps (`genome.gene_flip_p`), in [0, 0.5]. */
  readonly geneFlipP?: number
  /** The parent's running version, given to a child whose software channel is `pinned`. */
  readonly runningVersion: string
}

/** The flip probability, checked: a probability outside [0, `MAX_GENE_FLIP_P`] is a config error. */
export function checkGeneFlipP(p: number): number {
  if (!Number.isFinite(p) || p < 0 || p > MAX_GENE_FLIP_P) {
    throw new DecisionError(
      'PLEBNET_OPTIONS_INVALID',
      `genome.gene_flip_p must be in [0, ${MAX_GENE_FLIP_P}], got ${p}; fix the [genome] section of the config`,
      { geneFlipP: p },
    )
  }
  return p
}

/** One step up or down the ladder (clamped at its ends); a value off the ladder snaps to its nearest rung first. */
function stepOn(ladder: readonly number[], value: number, up: boolean): number {
  let at = 0
  for (let i = 1; i < ladder.length; i++) {
    if (Math.abs((ladder[i] ?? 0) - value) < Math.abs((ladder[at] ?? 0) - value)) at = i
  }
  const next = Math.min(ladder.length - 1, Math.max(0, at + (up ? 1 : -1)))
  return ladder[next] ?? value
}

/**
 * The child's genome (AGENT.md §7): a copy of the parent's in which each discrete gene flips or
 * steps independently with probability `geneFlipP`. Provider weights are inherited unchanged
 * (they move only by `evolveGenome`). The draws happen in a fixed order, one `rng.float()` per gene
 * plus one per direction or choice, so a seeded `Rng` makes inheritance reproducible.
 */
export function inheritGenome(parent: Genome, rng: Rng, options: InheritOptions): Genome {
  const p = checkGeneFlipP(options.geneFlipP ?? DEFAULT_GENE_FLIP_P)
  const flip = (): boolean => rng.float() < p
  const up = (): boolean => rng.float() < 0.5

  let softwareRef = parent.softwareRef
  if (flip()) {
    softwareRef =
      softwareRef.channel === 'latest'
        ? { channel: 'pinned', version: options.runningVersion }
        : { channel: 'latest', version: options.runningVersion }
  }
  const server = parent.preferredServer
  const minMemoryGB = flip() ? stepOn(MEMORY_STEPS_GB, server.minMemoryGB, up()) : server.minMemoryGB
  const minCores = flip() ? stepOn(CORE_STEPS, server.minCores, up()) : server.minCores
  const minBandwidthGB = flip()
    ? stepOn(BANDWIDTH_STEPS_GB, server.minBandwidthGB, up())
    : server.minBandwidthGB
  const exitNode = flip() ? !parent.exitNode : parent.exitNode

  let strategy = parent.strategy
  if (flip()) {
    const others = STRATEGY_NAMES.filter((n) => n !== strategy.name)
    const name = others[rng.int(others.length)] ?? strategy.name
    strategy = { ...strategy, name }
  }
  if (flip()) {
    const [lo, hi] = SMA_WINDOW_DAYS_RANGE
    const delta = up() ? SMA_WINDOW_STEP_DAYS : -SMA_WINDOW_STEP_DAYS
    strategy = { ...strategy, smaWindowDays: Math.min(hi, Math.max(lo, strategy.smaWindowDays + delta)) }
  }
  let dowryBps = parent.dowryBps
  if (flip()) {
    const delta = up() ? DOWRY_STEP_BPS : -DOWRY_STEP_BPS
    dowryBps = Math.min(MAX_DOWRY_BPS, Math.max(0, dowryBps + delta))
  }
  return {
    providerWeights: { ...parent.providerWeights },
    softwareRef,
    preferredServer: { minMemoryGB, minCores, minBandwidthGB },
    exitNode,
    strategy,
    dowryBps,
  }
}

/**
 * The child's Q-table (AGENT.md §6 payload `qtable`): what its parent learned, merged with what the
 * family gossiped. Only entries of `family` standing count (parent, children, inherited contacts by
 * the parent's own records; a stranger or merely known key never shapes a child). The merge is the
 * consensus half of the QD update (`mergeRemotes`, F-trimmed per cell, weight β of the column): E
 * and the counters stay the parent's. Null when neither the parent nor its family has a table.
 *
 * Throws `PLEBNET_OPTIONS_INVALID` for a bad trim F.
 */
export function inheritQTable(
  parent: QTable | null,
  gossiped: readonly RemoteEntry[],
  trimF: number = DEFAULT_TRIM_F,
): QTable | null {
  const family = gossiped.filter((e) => e.standing === 'family').map((e) => e.table)
  if (family.length === 0) return parent
  return mergeRemotes(parent ?? createQTable([]), family, trimF)
}
