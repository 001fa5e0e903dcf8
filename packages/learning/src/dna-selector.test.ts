import type { Rng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { chooseOfferByDna } from './dna-selector.ts'
import { createRootGenome } from './genome.ts'
import { offerId, type OfferInfo } from './offer.ts'

function offer(provider: string, option: string, priceSats: bigint): OfferInfo {
  return {
    id: offerId(provider, option),
    provider,
    option,
    priceSats,
    priceUsdCents: 500,
    available: true,
    memoryGB: 1,
    cores: 1,
    bandwidthGB: null,
  }
}

const fixed = (u: number): Rng => ({
  seeded: true,
  bytes: () => new Uint8Array(0),
  float: () => u,
  int: () => 0,
})
const catalogue = [offer('Alpha', 'Big', 900n), offer('Alpha', 'Small', 100n), offer('Beta', 'One', 50n)]

describe('chooseOfferByDna', () => {
  const genome = { ...createRootGenome({ providers: ['Alpha', 'Beta'], version: '0.1.0', exitNode: false }) }

  it('spins the provider wheel, then takes that provider’s cheapest option', () => {
    expect(chooseOfferByDna(genome, catalogue, { excludedProviders: [] }, fixed(0.2))?.id).toBe('alpha_small')
    expect(chooseOfferByDna(genome, catalogue, { excludedProviders: [] }, fixed(0.7))?.id).toBe('beta_one')
  })

  it('only spins over allowed providers and returns nothing when none is allowed', () => {
    expect(chooseOfferByDna(genome, catalogue, { excludedProviders: ['alpha'] }, fixed(0.1))?.id).toBe(
      'beta_one',
    )
    expect(chooseOfferByDna(genome, [], { excludedProviders: [] }, fixed(0.1))).toBeUndefined()
  })
})
