/**
 * `cloudomate.cfg` (CLOUDOMATE.md §10): INI, UTF-8, keys case-insensitive, no `%` interpolation (the
 * original's ConfigParser broke passwords containing `%`). The thesis format's `[User]`, `[Address]`,
 * `[Server]` sections with camelCase keys are read as aliases. Precedence: CLI flag > `[<provider>]`
 * section > the generic section (the original wrote overrides into a section nobody read, §17.1).
 */
import {
  errorCode,
  iniValue as baseIniValue,
  parseIni as parseIniDialect,
  type IniSections,
} from '@dolly/base'
import { CloudomateError } from './errors.ts'
import { SETTING_KEYS, type SettingKey, type Settings } from './settings.ts'

/** Parsed INI: lower-cased section → lower-cased key → value (`@dolly/base` `parseIni`). */
export type Ini = IniSections

/**
 * Parses `cloudomate.cfg` text in the project's one INI dialect (`@dolly/base` `parseIni`): `;`/`#`
 * start comment lines; values are taken verbatim after `=` or `:` (trimmed); names are case-insensitive.
 *
 * @throws CloudomateError CLOUDOMATE_CONFIG_MALFORMED (details `file`, `line`) for a key outside a
 * section, a line without `=`, or a key given twice
 */
export function parseIni(text: string, file = 'cloudomate.cfg'): Ini {
  try {
    return parseIniDialect(text)
  } catch (err) {
    if (errorCode(err) !== 'BASE_INI_MALFORMED') throw err
    const line = (err as { details?: { line?: unknown } }).details?.line
    throw new CloudomateError(
      'CLOUDOMATE_CONFIG_MALFORMED',
      `${file}: ${(err as Error).message}`,
      { file, line },
      { cause: err },
    )
  }
}

/** Serialises sections to INI text (for `--randomuser` identity files). */
export function formatIni(sections: Readonly<Record<string, Readonly<Record<string, string>>>>): string {
  return Object.entries(sections)
    .map(
      ([name, values]) =>
        `[${name}]\n${Object.entries(values)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n')}\n`,
    )
    .join('\n')
}

/** Reads `[section] key` (names by the dialect's case rule), or undefined when absent or empty. */
export function iniValue(ini: Ini, section: string, key: string): string | undefined {
  const v = baseIniValue(ini, section, key)
  return v === undefined || v === '' ? undefined : v
}

/** Where each setting lives, with the thesis-format aliases (§10). */
const SECTION_OF: Readonly<Record<SettingKey, { section: string; aliases: readonly string[] }>> = {
  email: { section: 'user', aliases: [] },
  firstname: { section: 'user', aliases: ['firstName'] },
  lastname: { section: 'user', aliases: ['lastName'] },
  companyname: { section: 'user', aliases: ['companyName'] },
  phonenumber: { section: 'user', aliases: ['phoneNumber'] },
  password: { section: 'user', aliases: [] },
  username: { section: 'user', aliases: ['userName'] },
  address: { section: 'address', aliases: [] },
  city: { section: 'address', aliases: [] },
  state: { section: 'address', aliases: [] },
  countrycode: { section: 'address', aliases: ['countryCode'] },
  zipcode: { section: 'address', aliases: ['zipCode'] },
  root_password: { section: 'server', aliases: ['rootpw'] },
  ns1: { section: 'server', aliases: [] },
  ns2: { section: 'server', aliases: [] },
  hostname: { section: 'server', aliases: [] },
  ssh_public_key: { section: 'server', aliases: [] },
}

/** Resolves the settings for `provider`: flags > `[provider]` > generic sections. */
export function resolveSettings(ini: Ini, provider: string, flags: Settings = {}): Settings {
  const out: Partial<Record<SettingKey, string>> = {}
  for (const key of SETTING_KEYS) {
    const where = SECTION_OF[key]
    const names = [key, ...where.aliases]
    const fromFlag = flags[key]
    const fromProvider = names.map((n) => iniValue(ini, provider, n)).find((v) => v !== undefined)
    const fromSection = names.map((n) => iniValue(ini, where.section, n)).find((v) => v !== undefined)
    const value = fromFlag ?? fromProvider ?? fromSection
    if (value !== undefined && value !== '') out[key] = value
  }
  return out
}
