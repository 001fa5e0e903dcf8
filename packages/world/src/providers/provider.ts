/**
 * `startProvider`: one WHMCS-like shop with its payment gateway, both listening on `host`, its own
 * node wallet on the world chain, and the invoice/lease loop on the world clock.
 */
import { createCryptoRng, type Clock, type Logger, type Rng } from '@dolly/base'
import { startPassLoop } from './pass-loop.ts'
import { z } from 'zod'
import { createHttpServices, type HttpServiceFactory } from './adapters/serve-provider.ts'
import { createSshRootPasswordChanger } from './adapters/ssh-root-password.ts'
import { standardShops } from './catalog.ts'
import {
  CONFIRMATIONS,
  DMCA_SUSPEND_DELAY_MS,
  INVOICE_EXPIRY_MS,
  MONTH_MS,
  POLL_INTERVAL_MS,
  PROVISIONING_DELAY_MS,
  SATS_PER_USD,
} from './constants.ts'
import { ProviderError } from './errors.ts'
import { createGateway } from './gateways/create.ts'
import { createShopLifecycle } from './lifecycle.ts'
import { createNodeWallet } from './node-wallet.ts'
import { createPaymentBook } from './payment-book.ts'
import type { ProviderChain, ProviderProvisioner, RootPasswordChanger } from './ports.ts'
import { randomAlnum, randomHex } from './random-text.ts'
import { createShopHandler } from './shop-app.ts'
import type { ShopContext } from './shop-context.ts'
import { createShopStore } from './store.ts'
import type { GatewayKind, Quirks, ShopConfig, TemplateName } from './types.ts'

/** Ports a provider needs. */
export interface ProviderDeps {
  readonly chain: ProviderChain
  readonly provisioner: ProviderProvisioner
  /** World clock (the world passes its scaled clock). */
  readonly clock: Clock
  readonly log: Logger
  /** Defaults to the OS CSPRNG (root passwords and session ids must not be guessable). */
  readonly rng?: Rng
  /** Defaults to SSH + chpasswd. */
  readonly passwords?: RootPasswordChanger
  /** Opens the sockets; defaults to node HTTP servers (tests may serve in-process). */
  readonly serve?: HttpServiceFactory
}

const optionsSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/),
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535).default(0),
  gatewayPort: z.number().int().min(0).max(65535).default(0),
  template: z.enum(['six', 'lagom']).optional(),
  gateway: z.enum(['bitpay', 'coinpayments', 'coinbase', 'blockchain']).optional(),
  quirks: z.record(z.string(), z.unknown()).optional(),
  satsPerUsd: z.bigint().positive().default(SATS_PER_USD),
  provisioningDelayMs: z.number().int().nonnegative().default(PROVISIONING_DELAY_MS),
  invoiceExpiryMs: z.number().int().positive().default(INVOICE_EXPIRY_MS),
  confirmations: z.number().int().min(0).max(100).default(CONFIRMATIONS),
  pollIntervalMs: z.number().positive().default(POLL_INTERVAL_MS),
  monthMs: z.number().int().positive().default(MONTH_MS),
  network: z.string().default('regtest'),
  walletName: z.string().optional(),
})

/** Options of one provider; `name` picks a standard shop unless `shop` gives a full configuration. */
export interface ProviderOptions {
  readonly name: string
  /** Address to listen on (the world bridge's gateway IP, or 127.0.0.1 in tests). */
  readonly host: string
  readonly port?: number
  readonly gatewayPort?: number
  readonly shop?: ShopConfig
  readonly template?: TemplateName
  readonly gateway?: GatewayKind
  readonly quirks?: Partial<Quirks>
  readonly satsPerUsd?: bigint
  /** World ms from payment (after review) to handing over the host. */
  readonly provisioningDelayMs?: number
  /**
   * World ms an invoice stays payable (default BitPay's 15 min). At high time scales give buyers
   * enough real seconds: e.g. `scale × 60_000` is one real minute.
   */
  readonly invoiceExpiryMs?: number
  readonly confirmations?: number
  /** World ms between two passes of the invoice/lease loop: keep it around half a real second of world time. */
  readonly pollIntervalMs?: number
  /** World ms of one billing month (30 days unless a demo wants shorter leases). */
  readonly monthMs?: number
  /** Network name in payment requests. */
  readonly network?: string
  /** Node wallet name (default `provider-<name>`). */
  readonly walletName?: string
}

/** What `dolly world status` shows of a provider. */
export interface ProviderInfo {
  readonly name: string
  readonly kind: 'whmcs'
  readonly url: string
  readonly gatewayUrl: string
  readonly template: TemplateName
  readonly gateway: GatewayKind
  readonly quirks: readonly string[]
  readonly hosts: readonly { serviceId: number; ip: string; status: string; leaseEndMs: number | null }[]
  readonly openInvoices: number
}

/** A running provider. */
export interface RunningProvider {
  readonly name: string
  readonly url: string
  readonly gatewayUrl: string
  info(): ProviderInfo
  /** Files a DMCA complaint against `ip`; a strict shop suspends the host within a minute. */
  fileDmca(ip: string): boolean
  /** Runs one lifecycle pass now (also runs on its own every `pollIntervalMs`). */
  pass(): Promise<void>
  stop(): Promise<void>
}

/** Names of the switched-on quirks, for status output. */
export function quirkNames(q: Quirks): readonly string[] {
  const out: string[] = []
  if (q.bannedEmailDomains.length > 0) out.push(`banned-email-domains(${q.bannedEmailDomains.join(',')})`)
  if (q.fraudBlock !== null)
    out.push(`fraud-block(${q.fraudBlock.maxRegistrations}/${q.fraudBlock.windowMs}ms)`)
  if (q.manualReviewMs > 0) out.push(`manual-review(${q.manualReviewMs}ms)`)
  if (q.jsChallenge) out.push('js-challenge')
  if (q.priceDrift !== null) out.push(`price-drift(+${q.priceDrift.stepPercent}%/${q.priceDrift.everyMs}ms)`)
  if (q.dmcaStrict) out.push('dmca-strict')
  if (q.randomRootPassword) out.push('random-root-password')
  return out
}

/**
 * Starts one provider.
 *
 * @throws ProviderError WORLD_PROVIDER_INVALID_OPTION for bad options or an unknown standard shop name,
 *   WORLD_PROVIDER_START_FAILED when the wallet or a socket cannot be set up.
 */
export async function startProvider(deps: ProviderDeps, options: ProviderOptions): Promise<RunningProvider> {
  const parsed = optionsSchema.safeParse(options)
  if (!parsed.success) {
    throw new ProviderError(
      'WORLD_PROVIDER_INVALID_OPTION',
      `invalid provider options: ${parsed.error.message}`,
      { issues: parsed.error.issues },
    )
  }
  const o = parsed.data
  const base = options.shop ?? standardShops({ quirks: false }).find((s) => s.name === o.name)
  if (base === undefined) {
    throw new ProviderError(
      'WORLD_PROVIDER_INVALID_OPTION',
      `no standard shop named ${o.name}; pass options.shop`,
      { name: o.name },
    )
  }
  const config: ShopConfig = Object.freeze({
    ...base,
    name: o.name,
    ...(o.template === undefined ? {} : { template: o.template }),
    ...(o.gateway === undefined ? {} : { gateway: o.gateway }),
    quirks: { ...base.quirks, ...(options.quirks ?? {}) },
  })
  const rng = deps.rng ?? createCryptoRng()
  const log = deps.log.child({ component: 'provider', provider: config.name })
  const wallet = await createNodeWallet(deps.chain, o.walletName ?? `provider-${config.name}`)
  const book = createPaymentBook(
    { wallet, clock: deps.clock, rng, log },
    { expiryMs: o.invoiceExpiryMs, confirmations: o.confirmations },
  )
  const urls = { shop: '', gateway: '' }
  const gateway = createGateway(
    config.gateway,
    { book, clock: deps.clock, rng },
    {
      baseUrl: () => urls.gateway,
      satsPerUsd: o.satsPerUsd,
      network: o.network,
      merchantId: randomHex(rng, 32),
    },
  )
  const ctx: ShopContext = {
    config,
    settings: Object.freeze({
      satsPerUsd: o.satsPerUsd,
      openedMs: deps.clock.nowMs(),
      challengeValue: randomAlnum(rng, 24),
      monthMs: o.monthMs,
      timing: Object.freeze({
        provisioningDelayMs: o.provisioningDelayMs,
        manualReviewMs: config.quirks.manualReviewMs,
        dmcaSuspendDelayMs: DMCA_SUSPEND_DELAY_MS,
        maxProvisionAttempts: 3,
      }),
    }),
    store: createShopStore(),
    book,
    gateway,
    clock: deps.clock,
    rng,
    log,
    passwords: deps.passwords ?? createSshRootPasswordChanger(),
    baseUrl: () => urls.shop,
  }
  const lifecycle = createShopLifecycle(ctx, deps.provisioner)
  const services = await (deps.serve ?? createHttpServices)(
    [
      { handler: createShopHandler(ctx), port: o.port },
      { handler: gateway.handle, port: o.gatewayPort },
    ],
    { host: o.host, log },
  )
  const [shopService, gatewayService] = services
  if (shopService === undefined || gatewayService === undefined) {
    throw new ProviderError(
      'WORLD_PROVIDER_START_FAILED',
      'the HTTP service factory returned fewer services than asked for',
      {},
    )
  }
  urls.shop = shopService.url
  urls.gateway = gatewayService.url

  const loop = startPassLoop(
    { clock: deps.clock, log, pass: () => lifecycle.pass() },
    { intervalMs: o.pollIntervalMs, failedEvent: 'provider.pass_failed' },
  )
  log.info('provider.started', {
    url: urls.shop,
    gatewayUrl: urls.gateway,
    gateway: config.gateway,
    template: config.template,
  })

  let stopped: Promise<void> | null = null
  return {
    name: config.name,
    url: urls.shop,
    gatewayUrl: urls.gateway,
    info: () => ({
      name: config.name,
      kind: 'whmcs',
      url: urls.shop,
      gatewayUrl: urls.gateway,
      template: config.template,
      gateway: config.gateway,
      quirks: quirkNames(config.quirks),
      hosts: [...ctx.store.services.values()]
        .filter((s) => s.state.kind === 'active')
        .map((s) => ({
          serviceId: s.id,
          ip: s.state.kind === 'active' ? s.state.ip : '',
          status: 'Active',
          leaseEndMs: s.state.kind === 'active' ? s.state.leaseEndMs : null,
        })),
      openInvoices: book.list().filter((i) => i.status === 'new').length,
    }),
    fileDmca: (ip) => lifecycle.fileDmca(ip),
    pass: () => lifecycle.pass(),
    stop() {
      stopped ??= (async () => {
        await loop.stop()
        await Promise.allSettled(services.map((s) => s.close()))
        await lifecycle.stop()
        log.info('provider.stopped', {})
      })()
      return stopped
    },
  }
}
