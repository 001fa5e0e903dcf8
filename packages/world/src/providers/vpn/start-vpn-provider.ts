/** `startVpnProvider`: the Mullvad-like account API with its wallet and loop, over a WireGuard endpoint. */
import { createCryptoRng, type Clock, type Logger, type Rng } from '@dolly/base'
import { startPassLoop } from '../pass-loop.ts'
import { z } from 'zod'
import { createHttpServices, type HttpServiceFactory } from '../adapters/serve-provider.ts'
import { CONFIRMATIONS, MONTH_MS, POLL_INTERVAL_MS, SATS_PER_USD } from '../constants.ts'
import { ProviderError } from '../errors.ts'
import { createNodeWallet } from '../node-wallet.ts'
import type { ProviderChain } from '../ports.ts'
import { centsToSats } from '../pricing.ts'
import { createMullvad, type VpnEndpointPort } from './mullvad.ts'

/** Mullvad's flat price: 5 EUR a month; the world prices it at 5 USD. */
export const VPN_MONTH_CENTS = 500

/** World ms an access token from `POST /auth/v1/token` lives: one hour, like Mullvad's. */
export const ACCESS_TOKEN_MS = 3_600_000

/** Ports of the VPN provider. */
export interface VpnProviderDeps {
  readonly chain: ProviderChain
  /** The WireGuard endpoint host (`startVpnEndpoint` from the world's vpn-endpoint module). */
  readonly endpoint: VpnEndpointPort
  readonly clock: Clock
  readonly log: Logger
  readonly rng?: Rng
  readonly serve?: HttpServiceFactory
}

const optionsSchema = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,30}$/)
    .default('mullvad'),
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535).default(0),
  satsPerUsd: z.bigint().positive().default(SATS_PER_USD),
  confirmations: z.number().int().min(0).max(100).default(CONFIRMATIONS),
  pollIntervalMs: z.number().positive().default(POLL_INTERVAL_MS),
  captcha: z.boolean().default(false),
  accessTokenMs: z.number().int().positive().default(ACCESS_TOKEN_MS),
  monthMs: z.number().int().positive().default(MONTH_MS),
})

/** Options of the VPN provider. */
export interface VpnProviderOptions {
  readonly name?: string
  readonly host: string
  readonly port?: number
  readonly satsPerUsd?: bigint
  readonly confirmations?: number
  readonly pollIntervalMs?: number
  /** The sign-up captcha quirk (Mullvad's image captcha, CLOUDOMATE.md §8). */
  readonly captcha?: boolean
  /** World ms an API access token lives (default one hour, as Mullvad's). */
  readonly accessTokenMs?: number
  /** World ms one paid month lasts (30 days unless a demo or test wants shorter or longer). */
  readonly monthMs?: number
}

/** A running VPN provider. */
export interface RunningVpnProvider {
  readonly name: string
  readonly url: string
  info(): {
    name: string
    kind: 'vpn'
    url: string
    endpoint: string
    captcha: boolean
    accounts: readonly { number: string; expiryMs: number; keys: number }[]
  }
  pass(): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts the Mullvad-like VPN provider.
 *
 * @throws ProviderError WORLD_PROVIDER_INVALID_OPTION, WORLD_PROVIDER_START_FAILED
 */
export async function startVpnProvider(
  deps: VpnProviderDeps,
  options: VpnProviderOptions,
): Promise<RunningVpnProvider> {
  const parsed = optionsSchema.safeParse(options)
  if (!parsed.success) {
    throw new ProviderError(
      'WORLD_PROVIDER_INVALID_OPTION',
      `invalid VPN provider options: ${parsed.error.message}`,
      { issues: parsed.error.issues },
    )
  }
  const o = parsed.data
  const log = deps.log.child({ component: 'vpn-provider', provider: o.name })
  const wallet = await createNodeWallet(deps.chain, `provider-${o.name}`)
  const service = createMullvad(
    { wallet, endpoint: deps.endpoint, clock: deps.clock, rng: deps.rng ?? createCryptoRng(), log },
    {
      monthSats: centsToSats(VPN_MONTH_CENTS, o.satsPerUsd),
      confirmations: o.confirmations,
      captcha: o.captcha,
      accessTokenMs: o.accessTokenMs,
      monthMs: o.monthMs,
    },
  )
  const [http] = await (deps.serve ?? createHttpServices)([{ handler: service.handle, port: o.port }], {
    host: o.host,
    log,
  })
  if (http === undefined)
    throw new ProviderError('WORLD_PROVIDER_START_FAILED', 'no HTTP service was opened', {})
  const loop = startPassLoop(
    { clock: deps.clock, log, pass: () => service.pass() },
    { intervalMs: o.pollIntervalMs, failedEvent: 'vpn.pass_failed' },
  )
  let stopped: Promise<void> | null = null
  return {
    name: o.name,
    url: http.url,
    info: () => ({
      name: o.name,
      kind: 'vpn',
      url: http.url,
      endpoint: deps.endpoint.endpoint,
      captcha: o.captcha,
      accounts: service.accounts(),
    }),
    pass: () => service.pass(),
    stop() {
      stopped ??= (async () => {
        await loop.stop()
        await http.close()
      })()
      return stopped
    },
  }
}
