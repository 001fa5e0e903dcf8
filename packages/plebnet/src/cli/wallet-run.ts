import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { z } from 'zod'
import { createNullLogger, emit, formatBtc, type CliIo, type Clock, type Rng } from '@dolly/base'
import {
  connectChainBackend,
  createKeystore,
  createWallet,
  deriveAccount,
  deriveChildRoot,
  parseFeeRateSatPerVb,
  resolvePassphrase,
  resolvePaymentTarget,
  keystoreAccount,
  networkParams,
  openSqliteWalletStore,
  readKeystoreFile,
  unlockKeystore,
  WalletError,
  writeKeystoreFile,
  type Balance,
  type ChainConnection,
  type HdNode,
  type KeystoreDocument,
  type NetworkParams,
  type PaymentRecord,
  type Wallet,
  type ScryptParams,
} from '@dolly/wallet'
import { CONFIG_FILE, WALLET_DB_FILE as JOURNAL_FILE, WALLET_FILE } from '../daemon/adapters/agent-home.ts'

/** Where the chain is, as given on the command line. */
export interface ChainFlags {
  /** A backend URL for `connectChainBackend` (Core RPC, esplora+https, electrum(s)). */
  readonly backend?: string
  readonly worldDir?: string
}

/** What the wallet commands need from outside; tests inject a memory chain and a seeded Rng. */
export interface WalletCliDeps {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly clock: Clock
  readonly rng: Rng
  /** Connects the chain backend; the default reads --backend, PLEBNET_CHAIN_BACKEND, or the running world's world.json. */
  readonly chainFor: (network: NetworkParams, flags: ChainFlags) => Promise<ChainConnection>
  /** Asks for the passphrase on a terminal; undefined when there is none. */
  readonly prompt: (question: string) => Promise<string | undefined>
  readonly kdf?: ScryptParams
}

/**
 * The work of the `plebnet wallet` commands; cli/wallet.ts registers them and loads this module when
 * one runs.
 */

const BACKEND_TIMEOUT_MS = 30_000

const home = (cmd: Command): string => String(cmd.optsWithGlobals()['home'])
const flagsOf = (cmd: Command): ChainFlags => {
  const o = cmd.optsWithGlobals()
  const pick = (k: string): Record<string, string> => (typeof o[k] === 'string' ? { [k]: o[k] } : {})
  return { ...pick('backend'), ...pick('worldDir') }
}
const json = (cmd: Command): boolean => cmd.opts()['json'] === true

interface OpenedWallet {
  readonly wallet: Wallet
  readonly document: KeystoreDocument
  readonly root?: HdNode
  readonly close: () => void
}

async function openWallet(deps: WalletCliDeps, cmd: Command, unlock: boolean): Promise<OpenedWallet> {
  const document = await readKeystoreFile(join(home(cmd), WALLET_FILE))
  const { params, account } = keystoreAccount(document)
  const root = unlock
    ? (
        await unlockKeystore(
          document,
          await resolvePassphrase({
            env: deps.env,
            configPath: join(home(cmd), CONFIG_FILE),
            prompt: deps.prompt,
          }),
        )
      ).root
    : undefined
  const connection = await deps.chainFor(params, flagsOf(cmd))
  const store = openSqliteWalletStore(join(home(cmd), JOURNAL_FILE))
  const w = createWallet(
    { chain: connection.chain, store, clock: deps.clock, logger: createNullLogger() },
    { network: params, account: root === undefined ? account : deriveAccount(root, params) },
  )
  const close = (): void => {
    store.close()
    connection.close()
  }
  return { wallet: w, document, ...(root === undefined ? {} : { root }), close }
}

async function withWallet<T>(
  deps: WalletCliDeps,
  cmd: Command,
  unlock: boolean,
  run: (o: OpenedWallet) => Promise<T>,
): Promise<T> {
  const opened = await openWallet(deps, cmd, unlock)
  try {
    // Settle payments a previous run left pending (a crash between signing and broadcast) before anything else.
    await opened.wallet.reconcile()
    return await run(opened)
  } finally {
    opened.close()
  }
}

/** `plebnet wallet create`. */
export async function walletCreate(
  io: CliIo,
  deps: WalletCliDeps,
  cmd: Command,
  opts: { network: string; showMnemonic?: boolean },
): Promise<void> {
  const params = networkParams(opts.network)
  const pass = await resolvePassphrase({
    env: deps.env,
    configPath: join(home(cmd), CONFIG_FILE),
    prompt: deps.prompt,
  })
  const { document, wallet: unlocked } = await createKeystore(
    { rng: deps.rng, clock: deps.clock },
    { network: params.name, passphrase: pass, ...(deps.kdf === undefined ? {} : { kdf: deps.kdf }) },
  )
  const path = join(home(cmd), WALLET_FILE)
  await writeKeystoreFile(path, document)
  const out = {
    path,
    network: params.name,
    accountXpub: document.accountXpub,
    ...(opts.showMnemonic === true ? { mnemonic: unlocked.mnemonic } : {}),
  }
  emit(io, json(cmd), out, () =>
    [
      `wallet: created ${path} on ${params.name}`,
      ...(opts.showMnemonic === true
        ? [`mnemonic (write it down, never share it): ${unlocked.mnemonic ?? ''}`]
        : []),
      "next: 'plebnet wallet address' for an address to fund",
    ].join('\n'),
  )
}

/** `plebnet wallet address`. */
export async function walletAddress(io: CliIo, deps: WalletCliDeps, cmd: Command): Promise<void> {
  await withWallet(deps, cmd, false, async ({ wallet: w }) => {
    const address = await w.receiveAddress()
    emit(
      io,
      json(cmd),
      { address: address.address, index: address.index, network: w.network.name },
      () => address.address,
    )
  })
}

/** `plebnet wallet balance`. */
export async function walletBalance(io: CliIo, deps: WalletCliDeps, cmd: Command): Promise<void> {
  await withWallet(deps, cmd, false, async ({ wallet: w }) => {
    const balance = await w.balance()
    emit(io, json(cmd), balance, () => renderBalance(balance))
  })
}

/** `plebnet wallet send <destination> [amount]`. */
export async function walletSend(
  io: CliIo,
  deps: WalletCliDeps,
  cmd: Command,
  destination: string,
  amountText: string | undefined,
  opts: { purpose: string; feeRate?: string },
): Promise<void> {
  await withWallet(deps, cmd, true, async ({ wallet: w }) => {
    const { to, amountSats } = resolvePaymentTarget(destination, amountText, w.network)
    const feeRate = opts.feeRate === undefined ? undefined : parseFeeRateSatPerVb(opts.feeRate)
    const payment = await w.send({
      to,
      amountSats,
      purpose: opts.purpose,
      ...(feeRate === undefined ? {} : { feeRateSatPerKvb: feeRate }),
    })
    emit(io, json(cmd), payment, () => renderPayment(payment))
  })
}

/** `plebnet wallet history`. */
export async function walletHistory(io: CliIo, deps: WalletCliDeps, cmd: Command): Promise<void> {
  await withWallet(deps, cmd, false, async ({ wallet: w }) => {
    const history = w.history()
    const value = {
      payments: history.payments.map(({ txHex: _hex, ...p }) => p),
      receipts: history.receipts,
    }
    emit(
      io,
      json(cmd),
      value,
      () =>
        [
          ...history.payments.map(
            (p) =>
              `sent     ${formatBtc(p.amountSats)} BTC fee ${formatBtc(p.feeSats)} to ${p.toAddress} [${p.state}] ${p.purpose} ${p.txid}`,
          ),
          ...history.receipts.map(
            (r) => `received ${formatBtc(r.valueSats)} BTC at ${r.address} (block ${r.height}) ${r.outpoint}`,
          ),
        ].join('\n') || 'no payments yet',
    )
  })
}

/** `plebnet wallet sweep-child <index>`. */
export async function walletSweepChild(
  io: CliIo,
  deps: WalletCliDeps,
  cmd: Command,
  indexText: string,
): Promise<void> {
  if (!/^\d{1,10}$/.test(indexText)) {
    throw new WalletError(
      'WALLET_CHILD_INDEX_INVALID',
      `child index must be a non-negative integer, got ${JSON.stringify(indexText)}`,
      { index: indexText },
    )
  }
  await withWallet(deps, cmd, true, async ({ wallet: w, root }) => {
    if (root === undefined)
      throw new WalletError('WALLET_KEY_MATERIAL_INVALID', 'sweep-child needs the unlocked wallet', {})
    const childAccount = deriveAccount(deriveChildRoot(root, Number(indexText)), w.network)
    const payment = await w.sweepAccount(childAccount, `sweep-child ${indexText}`)
    emit(io, json(cmd), payment, () => renderPayment(payment))
  })
}

function renderBalance(b: Balance): string {
  return [
    `balance: ${formatBtc(b.totalSats)} BTC`,
    `  confirmed       ${formatBtc(b.confirmedSats)}`,
    `  spendable       ${formatBtc(b.spendableSats)}`,
    `  pending change  ${formatBtc(b.pendingChangeSats)}`,
  ].join('\n')
}

function renderPayment(p: PaymentRecord): string {
  return [
    `sent ${formatBtc(p.amountSats)} BTC to ${p.toAddress}`,
    `  fee   ${formatBtc(p.feeSats)} BTC`,
    `  txid  ${p.txid}`,
    `  state ${p.state}`,
  ].join('\n')
}

const WorldStateChain = z.object({
  chain: z.object({ rpcUrl: z.string(), rpcUser: z.string(), rpcPassword: z.string() }),
})

/** The chain backend when none is injected: --backend, PLEBNET_CHAIN_BACKEND, else the running world's. */
export async function defaultChain(
  params: NetworkParams,
  flags: ChainFlags,
  env: WalletCliDeps['env'],
  clock: Clock,
): Promise<ChainConnection> {
  const urlText = flags.backend ?? env['PLEBNET_CHAIN_BACKEND']
  if (urlText !== undefined) return connectChainBackend(urlText, { clock }, { timeoutMs: BACKEND_TIMEOUT_MS })
  if (params.name !== 'world') {
    throw new WalletError(
      'WALLET_BACKEND_CONFIG',
      `no chain backend for ${params.name}: pass --backend (e.g. esplora+https://mempool.space/api/) or set PLEBNET_CHAIN_BACKEND`,
      {},
    )
  }
  // The world publishes its chain's RPC endpoint in <world dir>/world.json (packages/world runtime/world-state.ts).
  const dataHome = env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share')
  const dir = flags.worldDir ?? env['DOLLY_WORLD_DIR'] ?? join(dataHome, 'dollynator', 'world')
  const text = await readFile(join(dir, 'world.json'), 'utf8').catch(() => undefined)
  let json: unknown
  try {
    json = text === undefined ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  const parsed = WorldStateChain.safeParse(json)
  if (!parsed.success) {
    throw new WalletError(
      'WALLET_BACKEND_DOWN',
      `no running world found in ${dir}; start it with 'npx dolly world up --detach' or pass --backend`,
      { dir },
    )
  }
  const { rpcUrl, rpcUser, rpcPassword } = parsed.data.chain
  const url = new URL(rpcUrl)
  url.username = encodeURIComponent(rpcUser)
  url.password = encodeURIComponent(rpcPassword)
  return connectChainBackend(url.toString(), { clock }, { timeoutMs: BACKEND_TIMEOUT_MS })
}
