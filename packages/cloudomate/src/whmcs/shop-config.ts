/** The data record of a WHMCS + SolusVM shop (CLOUDOMATE.md §4): everything that differs per shop. */
import type { Currency, Virtualization } from '../model.ts'

/** Gateways the WHMCS driver can pay through (their `paymentmethod` module names). */
export type WhmcsGateway = 'bitpay' | 'coinpayments' | 'coinbase' | 'coinify' | 'blockchain' | 'spectrocoin'

/** How a shop lists its plans. */
export type ListingLayout =
  /** WHMCS standard_cart (`div.product` with feature `li`s, `#productN-order-button`). */
  | 'standard-cart'
  /** A plan table whose header names the columns (third-party themes). */
  | 'plan-table'

/** One WHMCS shop. */
export interface WhmcsShopConfig {
  /** Registry name (lower-case). */
  readonly name: string
  readonly website: string
  /** Root of the WHMCS install; overridable per run (`[<provider>] url`). */
  readonly baseUrl: string
  /** Page listing the plans, relative to `baseUrl`. */
  readonly listingPath: string
  readonly layout: ListingLayout
  readonly currency: Currency
  readonly gateway: WhmcsGateway
  /** `configoption[N]` → value id (OS, location…); checked against the select's options. */
  readonly configOptions: Readonly<Record<string, string>>
  /** `customfield[N]` → value, on the configure or checkout form. */
  readonly customFields: Readonly<Record<string, string>>
  /** Extra checkout fields (`acceptdomainwiderruf1` …). */
  readonly checkoutExtras: Readonly<Record<string, string>>
  /** Appended to the add-to-cart URL (`billingcycle=monthly`). */
  readonly billingcycle?: 'monthly' | 'quarterly' | 'annually'
  /** Virtualization when the listing does not say. */
  readonly virtualization: Virtualization
  readonly tunTap: boolean
  /** Solve the character-code cookie challenge (BlueAngelHost's 2017 hook) or report it. */
  readonly challenge: 'charcodes' | 'report'
  /** Operator notes: a shop that forbids automated orders, strict DMCA… (§8). */
  readonly notes?: string
  /** False for real shops that stopped working (§3.1); they are listed but not bought from by default. */
  readonly enabled: boolean
}
