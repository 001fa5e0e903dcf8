import type { WorldState } from '../runtime/world-state.ts'

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
 * world's chain as hosts reach it, its shops, and its clock, so every agent agrees on world time.
 * Returns undefined for a world without hosts (nothing to buy).
 */
export function genesisConfigText(state: WorldState, options: GenesisConfigOptions): string | undefined {
  const network = state.network
  if (network === undefined) return undefined
  const rpc = new URL(network.hostRpcUrl)
  rpc.username = encodeURIComponent(state.chain.rpcUser)
  rpc.password = encodeURIComponent(state.chain.rpcPassword)
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
    '',
    '[world]',
    `chain_backend = ${rpc.toString()}`,
    `providers = ${shops.map((s) => `${s.name}=${s.url}`).join(',')}`,
    `time_scale = ${state.timeScale.scale}`,
    `epoch_real_ms = ${state.timeScale.epochRealMs}`,
    `epoch_world_ms = ${state.timeScale.epochWorldMs}`,
    '',
  ].join('\n')
}
