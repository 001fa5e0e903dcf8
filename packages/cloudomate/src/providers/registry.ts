/**
 * The provider registry (CLOUDOMATE.md §3): every VPS driver by registry name, matched
 * case-insensitively. World shops get their base URL from `[<name>] url` because the world picks its
 * ports at start-up; a real shop's URL can be overridden the same way.
 */
import { iniValue, type Ini } from '../config.ts'
import { CloudomateError } from '../errors.ts'
import { createBitlaunchDriver } from '../api/bitlaunch.ts'
import { createLunanodeDriver } from '../api/lunanode.ts'
import { createNjallaDriver } from '../api/njalla.ts'
import { createSporestackDriver } from '../api/sporestack.ts'
import type { WhmcsShopConfig } from '../whmcs/shop-config.ts'
import { createWhmcsDriver } from '../whmcs/driver.ts'
import type { VpsDriver } from './driver.ts'
import { vpsProviderNeeds } from './needs.ts'
import { REAL_SHOPS, WORLD_SHOPS } from './shops.ts'

/** A registry entry: the driver when usable, or why it is not. */
export interface RegistryEntry {
  readonly name: string
  readonly website: string
  readonly kind: 'whmcs' | 'api'
  readonly driver: VpsDriver | undefined
  /** Why `driver` is undefined (a missing URL or token). */
  readonly missing?: string
}

/** Builds the registry from the config. */
export function createVpsRegistry(ini: Ini): readonly RegistryEntry[] {
  // What each provider still lacks comes from one rule set, shared with config checks (needs.ts).
  const lacks = new Map(vpsProviderNeeds(ini).map((n) => [n.name, n.missing]))
  const shop = (config: WhmcsShopConfig): RegistryEntry => {
    const url = iniValue(ini, config.name, 'url') ?? config.baseUrl
    const accept = iniValue(ini, config.name, 'accept_manual_review') === '1'
    const missing = lacks.get(config.name)
    return missing !== undefined
      ? {
          name: config.name,
          website: config.website,
          kind: 'whmcs',
          driver: undefined,
          missing,
        }
      : {
          name: config.name,
          website: config.website,
          kind: 'whmcs',
          driver: createWhmcsDriver({ ...config, baseUrl: url }, accept ? { acceptManualReview: true } : {}),
        }
  }
  const days = iniValue(ini, 'sporestack', 'days')
  const sporestackUrl = iniValue(ini, 'sporestack', 'url')
  const sporestackOs = iniValue(ini, 'sporestack', 'operating_system')
  const sporestack = createSporestackDriver({
    ...(sporestackUrl === undefined ? {} : { baseUrl: sporestackUrl }),
    ...(days === undefined ? {} : { days: Number(days) }),
    ...(sporestackOs === undefined ? {} : { operatingSystem: sporestackOs }),
  })
  const bitlaunchToken = iniValue(ini, 'bitlaunch', 'token')
  const bitlaunchUrl = iniValue(ini, 'bitlaunch', 'url')
  const createAccount = iniValue(ini, 'bitlaunch', 'create_account') === '1'
  const bitlaunch = createBitlaunchDriver({
    ...(bitlaunchUrl === undefined ? {} : { baseUrl: bitlaunchUrl }),
    ...(bitlaunchToken === undefined ? {} : { token: bitlaunchToken }),
    createAccount,
  })
  const njallaToken = iniValue(ini, 'njalla', 'token')
  const njallaUrl = iniValue(ini, 'njalla', 'url')
  const njallaMonths = iniValue(ini, 'njalla', 'months')
  const njallaOs = iniValue(ini, 'njalla', 'operating_system')
  const njalla = createNjallaDriver({
    ...(njallaUrl === undefined ? {} : { baseUrl: njallaUrl }),
    ...(njallaToken === undefined ? {} : { token: njallaToken }),
    ...(njallaMonths === undefined ? {} : { months: Number(njallaMonths) }),
    ...(njallaOs === undefined ? {} : { operatingSystem: njallaOs }),
  })
  const lunaId = iniValue(ini, 'lunanode', 'api_id')
  const lunaKey = iniValue(ini, 'lunanode', 'api_key')
  const lunaUrl = iniValue(ini, 'lunanode', 'url')
  const lunaRegion = iniValue(ini, 'lunanode', 'region')
  const lunaImage = iniValue(ini, 'lunanode', 'image_id')
  const lunanode = createLunanodeDriver({
    ...(lunaUrl === undefined ? {} : { baseUrl: lunaUrl }),
    ...(lunaId === undefined ? {} : { apiId: lunaId }),
    ...(lunaKey === undefined ? {} : { apiKey: lunaKey }),
    ...(lunaRegion === undefined ? {} : { region: lunaRegion }),
    ...(lunaImage === undefined ? {} : { imageId: lunaImage }),
  })
  const needs = (name: string, driver: VpsDriver): RegistryEntry => {
    const missing = lacks.get(name)
    return missing === undefined
      ? { name, website: driver.website, kind: 'api', driver }
      : { name, website: driver.website, kind: 'api', driver: undefined, missing }
  }
  const api: RegistryEntry[] = [
    needs('sporestack', sporestack),
    needs('bitlaunch', bitlaunch),
    needs('njalla', njalla),
    needs('lunanode', lunanode),
  ]
  return [...WORLD_SHOPS.map(shop), ...api, ...REAL_SHOPS.map(shop)]
}

/**
 * Finds a usable driver by name.
 *
 * @throws CloudomateError CLOUDOMATE_PROVIDER_UNKNOWN (exit 2), CLOUDOMATE_SETTINGS_INVALID when the
 *   provider needs a URL or token first
 */
export function findDriver(registry: readonly RegistryEntry[], name: string): VpsDriver {
  const entry = registry.find((e) => e.name === name.toLowerCase())
  if (entry === undefined) {
    throw new CloudomateError(
      'CLOUDOMATE_PROVIDER_UNKNOWN',
      `unknown provider ${JSON.stringify(name)}; see 'cloudomate vps list'`,
      {
        name,
        known: registry.map((e) => e.name),
      },
    )
  }
  if (entry.driver === undefined) {
    throw new CloudomateError(
      'CLOUDOMATE_SETTINGS_INVALID',
      `${entry.name} needs ${entry.missing ?? 'configuration'} in cloudomate.cfg`,
      {
        provider: entry.name,
      },
    )
  }
  return entry.driver
}
