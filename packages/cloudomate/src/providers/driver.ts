/**
 * The provider driver interface (CLOUDOMATE.md §1): one per provider kind, behind which a WHMCS shop
 * and a JSON API look the same to the purchase flow. Drivers never pay; they quote and report.
 */
import type { AbortOptions, Clock, Logger, Rng } from '@dolly/base'
import type { NetworkParams } from '@dolly/wallet'
import type { HttpSession } from '../http/session.ts'
import type { PaymentQuote, Price, VpsOption } from '../model.ts'
import type { SettingKey, Settings } from '../settings.ts'

/** What a driver call gets: a fresh browser session and the ports. */
export interface DriverContext {
  readonly session: HttpSession
  readonly network: NetworkParams
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
}

/**
 * The per-purchase account: the identity used at the shop and driver data (service id, API token).
 * Stored per purchase, mode 0600, never in the user's config.
 */
export interface PurchaseAccount {
  readonly purchaseId: string
  readonly provider: string
  readonly optionId: string
  readonly settings: Settings
  readonly data: Readonly<Record<string, string>>
}

/** The result of ordering: the payment request and driver data to keep with the account. */
export interface OrderResult {
  readonly quote: PaymentQuote
  readonly data: Readonly<Record<string, string>>
  /** Work after paying that the gateway wants (the blockchain module's ticket). */
  afterPay?(options?: AbortOptions): Promise<void>
}

/** Where a bought service stands. */
export type ServiceState =
  | { readonly kind: 'pending'; readonly status: string; readonly data?: Readonly<Record<string, string>> }
  | {
      readonly kind: 'active'
      readonly ip: string
      readonly rootPassword?: string
      readonly sshKeyOnly?: boolean
      readonly expirationMs?: number
      readonly data?: Readonly<Record<string, string>>
    }
  | { readonly kind: 'failed'; readonly status: string }

/** What the purchase flow needs of any option: an id and a price. */
export interface PricedOption {
  readonly id: string
  readonly price: Price
}

/** The part of a driver the purchase flow uses (VPS and VPN drivers both have it). */
export interface OrderingDriver<O extends PricedOption> {
  readonly name: string
  /** The gateway's fee in percent, for the price estimate (§5). */
  readonly gatewayFeePercent: number
  requiredSettings(): readonly SettingKey[]
  /** What a purchase of `option` charges, in cents, when that differs from its list price. */
  chargeCents?(option: O): bigint
  /** Orders `option` up to the payment request; never pays. */
  order(ctx: DriverContext, option: O, account: PurchaseAccount, options?: AbortOptions): Promise<OrderResult>
  /** After payment: provisions where the provider needs a call (API launch) and reports the state. */
  state(ctx: DriverContext, account: PurchaseAccount, options?: AbortOptions): Promise<ServiceState>
}

/** A VPS provider driver. */
export interface VpsDriver extends OrderingDriver<VpsOption> {
  readonly name: string
  readonly website: string
  readonly kind: 'whmcs' | 'api'
  /** The gateway's fee in percent, for the price estimate (§5). */
  readonly gatewayFeePercent: number
  readonly tunTap: boolean
  /** False for providers known to be unbuyable (§3.1); listed, bought only when asked explicitly. */
  readonly enabled: boolean
  readonly notes?: string
  /** Settings a purchase needs. */
  requiredSettings(): readonly SettingKey[]
  /**
   * What a purchase of `option` will charge in the option's currency, in cents, when that differs from
   * its list price (API providers top up whole dollars for several days).
   */
  chargeCents?(option: VpsOption): bigint
  options(ctx: DriverContext, options?: AbortOptions): Promise<readonly VpsOption[]>
  /** Orders `option` up to the payment request; never pays. */
  order(
    ctx: DriverContext,
    option: VpsOption,
    account: PurchaseAccount,
    options?: AbortOptions,
  ): Promise<OrderResult>
  /** After payment: provisions where the provider needs a call (API launch) and reports the state. */
  state(ctx: DriverContext, account: PurchaseAccount, options?: AbortOptions): Promise<ServiceState>
  /** Changes the root password through the provider's panel; undefined when it has none. */
  setRootPassword?(
    ctx: DriverContext,
    account: PurchaseAccount,
    password: string,
    options?: AbortOptions,
  ): Promise<void>
}
