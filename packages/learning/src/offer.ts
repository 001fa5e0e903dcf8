/**
 * An offer as the decision core sees it (ALGORITHMS.md §1): a provider's option with its price and
 * the server it gives. Offers are both the states and the actions of QD-learning.
 */
export interface OfferInfo {
  /** `lower(provider) + "_" + lower(option)`, see `offerId`. */
  readonly id: string
  /** Provider name as the catalogue spells it (the genome's weights use its lower-case form). */
  readonly provider: string
  /** Option (plan) name. */
  readonly option: string
  /** Total price in satoshis (VPS incl. gateway and network fee); null when unknown. */
  readonly priceSats: bigint | null
  /** Monthly price in US cents, the reward's denominator; null when unknown. */
  readonly priceUsdCents: number | null
  /** Whether the provider currently sells it; vanished offers stay in tables, marked unavailable. */
  readonly available: boolean
  /** Memory in GB. */
  readonly memoryGB: number
  /** CPU cores. */
  readonly cores: number
  /** Monthly traffic in GB; null for unmetered. */
  readonly bandwidthGB: number | null
}

/**
 * The offer id of ALGORITHMS.md §1.
 * @example offerId('LineVast', 'Basic') === 'linevast_basic'
 */
export function offerId(provider: string, option: string): string {
  return `${provider.toLowerCase()}_${option.toLowerCase()}`
}
