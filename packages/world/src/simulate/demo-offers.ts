import { offerId, type OfferInfo } from '@dolly/learning'

/** A simulated offer: the catalogue entry plus how the simulated world treats it. */
export interface DemoOffer extends OfferInfo {
  /** Probability that a purchase of this offer fails (provider refuses, payment lost in review). */
  readonly failureRate: number
  /** Mean MB a node on this server earns per day. */
  readonly earnMbPerDay: number
}

/** Satoshis per US cent in the demo (1 BTC = 50 000 USD). */
export const DEMO_SATS_PER_CENT = 20n

function demoOffer(
  provider: string,
  option: string,
  usdCents: number,
  server: { memoryGB: number; cores: number; bandwidthGB: number | null },
  failureRate: number,
  earnMbPerDay: number,
): DemoOffer {
  return {
    id: offerId(provider, option),
    provider,
    option,
    priceUsdCents: usdCents,
    priceSats: BigInt(usdCents) * DEMO_SATS_PER_CENT,
    available: true,
    ...server,
    failureRate,
    earnMbPerDay,
  }
}

/**
 * The demo's offer table: three providers with cheap and large plans whose earning per dollar and
 * reliability differ, so there is something to learn. Values are invented for the demo, in the
 * ranges of the original's providers (linevast, qhoster, proxhost).
 */
export const DEMO_OFFERS: readonly DemoOffer[] = Object.freeze([
  demoOffer('LineVast', 'Basic', 500, { memoryGB: 1, cores: 1, bandwidthGB: 1000 }, 0.1, 3_000),
  demoOffer('LineVast', 'Pro', 1000, { memoryGB: 4, cores: 2, bandwidthGB: 2000 }, 0.1, 6_500),
  demoOffer('QHoster', 'Small', 400, { memoryGB: 1, cores: 1, bandwidthGB: 500 }, 0.35, 2_200),
  demoOffer('QHoster', 'Large', 1200, { memoryGB: 4, cores: 4, bandwidthGB: null }, 0.35, 9_000),
  demoOffer('ProxHost', 'Micro', 300, { memoryGB: 0.5, cores: 1, bandwidthGB: 300 }, 0.05, 1_100),
  demoOffer('ProxHost', 'Standard', 700, { memoryGB: 2, cores: 2, bandwidthGB: 1000 }, 0.5, 5_000),
])
