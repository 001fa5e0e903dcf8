/**
 * @dolly/world — the local stand-in for the Internet: the regtest chain (Bitcoin Core 0.21 code with
 * Litecoin parameters), provider shops, hosts, and the `dolly` operator CLI.
 */
export { WorldError, type WorldErrorCode } from './errors.ts'
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
