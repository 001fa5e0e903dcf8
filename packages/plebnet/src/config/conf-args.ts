import { LifecycleError } from '../lifecycle/errors.ts'

/** `plebnet conf setup` options (AGENT.md §2): short flag, long flag, cfg section and key, boolean. */
export const CONF_OPTIONS: readonly (readonly [string, string, string, string, boolean])[] = [
  ['-ic', '--irc_channel', 'irc', 'channel', false],
  ['-is', '--irc_server', 'irc', 'server', false],
  ['-ip', '--irc_port', 'irc', 'port', false],
  ['-in', '--irc_nick', 'irc', 'nick', false],
  ['-ind', '--irc_nick_def', 'irc', 'nick_def', false],
  ['-it', '--irc_timeout', 'irc', 'timeout', false],
  ['-gu', '--github_username', 'github', 'username', false],
  // Deprecated: GitHub no longer accepts passwords; kept so old scripts still run.
  ['-gp', '--github_password', 'github', 'password', false],
  ['-gt', '--github_token', 'github', 'token', false],
  ['-go', '--github_owner', 'github', 'owner', false],
  ['-gr', '--github_repo', 'github', 'repo', false],
  ['-ga', '--github_active', 'github', 'active', true],
  ['-l', '--active_logger', 'active', 'logger', true],
  ['-v', '--active_verbose', 'active', 'verbose', true],
]

/** One key to write. */
export interface ConfSetting {
  readonly section: string
  readonly key: string
  readonly value: string
}

/**
 * Parses `conf setup` arguments (`-ic '#chan'`, `--irc_port=6667`, …). Only keys given with a
 * non-empty value are returned (AGENT.md §2); a later flag for the same key wins.
 *
 * @throws LifecycleError LIFECYCLE_CONFIG_INVALID for an unknown flag, a missing value or a boolean other than 0/1
 */
export function parseConfSetupArgs(argv: readonly string[]): ConfSetting[] {
  const out = new Map<string, ConfSetting>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    const option = CONF_OPTIONS.find(([short, long]) => flag === short || flag === long)
    if (option === undefined) {
      throw new LifecycleError('LIFECYCLE_CONFIG_INVALID', `conf setup: unknown option ${flag}`, { flag })
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i]
    if (value === undefined) {
      throw new LifecycleError('LIFECYCLE_CONFIG_INVALID', `conf setup: ${flag} needs a value`, { flag })
    }
    const [, , section, key, boolean] = option
    if (boolean && value !== '0' && value !== '1') {
      throw new LifecycleError('LIFECYCLE_CONFIG_INVALID', `conf setup: ${flag} takes 0 or 1, got ${value}`, {
        flag,
      })
    }
    if (value !== '') out.set(`${section}.${key}`, { section, key, value })
  }
  return [...out.values()]
}
