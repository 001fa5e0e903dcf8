/**
 * The domain types of cloudomate (CLOUDOMATE.md §2) with typed units: the original mixed strings,
 * `sys.maxsize` and floats in one field.
 */

/** Currencies the shops price in. */
export type Currency = 'USD' | 'EUR'

/** Billing period of a price. */
export type PricePeriod = 'month' | 'day' | 'hour'

/** A fiat price in integer minor units (cents), per period. */
export interface Price {
  readonly cents: bigint
  readonly currency: Currency
  readonly period: PricePeriod
}

/** Virtualization of a VPS; OpenVZ's old kernels cannot run Docker (thesis §6.5.1). */
export type Virtualization = 'kvm' | 'openvz' | 'lxc' | 'unknown'

/** One VPS plan of a provider. */
export interface VpsOption {
  /** Registry name of the provider. */
  readonly provider: string
  /** Stable within the provider: the WHMCS pid or the plan slug. */
  readonly id: string
  readonly name: string
  readonly cores: number
  readonly memoryGB: number
  readonly storageGB: number
  /** null = unmetered or fair use. */
  readonly bandwidthTBPerMonth: number | null
  /** null = not stated. */
  readonly connectionGbps: number | null
  readonly price: Price
  /** WHMCS `cart.php?a=add&pid=N` (absolute); absent for API providers. */
  readonly purchaseUrl?: string
  readonly virtualization: Virtualization
  readonly tunTap: boolean
  /** False when the shop lists the plan as sold out. */
  readonly inStock: boolean
}

/** One VPN product. */
export interface VpnOption {
  readonly provider: string
  readonly id: string
  readonly name: string
  readonly protocol: 'openvpn' | 'wireguard'
  readonly price: Price
  /** null = unlimited. */
  readonly bandwidthGB: number | null
  /** null = unlimited. */
  readonly speedMbit: number | null
}

/** How to log into a bought server. */
export interface VpsConfiguration {
  readonly ip: string
  readonly rootPassword?: string
  readonly sshKeyOnly?: boolean
}

/** Used/total of one resource, in bytes. */
export interface Usage {
  readonly usedBytes: bigint
  readonly totalBytes: bigint
}

/** Status of a bought server. */
export interface VpsStatus {
  readonly online: boolean
  /** Unix ms of the lease end, null when unknown. */
  readonly expirationMs: number | null
  readonly memory: Usage | null
  readonly storage: Usage | null
  readonly bandwidth: Usage | null
}

/** A WireGuard client configuration. */
export interface WireguardConfig {
  readonly privateKey: string
  readonly addresses: readonly string[]
  readonly dns: readonly string[]
  readonly peer: {
    readonly publicKey: string
    readonly endpoint: string
    readonly allowedIps: readonly string[]
  }
}

/** A VPN account's configuration. */
export interface VpnConfiguration {
  readonly username?: string
  readonly password?: string
  readonly ovpn?: string
  readonly wireguard?: WireguardConfig
}

/** One row of the WHMCS client area's services table. */
export interface ClientAreaService {
  readonly id: string
  readonly name: string
  /** The price as the page shows it, currency stripped ("4.99"). */
  readonly price: string
  /** YYYY-MM-DD. */
  readonly nextDue: string
  /** Lower-cased: active, pending, suspended, cancelled, terminated. */
  readonly status: string
  /** Absolute product-details URL. */
  readonly url: string
}

/** What a gateway asks us to pay (CLOUDOMATE.md §1 `PaymentRequest`). */
export interface PaymentQuote {
  readonly gateway: string
  readonly address: string
  readonly amountSats: bigint
  /** The raw BIP21 URI when the gateway gave one. */
  readonly bip21?: string
  /** Gateway invoice id, or the invoice URL when the gateway has no id. */
  readonly invoiceId: string
  readonly invoiceUrl: string
  /** Unix ms; absent when the gateway does not say. */
  readonly expiresAtMs?: number
}
