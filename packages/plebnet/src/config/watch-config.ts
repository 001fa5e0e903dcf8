import { LifecycleError } from '../lifecycle/errors.ts'
import type { IniSections } from './ini.ts'

/**
 * The `[postcard]`, `[github]` and `[reporter]` settings (AGENT.md §4, §14): where postcards are
 * mailed and error issues are filed. Read from the effective INI (defaults, file, environment).
 */

/** `[postcard]`: the SMTP server and addresses of the per-child postcard. */
export interface PostcardConfig {
  /** `postcard.active` is 1 and host, from and to are set. */
  readonly active: boolean
  readonly smtpHost: string
  readonly smtpPort: number
  /** Empty: no SMTP authentication. */
  readonly smtpUser: string
  readonly smtpPassword: string
  readonly from: string
  readonly to: string
  /** `include_secrets = 1`: the postcard carries the child's root password. */
  readonly includeSecrets: boolean
}

/** `[github]` and `[reporter]`: where error issues go and how many. */
export interface ReporterConfig {
  /** `github.active` is 1 and owner, repo and token are set. */
  readonly active: boolean
  /** `github.api_url` [new]: the REST API's base (default `https://api.github.com`; a world sets its tracker's). */
  readonly apiUrl: string
  readonly owner: string
  readonly repo: string
  readonly token: string
  /** `reporter.max_issues_per_day` (default 5). */
  readonly maxIssuesPerDay: number
}

/** The default `github.api_url`. */
export const GITHUB_API_URL = 'https://api.github.com'

/** A value that is not set (the original's `unset` placeholders, or empty). */
function isSet(value: string | undefined): value is string {
  return value !== undefined && value !== '' && value !== 'unset'
}

function invalid(key: string, why: string, value: string): never {
  throw new LifecycleError('LIFECYCLE_CONFIG_INVALID', `${key} ${why}, got ${JSON.stringify(value)}`, {
    key,
    value,
  })
}

/**
 * `[postcard]` of `ini`.
 *
 * @throws LifecycleError LIFECYCLE_CONFIG_INVALID for a port or flag out of range
 */
export function postcardConfigOf(ini: IniSections): PostcardConfig {
  const get = (key: string): string => (ini.get('postcard')?.get(key) ?? '').trim()
  const flag = (key: string): boolean => {
    const v = get(key)
    if (v !== '' && v !== '0' && v !== '1') invalid(`postcard.${key}`, 'must be 0 or 1', v)
    return v === '1'
  }
  const portText = get('smtp_port') || '587'
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65_535)
    invalid('postcard.smtp_port', 'must be a port 1..65535', portText)
  const config = {
    smtpHost: get('smtp_host'),
    smtpPort: Number(portText),
    smtpUser: get('smtp_user'),
    smtpPassword: get('smtp_password'),
    from: get('from'),
    to: get('to'),
    includeSecrets: flag('include_secrets'),
  }
  return {
    ...config,
    active: flag('active') && config.smtpHost !== '' && config.to !== '' && config.from !== '',
  }
}

/**
 * `[github]` and `[reporter]` of `ini`.
 *
 * @throws LifecycleError LIFECYCLE_CONFIG_INVALID for a bad API URL, flag or daily cap
 */
export function reporterConfigOf(ini: IniSections): ReporterConfig {
  const get = (section: string, key: string): string => (ini.get(section)?.get(key) ?? '').trim()
  const active = get('github', 'active')
  if (active !== '' && active !== '0' && active !== '1') invalid('github.active', 'must be 0 or 1', active)
  const apiUrl = get('github', 'api_url') || GITHUB_API_URL
  if (!/^https?:\/\/[^\s]+$/.test(apiUrl)) invalid('github.api_url', 'must be an http(s) URL', apiUrl)
  const cap = get('reporter', 'max_issues_per_day') || '5'
  if (!/^\d{1,4}$/.test(cap)) invalid('reporter.max_issues_per_day', 'must be a whole number 0..9999', cap)
  const owner = get('github', 'owner')
  const repo = get('github', 'repo')
  const token = get('github', 'token')
  return {
    active: active === '1' && isSet(owner) && isSet(repo) && isSet(token),
    apiUrl,
    owner,
    repo,
    token,
    maxIssuesPerDay: Number(cap),
  }
}

/**
 * Every credential of the config, as literal strings a report must never carry: GitHub's token and
 * password, the SMTP password, the wallet passphrase, the anti-captcha key, every provider `token`
 * and `api_key`.
 */
export function configSecrets(ini: IniSections): string[] {
  const out: string[] = []
  for (const [, keys] of ini)
    for (const [key, value] of keys)
      if (/(password|token|api_key|api_id|accountkey|secret)$/.test(key) && isSet(value.trim()))
        out.push(value.trim())
  return out
}
