import type { Rng } from '@dolly/base'
import type { PreferredServer } from './genome.ts'
import type { OfferInfo } from './offer.ts'
import { qValue, type QTable } from './q-table.ts'

/** Generation of a tree path: its number of dot-separated segments (root = 1, child = 2, …). */
export function generationOf(tree: string): number {
  return tree.split('.').length
}

/**
 * Rate λ = 1 − 1/(g + 3) of the exponential rank draw (ALGORITHMS.md §4): 0.75 at the root, → 1
 * with depth but never 1, so selection never becomes greedy (Tribler/Dollynator#58). The README's
 * `⌊…⌋` rendering is wrong: there is no floor.
 */
export function selectionLambda(generation: number): number {
  return 1 - 1 / (generation + 3)
}

/** `k = min(⌊−ln(1 − u)/λ⌋, n − 1)`: the rank drawn from `u` ∈ [0,1), clamped to the filtered list. */
export function drawRank(u: number, lambda: number, count: number): number {
  const x = -Math.log(1 - u) / lambda
  return Math.min(Math.floor(x), count - 1)
}

/** What restricts the offers an agent may buy. */
export interface OfferFilter {
  /** Providers never to buy from again (`excluded_providers`), any case. */
  readonly excludedProviders: readonly string[]
  /** The genome's preferred server; ignored when it would leave nothing. */
  readonly preferredServer?: PreferredServer
}

function meets(offer: OfferInfo, pref: PreferredServer): boolean {
  return (
    offer.memoryGB >= pref.minMemoryGB &&
    offer.cores >= pref.minCores &&
    (offer.bandwidthGB === null || offer.bandwidthGB >= pref.minBandwidthGB)
  )
}

/**
 * The allowed offers (ALGORITHMS.md §4): not excluded, available, price known, and meeting the
 * preferred server unless that leaves nothing.
 */
export function allowedOffers(catalogue: readonly OfferInfo[], filter: OfferFilter): OfferInfo[] {
  const excluded = new Set(filter.excludedProviders.map((p) => p.toLowerCase()))
  const buyable = catalogue.filter(
    (o) => o.available && o.priceSats !== null && !excluded.has(o.provider.toLowerCase()),
  )
  const pref = filter.preferredServer
  if (pref === undefined) return buyable
  const preferred = buyable.filter((o) => meets(o, pref))
  return preferred.length > 0 ? preferred : buyable
}

/**
 * Offers ranked by `Q[current][o]` descending; ties by BTC price ascending, then id ascending (the
 * original took the last of a tie, so tied offers were unreachable). An offer the table does not
 * know ranks as Q = 0.
 */
export function rankOffers(table: QTable, current: string, offers: readonly OfferInfo[]): OfferInfo[] {
  const score = (o: OfferInfo): number => qValue(table, current, o.id) ?? 0
  return [...offers].sort((x, y) => {
    const dq = score(y) - score(x)
    if (dq !== 0) return dq
    const px = x.priceSats ?? 0n
    const py = y.priceSats ?? 0n
    if (px !== py) return px < py ? -1 : 1
    return x.id < y.id ? -1 : x.id > y.id ? 1 : 0
  })
}

/** Inputs of the next-offer choice. */
export interface ChooseOfferInput {
  /** The agent's table. */
  readonly table: QTable
  /** The offer the agent lives on (state c). */
  readonly current: string
  /** The agent's tree path; its depth sets λ. */
  readonly tree: string
  /** Every offer the agent knows. */
  readonly catalogue: readonly OfferInfo[]
  /** Exclusions and preference. */
  readonly filter: OfferFilter
}

/**
 * The offer to buy for the next child (ALGORITHMS.md §4): rank the allowed offers and take the
 * k-th, k exponential with rate λ(generation). One `rng.float()` draw; undefined when nothing is
 * allowed.
 */
export function chooseOffer(input: ChooseOfferInput, rng: Rng): OfferInfo | undefined {
  const ranked = rankOffers(input.table, input.current, allowedOffers(input.catalogue, input.filter))
  if (ranked.length === 0) return undefined
  const k = drawRank(rng.float(), selectionLambda(generationOf(input.tree)), ranked.length)
  return ranked[k]
}
