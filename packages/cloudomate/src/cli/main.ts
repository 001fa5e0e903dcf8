import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline/promises'
import {
  createCryptoRng,
  createNullLogger,
  createPinoLogger,
  createSystemClock,
  processIo,
  runCli,
  writeFileAtomic,
} from '@dolly/base'
import {
  connectChainBackend,
  createWallet,
  deriveAccount,
  keystoreAccount,
  openSqliteWalletStore,
  promptHidden,
  readKeystoreFile,
  resolvePassphrase,
  unlockKeystore,
} from '@dolly/wallet'
import { z } from 'zod'
import { iniValue } from '../config.ts'
import { CloudomateError } from '../errors.ts'
import { createFileAccountStore } from '../adapters/account-files.ts'
import { createFetchSend } from '../adapters/fetch-send.ts'
import { createFileJournalStore } from '../adapters/journal-file.ts'
import { createMempoolRateSource } from '../adapters/mempool-rates.ts'
import { sshExec, sshInteractive, sshSetRootPassword } from '../adapters/ssh.ts'
import { createHttpSession } from '../http/session.ts'
import type { PaymentWallet } from '../ports.ts'
import { createVpsRegistry } from '../providers/registry.ts'
import { createFixedRateSource } from '../rates.ts'
import { paymentWalletFrom } from '../wallet-port.ts'
import type { CloudomateCliEnv, WalletChoice } from './env.ts'
import { buildCloudomateProgram } from './program.ts'

// Composition root of the `cloudomate` executable: the only place that reads the environment.
const configHome = process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config')
const dataHome = process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share')
const clock = createSystemClock()
const rng = createCryptoRng()
const send = createFetchSend()
const io = processIo()
const logLevel = z.enum(['debug', 'info', 'warn', 'error']).safeParse(process.env['CLOUDOMATE_LOG'])
const log = logLevel.success ? createPinoLogger({ clock }, { level: logLevel.data }) : createNullLogger()
/** The world's fixed exchange rate (packages/world providers/constants.ts SATS_PER_USD: 1 BTC = 100,000 USD). */
const WORLD_SATS_PER_USD = 1_000n
const BACKEND_TIMEOUT_MS = 30_000
const worldState = z.object({
  chain: z.object({ rpcUrl: z.string(), rpcUser: z.string(), rpcPassword: z.string() }),
})
// Shops a running world publishes (if its world.json lists them) fill in `[<name>] url`.
const worldProviders = z.object({ providers: z.array(z.object({ name: z.string(), url: z.string().url() })) })
const worldDir = process.env['DOLLY_WORLD_DIR'] ?? join(dataHome, 'dollynator', 'world')
const readWorldJson = async (): Promise<unknown> => {
  try {
    return JSON.parse(await readFile(join(worldDir, 'world.json'), 'utf8'))
  } catch {
    return undefined
  }
}
const publishedShops = worldProviders.safeParse(await readWorldJson())

async function chainUrl(choice: WalletChoice, network: string): Promise<string> {
  const url = choice.backend ?? process.env['PLEBNET_CHAIN_BACKEND']
  if (url !== undefined) return url
  if (network !== 'world') {
    throw new CloudomateError(
      'CLOUDOMATE_SETTINGS_INVALID',
      `no chain backend for ${network}: set [payment] backend or PLEBNET_CHAIN_BACKEND`,
      {},
    )
  }
  // A running world publishes its chain's RPC endpoint in <world dir>/world.json.
  const parsed = worldState.safeParse(await readWorldJson())
  if (!parsed.success)
    throw new CloudomateError(
      'CLOUDOMATE_SETTINGS_INVALID',
      `no running world in ${worldDir}; start it with 'npx dolly world up' or set [payment] backend`,
      {
        dir: worldDir,
      },
    )
  const u = new URL(parsed.data.chain.rpcUrl)
  u.username = encodeURIComponent(parsed.data.chain.rpcUser)
  u.password = encodeURIComponent(parsed.data.chain.rpcPassword)
  return u.toString()
}

async function openWallet(choice: WalletChoice): Promise<{ wallet: PaymentWallet; close(): void }> {
  const dir = choice.walletpath ?? join(configHome, 'plebnet')
  const document = await readKeystoreFile(join(dir, 'wallet.json'))
  const { params, account } = keystoreAccount(document)
  const wanted = choice.network === 'mainnet' ? 'bitcoin' : choice.network
  if (wanted !== undefined && wanted !== params.name) {
    throw new CloudomateError(
      'CLOUDOMATE_SETTINGS_INVALID',
      `the wallet in ${dir} is on ${params.name}, but ${wanted} was asked for`,
      { wallet: params.name, wanted },
    )
  }
  const connection = connectChainBackend(
    await chainUrl(choice, params.name),
    { clock },
    { timeoutMs: BACKEND_TIMEOUT_MS },
  )
  const store = openSqliteWalletStore(join(dir, 'wallet.sqlite'))
  // The world's prices are a few thousand sats, so a regtest fee is a large share of them.
  const maxFeePercent =
    choice.maxFeePercent !== undefined
      ? BigInt(choice.maxFeePercent)
      : params.name === 'world'
        ? 100n
        : undefined
  const fees = maxFeePercent === undefined ? {} : { maxFeePercent }
  const watch = createWallet(
    { chain: connection.chain, store, clock, logger: log },
    { network: params, account, ...fees },
  )
  const port = paymentWalletFrom(watch)
  return {
    wallet: {
      ...port,
      // The seed is decrypted only when a payment is actually made.
      pay: async (request, options) => {
        const passphrase = await resolvePassphrase({
          env: process.env,
          configPath: join(dir, 'plebnet_setup.cfg'),
          prompt: promptHidden,
        })
        const unlocked = await unlockKeystore(document, passphrase)
        const signer = createWallet(
          { chain: connection.chain, store, clock, logger: log },
          { network: params, account: deriveAccount(unlocked.root, params), ...fees },
        )
        return paymentWalletFrom(signer).pay(request, options)
      },
    },
    close: () => {
      store.close()
      connection.close()
    },
  }
}

const env: CloudomateCliEnv = {
  defaultHome: join(configHome, 'cloudomate'),
  clock,
  rng,
  log,
  readText: (path) =>
    readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) =>
      err.code === 'ENOENT' ? undefined : Promise.reject(err),
    ),
  writeSecretFile: (path, text) => writeFileAtomic(path, text, { mode: 0o600 }),
  newSession: () => createHttpSession({ send, clock, rng }),
  journal: (home) => createFileJournalStore(join(home, 'journal.jsonl'), log),
  accounts: (home) => createFileAccountStore(join(home, 'purchases')),
  openWallet,
  rates: (network, ini) => {
    const usd = iniValue(ini, 'payment', 'sats_per_usd')
    const eur = iniValue(ini, 'payment', 'sats_per_eur')
    if (usd !== undefined || eur !== undefined)
      return createFixedRateSource(clock, {
        ...(usd === undefined ? {} : { USD: BigInt(usd) }),
        ...(eur === undefined ? {} : { EUR: BigInt(eur) }),
      })
    if (network === 'world' || network === 'regtest')
      return createFixedRateSource(clock, { USD: WORLD_SATS_PER_USD })
    return createMempoolRateSource()
  },
  confirm: async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr })
    try {
      const answer = await rl.question(question).catch(() => '')
      return /^y(es)?$/i.test(answer.trim())
    } finally {
      rl.close()
    }
  },
  registry: (ini) => {
    if (!publishedShops.success) return createVpsRegistry(ini)
    const merged = new Map(ini)
    for (const shop of publishedShops.data.providers) {
      const section = new Map(merged.get(shop.name) ?? [])
      if (!section.has('url')) section.set('url', shop.url)
      merged.set(shop.name, section)
    }
    return createVpsRegistry(merged)
  },
  ssh: {
    exec: (target, command) => sshExec(target, command),
    setRootPassword: (target, pw) => sshSetRootPassword(target, pw),
    interactive: (target) =>
      sshInteractive(target, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }),
  },
}

const exit: { code?: number } = {}
const code = await runCli(buildCloudomateProgram(io, env, exit), process.argv.slice(2), io)
process.exitCode = exit.code ?? code
