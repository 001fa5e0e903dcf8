/**
 * @dolly/world — the local stand-in for the Internet: the regtest chain (Bitcoin Core 0.21 code with
 * Litecoin parameters), provider shops, hosts, and the `dolly` operator CLI.
 */
export { WorldError, type WorldErrorCode } from './errors.ts'
export { DOLLY_WORLD_EXIT_STATUS } from './exit-status.ts'
export { DOLLY_CLI_EXIT_STATUS } from './cli/exit-status.ts'
export {
  startChain,
  stopLeftoverChain,
  freePort,
  isAlive,
  FAUCET_WALLET,
  type ChainHandle,
  type ChainOptions,
} from './chain/adapters/litecoind.ts'
export {
  createCoreRpc,
  coinsToSats,
  type CoreRpcCall,
  type CoreRpcEndpoint,
} from './chain/adapters/core-rpc.ts'
export * from './hosts/index.ts'
export * from './providers/index.ts'
export * from './release/index.ts'
export * from './vpn-endpoint/index.ts'
export * from './whoami/index.ts'
export {
  startWorld,
  DEFAULT_TIME_SCALE,
  DEFAULT_BLOCK_INTERVAL_MIN,
  DEFAULT_PROVIDERS,
  type WorldHandle,
  type WorldOptions,
} from './runtime/world.ts'
export { readWorldState } from './runtime/adapters/world-dir.ts'
export {
  NGIRCD_PATH,
  startIrcServer,
  stopLeftoverIrcServer,
  type IrcServer,
  type IrcServerOptions,
} from './irc/adapters/ngircd.ts'
export { ngircdConfigText, WORLD_IRC_CHANNEL } from './irc/ngircd-config.ts'
export { HOST_STATUS_TOKEN_PATH, hostTokenReader } from './genesis/adapters/census.ts'
export type { WorldState } from './runtime/world-state.ts'
// Genesis (issue 8): the operator installs and funds the family's first agent.
export { GenesisError, type GenesisErrorCode } from './genesis/errors.ts'
export { genesisConfigText, type GenesisConfigOptions } from './genesis/genesis-config.ts'
export {
  OPERATOR_TREE,
  runGenesis,
  type GenesisDeps,
  type GenesisOptions,
  type GenesisResult,
} from './genesis/adapters/genesis.ts'
// World users (issue 16): the content network agents exit to, and the users who fetch through them.
export { CONTENT_FILES, contentFile, contentSha256, type ContentFile } from './content/files.ts'
export { planContentNetwork, type ContentNetworkPlan } from './content/plan.ts'
export {
  startContentNetwork,
  cleanupContentLeftovers,
  type ContentNetwork,
} from './content/adapters/content-network.ts'
export { startContentServer, type ContentServer } from './content/adapters/content-server.ts'
export { startUserDriver, type UserDriver, type UserDriverOptions } from './users/adapters/user-driver.ts'
export { startUserFleet, type UserFleet, type UserFleetOptions } from './users/adapters/user-fleet.ts'
export { agentMultiaddr, bootstrapAddrs } from './users/bootstrap.ts'
export type { RequestRecord, UserStats } from './users/stats.ts'
export {
  traceLoop,
  type FundedPurchase,
  type LoopTrace,
  type TradePayment,
} from './users/adapters/loop-trace.ts'
export { planBuyers, BUYER_DEFAULTS, type BuyerProfile } from './users/buyers.ts'
