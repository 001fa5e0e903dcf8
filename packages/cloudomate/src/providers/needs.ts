/**
 * What each VPS provider of the registry (CLOUDOMATE.md §3) needs from the config before its driver
 * can be used, without building the drivers: a light module (no HTML parser, no wallet) for readers
 * that only check a config, such as an agent's daemon at start. The registry builds its entries on it.
 */
import { iniValue, type Ini } from '../config.ts'
import { REAL_SHOPS, WORLD_SHOPS } from './shops.ts'

/** A registry provider without its driver: its kind, and what the config lacks (absent when usable). */
export interface ProviderNeeds {
  readonly name: string
  readonly kind: 'whmcs' | 'api'
  /** The missing `[section] key`s, as the registry reports them; absent when the driver is usable. */
  readonly missing?: string
}

/** Every registry provider, in the registry's order, with what `ini` still lacks for it. */
export function vpsProviderNeeds(ini: Ini): readonly ProviderNeeds[] {
  const has = (section: string, key: string): boolean => iniValue(ini, section, key) !== undefined
  const entry = (name: string, kind: ProviderNeeds['kind'], ok: boolean, missing: string): ProviderNeeds =>
    ok ? { name, kind } : { name, kind, missing }
  const shop = (name: string, baseUrl: string): ProviderNeeds =>
    entry(name, 'whmcs', (iniValue(ini, name, 'url') ?? baseUrl) !== '', `[${name}] url`)
  const api: ProviderNeeds[] = [
    { name: 'sporestack', kind: 'api' },
    entry(
      'bitlaunch',
      'api',
      has('bitlaunch', 'token') || iniValue(ini, 'bitlaunch', 'create_account') === '1',
      '[bitlaunch] token',
    ),
    entry('njalla', 'api', has('njalla', 'token'), '[njalla] token'),
    entry(
      'lunanode',
      'api',
      has('lunanode', 'api_id') && has('lunanode', 'api_key'),
      '[lunanode] api_id, api_key',
    ),
  ]
  return [
    ...WORLD_SHOPS.map((s) => shop(s.name, s.baseUrl)),
    ...api,
    ...REAL_SHOPS.map((s) => shop(s.name, s.baseUrl)),
  ]
}
