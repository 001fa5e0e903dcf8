import type { Rng } from '@dolly/base'
import { allowedOffers, type OfferFilter } from './choose-offer.ts'
import { rouletteProvider, type Genome } from './genome.ts'
import type { OfferInfo } from './offer.ts'

/**
 * The legacy `dna` selector (`qd.selector = dna`, AGENT.md §7): roulette over the providers of the
 * allowed offers by the genome's weights, then that provider's **cheapest** allowed option (ties
 * by id). One `rng.float()` draw; undefined when nothing is allowed.
 */
export function chooseOfferByDna(
  genome: Genome,
  catalogue: readonly OfferInfo[],
  filter: OfferFilter,
  rng: Rng,
): OfferInfo | undefined {
  const allowed = allowedOffers(catalogue, filter)
  const provider = rouletteProvider(
    genome.providerWeights,
    allowed.map((o) => o.provider),
    rng.float(),
  )
  if (provider === undefined) return undefined
  const options = allowed
    .filter((o) => o.provider.toLowerCase() === provider)
    .sort((x, y) => {
      const px = x.priceSats ?? 0n
      const py = y.priceSats ?? 0n
      if (px !== py) return px < py ? -1 : 1
      return x.id < y.id ? -1 : x.id > y.id ? 1 : 0
    })
  return options[0]
}
