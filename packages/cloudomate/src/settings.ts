/**
 * The purchase settings a driver fills forms from (CLOUDOMATE.md §4 field mapping, §10 sections).
 * Keys are the original cloudomate.cfg keys, flattened over `[user]`, `[address]` and `[server]`.
 */
import { CloudomateError } from './errors.ts'

/** Every setting key a driver may read. */
export const SETTING_KEYS = [
  'email',
  'firstname',
  'lastname',
  'companyname',
  'phonenumber',
  'password',
  'username',
  'address',
  'city',
  'state',
  'countrycode',
  'zipcode',
  'root_password',
  'ns1',
  'ns2',
  'hostname',
  'ssh_public_key',
] as const

/** A setting key. */
export type SettingKey = (typeof SETTING_KEYS)[number]

/** Resolved settings; absent keys are undefined. */
export type Settings = Readonly<Partial<Record<SettingKey, string>>>

/** The settings a WHMCS registration needs (the original `required_settings`). */
export const WHMCS_REQUIRED: readonly SettingKey[] = [
  'email',
  'firstname',
  'lastname',
  'phonenumber',
  'password',
  'address',
  'city',
  'state',
  'countrycode',
  'zipcode',
  'root_password',
  'hostname',
]

/**
 * Checks that every required key is set.
 *
 * @throws CloudomateError CLOUDOMATE_SETTINGS_INVALID naming the missing keys
 */
export function requireSettings(settings: Settings, required: readonly SettingKey[]): void {
  const missing = required.filter((k) => (settings[k] ?? '').trim() === '')
  if (missing.length > 0) {
    throw new CloudomateError(
      'CLOUDOMATE_SETTINGS_INVALID',
      `missing settings: ${missing.join(', ')}; set them in cloudomate.cfg, pass them as flags, or use --randomuser`,
      { missing },
    )
  }
}
