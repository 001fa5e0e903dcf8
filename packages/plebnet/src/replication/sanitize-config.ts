import { createVpsRegistry } from '@dolly/cloudomate'
import { parseIniText, formatIniText, type IniSections } from '../config/ini.ts'

/**
 * The copy of `plebnet_setup.cfg` a child gets (AGENT.md §4, "Children get a sanitised copy"), built
 * from an ALLOW-LIST of the sections and keys a child needs, never by deleting known secrets: anything
 * not listed here (an unknown section, a key added later, a credential under a name nobody thought of)
 * is dropped. The file is read with the project's one INI reader, so `[Wallets] Password =` is
 * `[wallets] password`, as the child's own reader sees it (issue 14: a case-sensitive deny-list sent
 * such keys to every child). Pure text in, text out; comments are not copied.
 */

/** What happens to an allow-listed key. */
type Rule =
  /** Copied as the parent has it. */
  | 'copy'
  /** A credential copied only when the parent's `install.share_secrets` is `1` (AGENT.md §4). */
  | 'shared-secret'
  /** A runtime value of the parent's; the child starts from `0`. */
  | 'reset'

/**
 * Every section and key a child may inherit (AGENT.md §4's table), and how. Left out on purpose:
 * `wallets.password` (the child gets its own), `paths`/`filenames`/`pids` (the parent's machine's; the
 * child uses its defaults), `vps.initdate` (set at the child's setup), `tribler.exitnode` (the child's
 * exit mode is its own, from the payload's genome).
 */
const CHILD_CONFIG: Readonly<Record<string, Readonly<Record<string, Rule>>>> = {
  irc: { channel: 'copy', server: 'copy', port: 'copy', nick_def: 'copy', nick: 'copy', timeout: 'copy' },
  vps: { host: 'copy', finaldate: 'copy' },
  vpn: {
    installed: 'reset',
    running: 'reset',
    pid: 'reset',
    host: 'copy',
    child_prefix: 'copy',
    own_prefix: 'copy',
    config_name: 'copy',
    credentials_name: 'copy',
    // An anti-captcha account key is a credential (AGENT.md §4 "copied into child accounts"): shared
    // only when the operator says so.
    anticaptcha_accountkey: 'shared-secret',
  },
  github: {
    username: 'shared-secret',
    password: 'shared-secret',
    token: 'shared-secret',
    owner: 'copy',
    repo: 'copy',
    active: 'copy',
    api_url: 'copy',
  },
  wallets: {
    testnet: 'copy',
    testnet_created: 'reset',
    initiate_once: 'reset',
    btc_global: 'copy',
    mb_global: 'copy',
  },
  strategy: { name: 'copy', vps_count: 'copy', sma_window_days: 'copy', order_timeout: 'copy' },
  strategies: { name: 'copy', vps_count: 'copy', sma_window_days: 'copy', order_timeout: 'copy' },
  active: { logger: 'copy', verbose: 'copy' },
  daemon: { tick_interval: 'copy', offer_refresh: 'copy' },
  gossip: {
    port: 'copy',
    view_size: 'copy',
    shuffle_size: 'copy',
    shuffle_interval: 'copy',
    anti_entropy_interval: 'copy',
    max_frame: 'copy',
  },
  qd: { trim_f: 'copy', max_remotes: 'copy', reward_cap: 'copy', selector: 'copy' },
  genome: { rate: 'copy', gene_flip_p: 'copy' },
  lease: { time_alive: 'copy', liquidate_before: 'copy', sweep_before: 'copy', bootstrap_state: 'copy' },
  purchase: { max_consecutive_failures: 'copy' },
  install: {
    ref: 'copy',
    max_attempts: 'copy',
    max_wait: 'copy',
    share_secrets: 'copy',
    dowry_percent: 'copy',
  },
  postcard: {
    active: 'copy',
    from: 'copy',
    to: 'copy',
    include_secrets: 'copy',
    smtp_host: 'shared-secret',
    smtp_port: 'shared-secret',
    smtp_user: 'shared-secret',
    smtp_password: 'shared-secret',
  },
  reporter: { max_issues_per_day: 'copy', private_logs: 'copy' },
  vision: { port: 'copy', tracker_interval: 'copy', dead_after: 'copy' },
  // The world's chain, shops and clock: a child in a world buys and pays there too. The chain URL
  // carries the credential of the world's restricted agent RPC user (world genesis-config.ts), the
  // one a child needs to see its coins; never the chain's admin password.
  world: {
    chain_backend: 'copy',
    providers: 'copy',
    time_scale: 'copy',
    epoch_real_ms: 'copy',
    epoch_world_ms: 'copy',
  },
  // Real mode: the chain the family pays on (a Core RPC URL carries its user's password, so point
  // agents at a restricted RPC user or a public Esplora) and where the BTC/USD rate comes from.
  chain: { backend: 'copy' },
  rates: { source: 'copy' },
  // Where an exit child may connect (issue 16; config README "Tunnels"): the world's content networks.
  tunnels: { exit_networks: 'copy', payout_rule: 'copy' },
  ...providerRules(),
}

/**
 * Rules of every provider section of cloudomate's registry (README "Config sections"): where to buy
 * is copied, an account's credentials are shared secrets.
 */
function providerRules(): Record<string, Record<string, Rule>> {
  const api: Readonly<Record<string, Record<string, Rule>>> = {
    sporestack: { url: 'copy', days: 'copy', operating_system: 'copy' },
    bitlaunch: { url: 'copy', create_account: 'copy', token: 'shared-secret' },
    njalla: { url: 'copy', months: 'copy', operating_system: 'copy', token: 'shared-secret' },
    lunanode: {
      url: 'copy',
      region: 'copy',
      image_id: 'copy',
      api_id: 'shared-secret',
      api_key: 'shared-secret',
    },
  }
  const out: Record<string, Record<string, Rule>> = {}
  for (const entry of createVpsRegistry(new Map())) {
    out[entry.name] = api[entry.name] ?? { url: 'copy', accept_manual_review: 'copy' }
  }
  return out
}

/**
 * Builds the child's config from the parent's `cfgText`, with `[wallets] password` set to
 * `childWalletPassword`.
 *
 * @throws LifecycleError LIFECYCLE_CONFIG_INVALID when the parent's config is not valid INI
 * @example sanitizeConfig('[github]\ntoken = x\n', 'pw') // '[wallets]\npassword = pw\n'
 */
export function sanitizeConfig(cfgText: string, childWalletPassword: string): string {
  const parent = parseIniText(cfgText)
  const share = parent.get('install')?.get('share_secrets') === '1'
  const out = new Map<string, Map<string, string>>()
  for (const [section, keys] of parent) {
    const rules = CHILD_CONFIG[section]
    if (rules === undefined || !Object.hasOwn(CHILD_CONFIG, section)) continue
    const kept = new Map<string, string>()
    for (const [key, value] of keys) {
      const rule = Object.hasOwn(rules, key) ? rules[key] : undefined
      if (rule === 'copy' || (rule === 'shared-secret' && share)) kept.set(key, value)
      else if (rule === 'reset') kept.set(key, '0')
    }
    if (kept.size > 0 || section === 'wallets') out.set(section, kept)
  }
  const wallets = out.get('wallets') ?? new Map<string, string>()
  wallets.set('password', childWalletPassword)
  out.set('wallets', wallets)
  return childConfigText(out)
}

/** The INI text, without the blank line after the last section. */
function childConfigText(sections: IniSections): string {
  return `${formatIniText(sections).trimEnd()}\n`
}
