/** Everything one shop's handlers and lifecycle share. */
import type { Clock, Logger, Rng } from '@dolly/base'
import type { Gateway } from './gateways/gateway.ts'
import type { PaymentBook } from './payment-book.ts'
import type { RootPasswordChanger } from './ports.ts'
import type { ServiceTiming } from './service.ts'
import type { ShopStore } from './store.ts'
import type { ShopConfig } from './types.ts'

/** Frozen per-shop settings derived from the options. */
export interface ShopSettings {
  readonly satsPerUsd: bigint
  /** World time the shop opened (price drift counts from here). */
  readonly openedMs: number
  /** Value of the `PRID` cookie the JavaScript challenge sets. */
  readonly challengeValue: string
  /** World ms of one billing month. */
  readonly monthMs: number
  readonly timing: ServiceTiming
}

/** One shop's shared state and ports. */
export interface ShopContext {
  readonly config: ShopConfig
  readonly settings: ShopSettings
  readonly store: ShopStore
  readonly book: PaymentBook
  readonly gateway: Gateway
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  readonly passwords: RootPasswordChanger | null
  /** The shop's own base URL (known once it listens). */
  readonly baseUrl: () => string
}
