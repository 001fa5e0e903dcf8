import { SATS_PER_USD } from '../providers/constants.ts'
import type { WorldState } from '../runtime/world-state.ts'
import { GenesisError } from './errors.ts'

/** The repository the world's issue tracker files the family's error reports under (issue 18). */
export const WORLD_ISSUES_OWNER = 'dollynator'
export const WORLD_ISSUES_REPO = 'dollynator'
/** Where the family's postcards go, and whom they come from (the `.test` domain is reserved, RFC 2606). */
export const WORLD_OPERATOR_EMAIL = 'operator@world.test'
export const WORLD_AGENT_EMAIL = 'plebnet@world.test'

/**
 * `[postcard]`, `[github]` and `[install] share_secrets` of a world with a mail sink and an issue
 * tracker (issue 18): every agent mails its postcards to the sink and files error reports with the
 * tracker. Children get the SMTP settings and the tracker's token only with `install.share_secrets =
 * 1` (AGENT.md §4), so the world sets it: its only shared secrets are these world-local ones (no
 * provider account or anti-captcha key is configured in a world).
 */
export function watchConfigLines(state: Pick<WorldState, 'mail' | 'issues'>): string[] {
  const lines: string[] = []
  if (state.mail !== undefined)
    lines.push(
      '[postcard]',
      'active = 1',
      `smtp_host = ${state.mail.host}`,
      `smtp_port = ${state.mail.port}`,
      `from = ${WORLD_AGENT_EMAIL}`,
      `to = ${WORLD_OPERATOR_EMAIL}`,
      'include_secrets = 0',
      '',
    )
  if (state.issues !== undefined)
    lines.push(
      '[github]',
      'active = 1',
      `api_url = ${state.issues.url}`,
      `owner = ${state.issues.owner}`,
      `repo = ${state.issues.repo}`,
      `token = ${state.issues.token}`,
      '',
    )
  if (lines.length > 0) lines.push('[install]', 'share_secrets = 1', '')
  return lines
}

/** Options of the family's shared config. */
export interface GenesisConfigOptions {
  /** The operator's wallet passphrase (each child gets its own through the sanitised copy). */
  readonly walletPassword: string
  /** Shops the family buys from (world names); default every WHMCS shop of the world. */
  readonly shops?: readonly string[]
  /** `lease.time_alive` in world seconds (default the original 30 days). */
  readonly leaseS?: number
  /** `daemon.tick_interval` in world seconds (default the original 300). */
  readonly tickIntervalS?: number
}

/**
 * The `plebnet_setup.cfg` the operator's root holds and every descendant inherits (sanitised): the
 * world's chain as hosts reach it (as its restricted agents' RPC user), its shops, and its clock, so
 * every agent agrees on world time. `[world]` is a convenience: the agent reads it as the same
 * `[chain] backend` and `[<shop>] url` settings a real-mode agent writes by hand; the world's fixed
 * rate is written as `[rates] source`. In a world with a content network, `[tunnels] exit_networks`
 * is its subnet: the family's exit nodes exit there and nowhere else (a world agent without it does
 * not exit at all; children copy the setting). With the world's IRC server, `[irc] server`, `port` and
 * `channel` point every agent's bot at it (children copy them). Returns undefined for a world without hosts (nothing
 * to buy).
 *
 * @throws GenesisError WORLD_GENESIS_INVALID for a world state without the agents' RPC user
 */
export function genesisConfigText(state: WorldState, options: GenesisConfigOptions): string | undefined {
  const network = state.network
  if (network === undefined) return undefined
  const rpc = new URL(network.hostRpcUrl)
  const { agentRpcUser, agentRpcPassword } = state.chain
  if (agentRpcUser === undefined || agentRpcPassword === undefined) {
    throw new GenesisError(
      'WORLD_GENESIS_INVALID',
      'this world has no RPC user for agents (it was started by an older build): run dolly world down, then up',
      {},
    )
  }
  // The agents' restricted user, never the node's admin: every descendant inherits this URL.
  rpc.username = encodeURIComponent(agentRpcUser)
  rpc.password = encodeURIComponent(agentRpcPassword)
  const shops = state.providers.filter(
    (p) => p.kind === 'whmcs' && (options.shops === undefined || options.shops.includes(p.name)),
  )
  return [
    '[wallets]',
    `password = ${options.walletPassword}`,
    '',
    '[daemon]',
    `tick_interval = ${options.tickIntervalS ?? 300}`,
    '',
    '[lease]',
    `time_alive = ${options.leaseS ?? 2_592_000}`,
    // What the genesis agent (installed by hand on the operator's host, not bought) tells IRC's
    // `!general`, as the world's census names it; children say what their parent bought.
    'bootstrap_state = operator/genesis',
    '',
    '[rates]',
    `source = fixed ${SATS_PER_USD}`,
    '',
    '[world]',
    `chain_backend = ${rpc.toString()}`,
    `providers = ${shops.map((s) => `${s.name}=${s.url}`).join(',')}`,
    `time_scale = ${state.timeScale.scale}`,
    `epoch_real_ms = ${state.timeScale.epochRealMs}`,
    `epoch_world_ms = ${state.timeScale.epochWorldMs}`,
    '',
    ...(state.content === undefined ? [] : ['[tunnels]', `exit_networks = ${state.content.subnetCidr}`, '']),
    ...watchConfigLines(state),
    // The world's IRC server (issue 18): every descendant's bot joins the family channel there.
    ...(state.irc === undefined
      ? []
      : [
          '[irc]',
          `server = ${state.irc.host}`,
          `port = ${state.irc.port}`,
          `channel = ${state.irc.channel}`,
          '',
        ]),
  ].join('\n')
}
