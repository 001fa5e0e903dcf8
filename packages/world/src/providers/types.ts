/** Page layouts: WHMCS's stock "six" theme with standard_cart, or a "lagom"-like third-party theme. */
export type TemplateName = 'six' | 'lagom'

/** The payment gateway a shop's WHMCS uses; the value is also its `paymentmethod` module name. */
export type GatewayKind = 'bitpay' | 'coinpayments' | 'coinbase' | 'blockchain'

/** WHMCS billing cycles the world's shops sell. */
export type BillingCycle = 'monthly' | 'quarterly' | 'annually'

/** One value of a WHMCS configurable option (`configoption[N]` select). */
export interface ConfigOptionValue {
  readonly id: number
  readonly label: string
  /** Extra per month, in US cents. */
  readonly monthlyCents: number
  readonly inStock: boolean
}

/** A WHMCS configurable option: OS, location, extra IP… */
export interface ConfigOption {
  readonly id: number
  readonly label: string
  readonly values: readonly ConfigOptionValue[]
}

/** A product (plan) of a shop, `cart.php?a=add&pid=<pid>`. */
export interface Product {
  readonly pid: number
  readonly name: string
  readonly cores: number
  readonly memoryGB: number
  readonly storageGB: number
  /** Monthly transfer in TB; null for unmetered. */
  readonly bandwidthTB: number | null
  readonly connectionGbps: number
  /** Price per month in US cents, before any price drift. */
  readonly monthlyCents: number
  readonly inStock: boolean
  readonly virtualization: 'kvm' | 'openvz' | 'lxc'
  /** Port speed the host gets (tc limit); absent = unlimited. */
  readonly bandwidthMbit?: number
}

/** Anti-automation behaviour a shop can switch on (CLOUDOMATE.md §8). */
export interface Quirks {
  /** E-mail domains refused at registration ("We don't allow users with the email address provider…"). */
  readonly bannedEmailDomains: readonly string[]
  /** MaxMind-like block: more than `maxRegistrations` sign-ups from one IP within `windowMs` (world ms). */
  readonly fraudBlock: { readonly maxRegistrations: number; readonly windowMs: number } | null
  /** Orders wait this long (world ms) in manual review before provisioning starts. */
  readonly manualReviewMs: number
  /** A "JavaScript Disabled … security service" page until the client presents the challenge cookie. */
  readonly jsChallenge: boolean
  /** Prices rise by `stepPercent` every `everyMs` of world time since the shop opened. */
  readonly priceDrift: { readonly stepPercent: number; readonly everyMs: number } | null
  /** Suspend a host within a minute of a DMCA complaint (CrownCloud); otherwise complaints are only logged. */
  readonly dmcaStrict: boolean
  /** Ignore the order's root password and e-mail a random one (CrownCloud). */
  readonly randomRootPassword: boolean
}

/** Everything that makes one shop differ from another. */
export interface ShopConfig {
  /** Registry name, lower-case (`bluecloud`). */
  readonly name: string
  /** Company name shown on pages and in e-mails. */
  readonly company: string
  readonly template: TemplateName
  readonly gateway: GatewayKind
  /** WHMCS session cookie name (`WHMCS` + a per-install suffix). */
  readonly cookieName: string
  readonly products: readonly Product[]
  readonly configOptions: readonly ConfigOption[]
  readonly quirks: Quirks
}
