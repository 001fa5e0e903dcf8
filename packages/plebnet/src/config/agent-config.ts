import { z } from 'zod'
import type { TimeScale } from '@dolly/base'
import { vpsProviderNeeds } from '@dolly/cloudomate/provider-needs'
import { createWorldExitPolicy, DEFAULT_PAYOUT_RULE, PAYOUT_RULES, type PayoutRule } from '@dolly/tunnels'
import { LifecycleError } from '../lifecycle/errors.ts'
import { CONFIG_DEFAULTS, WORLD_SATS_PER_USD } from './defaults.ts'
import { parseIniText, type IniSections } from './ini.ts'

/** One provider shop the agent may buy from: its cloudomate name and base URL. */
export interface ShopEndpoint {
  readonly name: string
  readonly url: string
}

/** Where the local world is, when the agent lives in one (`[world]`). */
export interface WorldConfig {
  /** Chain backend URL for `connectChainBackend` (Core RPC with credentials). */
  readonly chainBackend: string
  readonly shops: readonly ShopEndpoint[]
  /** The world's clock, so every agent agrees on world time. */
  readonly timeScale: TimeScale
}

/**
 * Where the BTC/USD rate comes from (`[rates] source`): a fixed rate only when configured (or in a
 * world), else a mempool.space-style price API (`/api/v1/prices`).
 */
export type RatesConfig =
  | { readonly kind: 'fixed'; readonly satsPerUsd: bigint }
  | { readonly kind: 'mempool'; readonly url: string | undefined }

/**
 * One VPS provider of cloudomate's registry the agent buys from: its registry name and its config
 * section as cloudomate reads it (`url`, `token`, …: cloudomate's README, "Config sections").
 */
export interface ProviderSection {
  readonly name: string
  readonly settings: ReadonlyMap<string, string>
}

/** The typed part of `plebnet_setup.cfg` the lifecycle uses (times in ms, money in sats). */
export interface AgentConfig {
  readonly tickIntervalMs: number
  /** `daemon.offer_refresh`: the shops' plans are read again once this old (AGENT.md §3.2), ms. */
  readonly offerRefreshMs: number
  readonly leaseMs: number
  readonly liquidateBeforeMs: number
  readonly sweepBeforeMs: number
  readonly maxConsecutiveFailures: number
  readonly installMaxAttempts: number
  readonly dowryPercent: bigint
  readonly vpsCount: number
  /** `strategy.order_timeout`: a sell offer older than this is refreshed (ALGORITHMS.md §5.1), ms. */
  readonly orderTimeoutMs: number
  /** `wallets.btc_global` when it is set (the sweep target of last resort). */
  readonly btcGlobal: string | undefined
  readonly strategy: string
  /**
   * The chain backend URL for `connectChainBackend` (Core RPC `http://user:pass@host:port/`,
   * `esplora+https://…`, `electrum[s]://host:port`): `[chain] backend`, else `[world] chain_backend`;
   * undefined when neither is set (the agent cannot pay, so it does not tick).
   */
  readonly chainBackend: string | undefined
  /**
   * The VPS providers the agent may buy from: every provider of cloudomate's registry with a section
   * of its own (`[bitlaunch]`, `[bluecloud]`, …), plus the `[world] providers` URLs filled in.
   */
  readonly providers: readonly ProviderSection[]
  /** `[rates] source`; a world's default is its fixed rate, elsewhere the mempool.space price API. */
  readonly rates: RatesConfig
  /** The local world's clock and URLs when the agent lives in one (a convenience over the above). */
  readonly qd: QdConfig
  /** `vpn.host`: the VPN provider a child's VPN is bought from (AGENT.md §3.4); undefined when empty. */
  readonly vpnHost: string | undefined
  /**
   * cloudomate's VPN providers with a section of their own (`[mullvad]`, `[azirevpn]`), plus the
   * world's VPN provider by URL: the drivers `vpn.host` picks from.
   */
  readonly vpnProviders: readonly ProviderSection[]
  readonly world: WorldConfig | undefined
  /**
   * `[tunnels] exit_networks`: the only networks an exit agent connects to (CIDRs, world mode of the
   * exit policy: the world's content networks); undefined when empty (real mode, Tor's reduced policy).
   */
  readonly tunnelExitNetworks: readonly string[] | undefined
  /** `[tunnels] payout_rule`: how tunnel payments are split among a circuit's hops (default `fair`). */
  readonly tunnelPayoutRule: PayoutRule
  /**
   * `[market] enabled` (0 or 1): the daemon runs the token market (issue 17): a matchmaker for its
   * neighbours and the agent's `TokenMarket`, so the sell step places asks. Default 1 in a world
   * (`[world]` set), 0 elsewhere (settlement moves real coins there).
   */
  readonly marketEnabled: boolean
}

const isPayoutRule = (rule: string): rule is PayoutRule => (PAYOUT_RULES as readonly string[]).includes(rule)

/** Environment variables that override one key: `PLEBNET_CFG_<SECTION>_<KEY>` (upper case). */
export const ENV_PREFIX = 'PLEBNET_CFG_'

/** The defaults merged with the file's values and then the environment's (the environment wins). */
export function effectiveIni(text: string, env: Readonly<Record<string, string | undefined>>): IniSections {
  const out = new Map<string, Map<string, string>>()
  for (const [section, keys] of Object.entries(CONFIG_DEFAULTS)) {
    out.set(section, new Map(Object.entries(keys).map(([k, v]) => [k.toLowerCase(), v])))
  }
  for (const [section, keys] of parseIniText(text)) {
    const target = out.get(section) ?? new Map<string, string>()
    for (const [k, v] of keys) target.set(k, v)
    out.set(section, target)
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue
    const rest = name.slice(ENV_PREFIX.length).toLowerCase()
    for (const [section, keys] of out) {
      if (!rest.startsWith(`${section}_`)) continue
      keys.set(rest.slice(section.length + 1), value)
    }
  }
  return out
}

const seconds = (key: string) =>
  z
    .string()
    .regex(/^\d{1,10}(\.\d+)?$/, `${key} must be a number of seconds`)
    .transform((s) => Math.round(Number(s) * 1000))
const count = (key: string) =>
  z
    .string()
    .regex(/^\d{1,6}$/, `${key} must be a whole number`)
    .transform(Number)

/** `[qd]`: the QD-learning tunables (AGENT.md §4, ALGORITHMS.md §2). */
const QdSchema = z.object({
  trimF: z
    .string()
    .regex(/^[0-8]$/, 'qd.trim_f must be a whole number 0..8')
    .transform(Number),
  maxRemotes: z
    .string()
    .regex(/^\d{1,2}$/, 'qd.max_remotes must be a whole number 1..64')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 64, 'qd.max_remotes must be a whole number 1..64'),
  rewardCap: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,6})?$/, 'qd.reward_cap must be a number in (0, 100]')
    .transform(Number)
    .refine((n) => n > 0 && n <= 100, 'qd.reward_cap must be a number in (0, 100]'),
  selector: z.enum(['qtable', 'dna'], { message: 'qd.selector must be qtable or dna' }),
})

/** The QD-learning settings of `[qd]`. */
export interface QdConfig {
  /** `qd.trim_f`: values trimmed per cell, and the most stranger tables merged per update. */
  readonly trimF: number
  /** `qd.max_remotes`: remote tables merged per update at most. */
  readonly maxRemotes: number
  /** `qd.reward_cap`: the reward's upper clamp. */
  readonly rewardCap: number
  /** `qd.selector`: `qtable` (QD-learning, ALGORITHMS.md §4) or `dna` (the legacy genome roulette). */
  readonly selector: 'qtable' | 'dna'
}

const WorldSchema = z.object({
  chain_backend: z.string().url('world.chain_backend must be a URL'),
  providers: z.string().min(1, 'world.providers must list name=url pairs'),
  // The world clock needs a finite, positive scale (createScaledClock): a digit string too long for a
  // double reads as Infinity, and 0 stops time.
  time_scale: z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number)
    .refine((scale) => Number.isFinite(scale) && scale > 0, 'world.time_scale must be a positive number'),
  epoch_real_ms: z
    .string()
    .regex(/^\d{1,16}$/)
    .transform(Number),
  epoch_world_ms: z
    .string()
    .regex(/^\d{1,16}$/)
    .transform(Number),
})

/**
 * The lifecycle's typed keys. Built once, at module level: building the schemas per call cost
 * ~1.5 ms, more than the whole read (issue 14's fuzz suite measured it).
 */
const CoreSchema = z.object({
  tick: seconds('daemon.tick_interval'),
  offerRefresh: seconds('daemon.offer_refresh'),
  lease: seconds('lease.time_alive'),
  liquidate: seconds('lease.liquidate_before'),
  sweep: seconds('lease.sweep_before'),
  failures: count('purchase.max_consecutive_failures'),
  attempts: count('install.max_attempts'),
  dowry: z.string().regex(/^(100|\d{1,2})$/, 'install.dowry_percent must be 0..100'),
  vps: count('strategy.vps_count'),
  orderTimeout: seconds('strategy.order_timeout'),
})

function parseShops(text: string): ShopEndpoint[] {
  return text
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=')
      const name = pair.slice(0, at).trim()
      const url = pair.slice(at + 1).trim()
      if (at <= 0 || !/^https?:\/\//.test(url)) {
        throw new LifecycleError(
          'LIFECYCLE_CONFIG_INVALID',
          `world.providers: expected name=http://…, got ${pair}`,
          { pair },
        )
      }
      return { name, url }
    })
}

/** `[chain] backend`: the URL schemes `connectChainBackend` (`@dolly/wallet`) understands. */
const BACKEND_URL = /^(https?|esplora\+https?|electrums?):\/\/[^\s]+$/

function parseBackend(text: string, key: string): string {
  let ok = BACKEND_URL.test(text)
  if (ok) {
    try {
      new URL(text)
    } catch {
      ok = false
    }
  }
  if (!ok) {
    throw new LifecycleError(
      'LIFECYCLE_CONFIG_INVALID',
      `${key} must be a chain backend URL (http://user:pass@host:port/, esplora+https://…/api/, electrum[s]://host:port), got ${text}`,
      { key },
    )
  }
  return text
}

/** The largest fixed rate accepted (sats per USD: 1 USD = 1 BTC). */
const MAX_SATS_PER_USD = 100_000_000n

/** `[rates] source`: `fixed <sats per usd>`, `mempool` or `mempool <url>`. */
function parseRates(text: string): RatesConfig {
  const [kind, arg, ...rest] = text.trim().split(/\s+/)
  const bad = (why: string): never => {
    throw new LifecycleError(
      'LIFECYCLE_CONFIG_INVALID',
      `rates.source ${why}: expected "fixed <sats per usd>", "mempool" or "mempool <url>", got ${text}`,
      { value: text },
    )
  }
  if (rest.length > 0) return bad('has extra words')
  if (kind === 'fixed') {
    if (arg === undefined || !/^\d{1,12}$/.test(arg)) return bad('needs a whole number of sats per USD')
    const satsPerUsd = BigInt(arg)
    if (satsPerUsd <= 0n || satsPerUsd > MAX_SATS_PER_USD) return bad('must be 1..100000000 sats per USD')
    return { kind: 'fixed', satsPerUsd }
  }
  if (kind === 'mempool') {
    if (arg !== undefined && !isHttpUrl(arg)) return bad('needs an http(s) URL')
    return { kind: 'mempool', url: arg }
  }
  return bad('names no source')
}

function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\//.test(text)) return false
  try {
    new URL(text)
    return true
  } catch {
    return false
  }
}

/**
 * Registry names and kinds of cloudomate's VPS providers, built once. From cloudomate's light
 * `provider-needs` module: checking a config loads no driver (the daemon reads its config at start).
 */
let registryKinds: ReadonlyMap<string, 'whmcs' | 'api'> | undefined
function providerKinds(): ReadonlyMap<string, 'whmcs' | 'api'> {
  registryKinds ??= new Map(vpsProviderNeeds(new Map()).map((e) => [e.name, e.kind]))
  return registryKinds
}

/** Keys of a provider section that must be numbers (cloudomate passes them to `Number`). */
const NUMERIC_KEYS: ReadonlySet<string> = new Set(['days', 'months'])

/**
 * The provider sections of `ini` (sections named like a registry provider), with `[world] providers`
 * URLs filled in where the section sets none, checked as cloudomate's registry checks them.
 */
function parseProviders(ini: IniSections, world: readonly ShopEndpoint[]): ProviderSection[] {
  const kinds = providerKinds()
  const sections = new Map<string, Map<string, string>>()
  for (const [name, keys] of ini) if (kinds.has(name)) sections.set(name, new Map(keys))
  // The world's shops by URL, as if written `[<name>] url = …`; a name cloudomate does not know is not a shop it can drive.
  for (const shop of world) {
    if (!kinds.has(shop.name)) continue
    const section = sections.get(shop.name) ?? new Map<string, string>()
    if ((section.get('url') ?? '') === '') section.set('url', shop.url)
    sections.set(shop.name, section)
  }
  const fail = (name: string, why: string): never => {
    throw new LifecycleError('LIFECYCLE_CONFIG_INVALID', `[${name}] ${why}`, { provider: name })
  }
  for (const [name, keys] of sections) {
    const url = keys.get('url') ?? ''
    if (url !== '' && !isHttpUrl(url)) fail(name, `url must be an http(s) URL, got ${url}`)
    for (const key of NUMERIC_KEYS) {
      const value = keys.get(key) ?? ''
      if (value !== '' && !/^\d{1,4}$/.test(value)) fail(name, `${key} must be a whole number, got ${value}`)
    }
  }
  // The registry's rules say which sections still miss a URL or a token (`findDriver`'s rule).
  const needs = vpsProviderNeeds(sections)
  return [...sections].map(([name, settings]) => {
    const entry = needs.find((e) => e.name === name)
    if (entry === undefined || entry.missing !== undefined)
      fail(name, `needs ${entry?.missing ?? 'configuration'}`)
    return { name, settings }
  })
}

/** cloudomate's VPN providers an agent can buy a child's VPN from (`vpn.host`). */
export const VPN_PROVIDERS: readonly string[] = ['mullvad', 'azirevpn']

/**
 * The VPN provider sections of `ini` (`[mullvad]`, `[azirevpn]`: `url`, `token`, `location`,
 * `currency`), with the world's VPN provider's URL filled in where the section sets none.
 */
function parseVpnProviders(ini: IniSections, world: readonly ShopEndpoint[]): ProviderSection[] {
  const sections = new Map<string, Map<string, string>>()
  for (const name of VPN_PROVIDERS) {
    const keys = ini.get(name)
    if (keys !== undefined) sections.set(name, new Map(keys))
  }
  for (const shop of world) {
    if (!VPN_PROVIDERS.includes(shop.name)) continue
    const section = sections.get(shop.name) ?? new Map<string, string>()
    // The world's provider sells in USD at its fixed rate (DESIGN.md §6).
    if ((section.get('url') ?? '') === '') section.set('url', shop.url)
    if ((section.get('currency') ?? '') === '') section.set('currency', 'USD')
    sections.set(shop.name, section)
  }
  for (const [name, keys] of sections) {
    const url = keys.get('url') ?? ''
    if (url !== '' && !isHttpUrl(url)) {
      throw new LifecycleError(
        'LIFECYCLE_CONFIG_INVALID',
        `[${name}] url must be an http(s) URL, got ${url}`,
        {
          provider: name,
        },
      )
    }
    const currency = keys.get('currency') ?? ''
    if (currency !== '' && !/^(USD|EUR)$/.test(currency)) {
      throw new LifecycleError(
        'LIFECYCLE_CONFIG_INVALID',
        `[${name}] currency must be USD or EUR, got ${currency}`,
        {
          provider: name,
        },
      )
    }
  }
  return [...sections].map(([name, settings]) => ({ name, settings }))
}

/**
 * Reads the lifecycle's settings from `plebnet_setup.cfg` text plus the environment.
 *
 * @throws LifecycleError LIFECYCLE_CONFIG_INVALID naming the key and the value expected
 */
export function readAgentConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>> = {},
): AgentConfig {
  const ini = effectiveIni(text, env)
  const get = (section: string, key: string): string => ini.get(section)?.get(key) ?? ''
  const fail = (err: z.ZodError): never => {
    throw new LifecycleError(
      'LIFECYCLE_CONFIG_INVALID',
      `plebnet_setup.cfg: ${err.issues.map((i) => i.message).join('; ')}`,
      {
        issues: err.issues,
      },
    )
  }
  const core = CoreSchema.safeParse({
    tick: get('daemon', 'tick_interval'),
    offerRefresh: get('daemon', 'offer_refresh'),
    lease: get('lease', 'time_alive'),
    liquidate: get('lease', 'liquidate_before'),
    sweep: get('lease', 'sweep_before'),
    failures: get('purchase', 'max_consecutive_failures'),
    attempts: get('install', 'max_attempts'),
    dowry: get('install', 'dowry_percent'),
    vps: get('strategy', 'vps_count'),
    orderTimeout: get('strategy', 'order_timeout'),
  })
  if (!core.success) return fail(core.error)
  const qd = QdSchema.safeParse({
    trimF: get('qd', 'trim_f'),
    maxRemotes: get('qd', 'max_remotes'),
    rewardCap: get('qd', 'reward_cap'),
    selector: get('qd', 'selector'),
  })
  if (!qd.success) return fail(qd.error)
  let world: WorldConfig | undefined
  if (get('world', 'chain_backend') !== '') {
    const parsed = WorldSchema.safeParse(Object.fromEntries(ini.get('world') ?? []))
    if (!parsed.success) return fail(parsed.error)
    world = {
      chainBackend: parsed.data.chain_backend,
      shops: parseShops(parsed.data.providers),
      timeScale: {
        scale: parsed.data.time_scale,
        epochRealMs: parsed.data.epoch_real_ms,
        epochWorldMs: parsed.data.epoch_world_ms,
      },
    }
  }
  const chain = get('chain', 'backend')
  const chainBackend =
    chain !== '' ? parseBackend(chain, 'chain.backend') : world === undefined ? undefined : world.chainBackend
  const source = get('rates', 'source')
  const rates: RatesConfig =
    source !== ''
      ? parseRates(source)
      : world === undefined
        ? { kind: 'mempool', url: undefined }
        : { kind: 'fixed', satsPerUsd: WORLD_SATS_PER_USD }
  const providers = parseProviders(ini, world?.shops ?? [])
  const btcGlobal = get('wallets', 'btc_global')
  const exitNetworks = get('tunnels', 'exit_networks')
    .split(/[\s,]+/)
    .filter((n) => n !== '')
  try {
    createWorldExitPolicy(exitNetworks)
  } catch (err) {
    throw new LifecycleError(
      'LIFECYCLE_CONFIG_INVALID',
      `plebnet_setup.cfg: tunnels.exit_networks: ${err instanceof Error ? err.message : String(err)}`,
      { exitNetworks },
    )
  }
  const payoutRule = get('tunnels', 'payout_rule').trim() || DEFAULT_PAYOUT_RULE
  if (!isPayoutRule(payoutRule))
    throw new LifecycleError(
      'LIFECYCLE_CONFIG_INVALID',
      `plebnet_setup.cfg: tunnels.payout_rule: ${payoutRule} is not one of ${PAYOUT_RULES.join(', ')}`,
      { payoutRule },
    )
  const market = get('market', 'enabled').trim()
  if (market !== '' && market !== '0' && market !== '1')
    throw new LifecycleError(
      'LIFECYCLE_CONFIG_INVALID',
      `plebnet_setup.cfg: market.enabled: ${market} is not 0 or 1`,
      {
        market,
      },
    )
  return {
    tickIntervalMs: core.data.tick,
    offerRefreshMs: core.data.offerRefresh,
    leaseMs: core.data.lease,
    liquidateBeforeMs: core.data.liquidate,
    sweepBeforeMs: core.data.sweep,
    maxConsecutiveFailures: core.data.failures,
    installMaxAttempts: core.data.attempts,
    dowryPercent: BigInt(core.data.dowry),
    vpsCount: core.data.vps,
    orderTimeoutMs: core.data.orderTimeout,
    btcGlobal: btcGlobal === '' || btcGlobal.startsWith('SET_') ? undefined : btcGlobal,
    strategy: get('strategy', 'name') || 'last_day_sell',
    chainBackend,
    providers,
    rates,
    qd: qd.data,
    vpnHost: get('vpn', 'host').trim().toLowerCase() || undefined,
    vpnProviders: parseVpnProviders(ini, world?.shops ?? []),
    world,
    tunnelExitNetworks: exitNetworks.length === 0 ? undefined : exitNetworks,
    tunnelPayoutRule: payoutRule,
    marketEnabled: market === '' ? world !== undefined : market === '1',
  }
}
