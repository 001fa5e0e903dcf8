/** `startProviders`: the world's standard set of shops and the two API providers. */
import { standardShops } from './catalog.ts'
import { startApiProvider, type RunningApiProvider } from './api/start-api-provider.ts'
import { startProvider, type ProviderDeps, type ProviderOptions, type RunningProvider } from './provider.ts'

/** Options shared by every shop of the standard set. */
export interface StandardProvidersOptions extends Omit<
  ProviderOptions,
  'name' | 'shop' | 'port' | 'gatewayPort' | 'template' | 'gateway' | 'quirks'
> {
  /** How many of the four standard shops to start (1–4, default 4). */
  readonly count?: number
  /** Switch on each shop's characteristic quirks (default true: the world behaves like the real market). */
  readonly quirks?: boolean
  /** Also start the SporeStack-like and BitLaunch-like API providers (default true). */
  readonly api?: boolean
}

/** The running standard set. */
export interface RunningProviders {
  readonly providers: readonly RunningProvider[]
  readonly apiProviders: readonly RunningApiProvider[]
  stop(): Promise<void>
}

/**
 * Starts the standard shops (bluecloud/BitPay, crownhost/CoinPayments, pulsevps/Coinbase,
 * twosync/blockchain module); stops the ones already started if one fails.
 */
export async function startProviders(
  deps: ProviderDeps,
  options: StandardProvidersOptions,
): Promise<RunningProviders> {
  const { count = 4, quirks = true, api = true, ...common } = options
  const shops = standardShops({ quirks }).slice(0, Math.max(1, Math.min(4, count)))
  const providers: RunningProvider[] = []
  const apiProviders: RunningApiProvider[] = []
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled([...providers, ...apiProviders].map((p) => p.stop()))
  }
  try {
    for (const shop of shops) providers.push(await startProvider(deps, { ...common, name: shop.name, shop }))
    if (api) {
      const shared = {
        host: common.host,
        ...(common.satsPerUsd === undefined ? {} : { satsPerUsd: common.satsPerUsd }),
        ...(common.confirmations === undefined ? {} : { confirmations: common.confirmations }),
        ...(common.pollIntervalMs === undefined ? {} : { pollIntervalMs: common.pollIntervalMs }),
      }
      for (const kind of ['sporestack', 'bitlaunch'] as const)
        apiProviders.push(await startApiProvider(deps, { ...shared, kind }))
    }
  } catch (err) {
    await stopAll()
    throw err
  }
  return { providers, apiProviders, stop: stopAll }
}
