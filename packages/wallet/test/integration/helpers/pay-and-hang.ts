// A composition root for the kill -9 test: pays through the real Core-RPC chain, but its broadcast never
// returns, so the process is still between "intent recorded" and "broadcast answered" when it is killed.
import { createNullLogger, createSystemClock } from '@dolly/base'
import {
  createBitcoinCoreRpcChain,
  createWallet,
  deriveAccount,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
} from '@dolly/wallet'

const [rpcUrl, rpcUser, rpcPassword, dbPath, mnemonic, to, amount] = process.argv.slice(2)
if (
  rpcUrl === undefined ||
  rpcUser === undefined ||
  rpcPassword === undefined ||
  dbPath === undefined ||
  mnemonic === undefined ||
  to === undefined ||
  amount === undefined
) {
  process.stderr.write('usage: pay-and-hang <rpcUrl> <user> <password> <db> <mnemonic> <to> <sats>\n')
  process.exit(2)
}
const world = networkParams('world')
const core = createBitcoinCoreRpcChain(
  { clock: createSystemClock() },
  { url: rpcUrl, user: rpcUser, password: rpcPassword, timeoutMs: 30_000 },
)
const hanging = {
  ...core,
  broadcast: () => {
    process.stdout.write('signed\n')
    return new Promise<never>(() => undefined)
  },
}
const wallet = createWallet(
  {
    chain: hanging,
    store: openSqliteWalletStore(dbPath),
    clock: createSystemClock(),
    logger: createNullLogger(),
  },
  { network: world, account: deriveAccount(mnemonicToRoot(mnemonic, world), world) },
)
await wallet.send({ to, amountSats: BigInt(amount), purpose: 'killed mid-broadcast' })
