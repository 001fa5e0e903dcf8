// A composition root for the kill -9 test: buys from a world shop with a real wallet, but the wallet
// port never returns after the payment is broadcast, so the process is between "paid" and the journal's
// `paid` line when the test kills it.
import { createCryptoRng, createNullLogger, createSystemClock } from '@dolly/base'
import {
  createBitcoinCoreRpcChain,
  createWallet,
  deriveAccount,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
} from '@dolly/wallet'
import { createFileAccountStore } from '../../../src/adapters/account-files.ts'
import { createFetchSend } from '../../../src/adapters/fetch-send.ts'
import { createFileJournalStore } from '../../../src/adapters/journal-file.ts'
import { createHttpSession } from '../../../src/http/session.ts'
import { generateIdentity } from '../../../src/identity.ts'
import { WORLD_SHOPS } from '../../../src/providers/shops.ts'
import { purchase } from '../../../src/purchase/purchase.ts'
import { createFixedRateSource } from '../../../src/rates.ts'
import { paymentWalletFrom } from '../../../src/wallet-port.ts'
import { createWhmcsDriver } from '../../../src/whmcs/driver.ts'

const [shopName, shopUrl, rpcUrl, rpcUser, rpcPassword, walletDb, mnemonic, home] = process.argv.slice(2)
if (
  home === undefined ||
  shopName === undefined ||
  shopUrl === undefined ||
  rpcUrl === undefined ||
  rpcUser === undefined ||
  rpcPassword === undefined ||
  walletDb === undefined ||
  mnemonic === undefined
) {
  process.stderr.write(
    'usage: purchase-and-hang <shop> <url> <rpcUrl> <user> <password> <walletDb> <mnemonic> <home>\n',
  )
  process.exit(2)
}
const clock = createSystemClock()
const rng = createCryptoRng()
const world = networkParams('world')
const wallet = createWallet(
  {
    chain: createBitcoinCoreRpcChain(
      { clock },
      { url: rpcUrl, user: rpcUser, password: rpcPassword, timeoutMs: 30_000 },
    ),
    store: openSqliteWalletStore(walletDb),
    clock,
    logger: createNullLogger(),
  },
  { network: world, account: deriveAccount(mnemonicToRoot(mnemonic, world), world), maxFeePercent: 100n },
)
const real = paymentWalletFrom(wallet)
const hanging = {
  ...real,
  pay: async (request: Parameters<typeof real.pay>[0]) => {
    const { txid } = await real.pay(request)
    process.stdout.write(`paid ${txid}\n`)
    return new Promise<never>(() => undefined)
  },
}
const config = WORLD_SHOPS.find((s) => s.name === shopName)
if (config === undefined) process.exit(2)
const driver = createWhmcsDriver({ ...config, baseUrl: shopUrl })
const newSession = () => createHttpSession({ send: createFetchSend(), clock, rng }, { minIntervalMs: 0 })
const options = await driver.options({
  session: newSession(),
  network: world,
  clock,
  rng,
  log: createNullLogger(),
})
process.stdout.write('quoting\n')
await purchase(
  {
    wallet: hanging,
    journal: createFileJournalStore(`${home}/journal.jsonl`),
    accounts: createFileAccountStore(`${home}/purchases`),
    rates: createFixedRateSource(clock, { USD: 1000n }),
    clock,
    rng,
    log: createNullLogger(),
    newSession,
  },
  {
    driver,
    option: options[0]!,
    settings: generateIdentity(rng),
    policy: { tolerancePct: 3, maxSats: null },
  },
)
