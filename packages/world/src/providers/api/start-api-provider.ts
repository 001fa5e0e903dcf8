/** `startApiProvider`: a SporeStack-like or BitLaunch-like JSON API with its wallet, fleet and loop. */
import { createCryptoRng } from '@dolly/base'
import { startPassLoop } from '../pass-loop.ts'
import { z } from 'zod'
import { createHttpServices } from '../adapters/serve-provider.ts'
import { createSshRootPasswordChanger } from '../adapters/ssh-root-password.ts'
import { CONFIRMATIONS, POLL_INTERVAL_MS, SATS_PER_USD } from '../constants.ts'
import { ProviderError } from '../errors.ts'
import { createNodeWallet } from '../node-wallet.ts'
import { createPaymentBook } from '../payment-book.ts'
import type { ProviderDeps } from '../provider.ts'
import { createBitlaunch } from './bitlaunch.ts'
import { createFleet } from './fleet.ts'
import { createSporeStack } from './sporestack.ts'

/** World ms from launch to a running API server: agent-oriented hosts report about a minute. */
export const API_PROVISIONING_DELAY_MS = 60_000

/** Top-up invoices of API providers stay open an hour (world time). */
export const API_INVOICE_EXPIRY_MS = 3_600_000

const optionsSchema = z.object({
  kind: z.enum(['sporestack', 'bitlaunch']),
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,30}$/)
    .optional(),
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535).default(0),
  satsPerUsd: z.bigint().positive().default(SATS_PER_USD),
  provisioningDelayMs: z.number().int().nonnegative().default(API_PROVISIONING_DELAY_MS),
  invoiceExpiryMs: z.number().int().positive().default(API_INVOICE_EXPIRY_MS),
  confirmations: z.number().int().min(0).max(100).default(CONFIRMATIONS),
  pollIntervalMs: z.number().positive().default(POLL_INTERVAL_MS),
})

/** Options of an API provider. */
export interface ApiProviderOptions {
  readonly kind: 'sporestack' | 'bitlaunch'
  /** Registry name (default: the kind). */
  readonly name?: string
  readonly host: string
  readonly port?: number
  readonly satsPerUsd?: bigint
  readonly provisioningDelayMs?: number
  readonly invoiceExpiryMs?: number
  readonly confirmations?: number
  /** World ms between passes of the top-up/billing/lease loop. */
  readonly pollIntervalMs?: number
}

/** A running API provider. */
export interface RunningApiProvider {
  readonly name: string
  readonly kind: 'sporestack' | 'bitlaunch'
  /** Base URL; BitLaunch's API lives under `/api`. */
  readonly url: string
  info(): {
    name: string
    kind: 'sporestack' | 'bitlaunch'
    url: string
    hosts: readonly { id: string; ip: string; expiresMs: number | null }[]
  }
  pass(): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts an API provider.
 *
 * @throws ProviderError WORLD_PROVIDER_INVALID_OPTION, WORLD_PROVIDER_START_FAILED
 */
export async function startApiProvider(
  deps: ProviderDeps,
  options: ApiProviderOptions,
): Promise<RunningApiProvider> {
  const parsed = optionsSchema.safeParse(options)
  if (!parsed.success) {
    throw new ProviderError(
      'WORLD_PROVIDER_INVALID_OPTION',
      `invalid API provider options: ${parsed.error.message}`,
      { issues: parsed.error.issues },
    )
  }
  const o = parsed.data
  const name = o.name ?? o.kind
  const rng = deps.rng ?? createCryptoRng()
  const log = deps.log.child({ component: 'api-provider', provider: name })
  const wallet = await createNodeWallet(deps.chain, `provider-${name}`)
  const book = createPaymentBook(
    { wallet, clock: deps.clock, rng, log },
    { expiryMs: o.invoiceExpiryMs, confirmations: o.confirmations },
  )
  const fleet = createFleet(
    {
      provisioner: deps.provisioner,
      clock: deps.clock,
      log,
      hostAccess: deps.passwords ?? createSshRootPasswordChanger(),
    },
    { provisioningDelayMs: o.provisioningDelayMs },
  )
  const api =
    o.kind === 'sporestack'
      ? {
          ...createSporeStack({ book, fleet, clock: deps.clock, rng }, { satsPerUsd: o.satsPerUsd }),
          bill: async () => {},
        }
      : { ...createBitlaunch({ book, fleet, clock: deps.clock, rng }, { satsPerUsd: o.satsPerUsd }) }
  const [service] = await (deps.serve ?? createHttpServices)([{ handler: api.handle, port: o.port }], {
    host: o.host,
    log,
  })
  if (service === undefined)
    throw new ProviderError('WORLD_PROVIDER_START_FAILED', 'no HTTP service was opened', {})
  const pass = async (): Promise<void> => {
    await book.refreshOpen()
    await api.bill()
    await fleet.pass()
  }
  const loop = startPassLoop(
    { clock: deps.clock, log, pass: () => pass() },
    { intervalMs: o.pollIntervalMs, failedEvent: 'api.pass_failed' },
  )
  log.info('api.started', { url: service.url, kind: o.kind })
  let stopped: Promise<void> | null = null
  return {
    name,
    kind: o.kind,
    url: service.url,
    info: () => ({
      name,
      kind: o.kind,
      url: service.url,
      hosts: fleet
        .running()
        .map((s) => ({ id: s.id, ip: s.state.kind === 'running' ? s.state.ip : '', expiresMs: s.expiresMs })),
    }),
    pass,
    stop() {
      stopped ??= (async () => {
        await loop.stop()
        await service.close()
        await fleet.stop()
      })()
      return stopped
    },
  }
}
