/**
 * What the trade tests share: an agent wired for trading as `plebnet daemon` wires it (agent-daemon.ts:
 * the network component on loopback, the ledger component served on it, a wallet on the world's
 * chain, the settlement over the libp2p trade channel), and what they read back from a home.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createCryptoRng, type Checkpoint, type Clock, type Identity, type Logger } from '@dolly/base'
import { createLedgerComponent, type HalfBlock, type LedgerComponent, type LedgerStore } from '@dolly/ledger'
import { createNetworkComponent, type Libp2pHost, type NetworkComponent } from '@dolly/overlay'
import {
  createWallet,
  deriveAccount,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
  type ChainBackend,
  type Wallet,
  type WalletStore,
} from '@dolly/wallet'
import { SETTLEMENT_INDEX_FILE } from '../../src/market/settlement/settlement-index.ts'
import { createSettlement, type Settlement } from '../../src/market/settlement/settlement.ts'
import { createLibp2pTradeChannel } from '../../src/market/settlement/trade-channel.ts'

/** A node on loopback with its ledger served over libp2p. */
export interface LedgerNode {
  readonly network: NetworkComponent
  readonly ledger: LedgerComponent
  readonly host: Libp2pHost
  stop(): Promise<void>
}

/** Starts the network component on 127.0.0.1 (a free port) and the ledger component on it, in `home`. */
export async function startLedgerNode(
  deps: { readonly clock: Clock; readonly log: Logger; readonly identity: Identity },
  home: string,
  name: string,
): Promise<LedgerNode> {
  await mkdir(home, { recursive: true })
  const network = createNetworkComponent(
    { clock: deps.clock, rng: createCryptoRng(), log: deps.log, identity: deps.identity },
    { home, listen: ['/ip4/127.0.0.1/tcp/0'], network: { treePath: `trade-${name}` } },
  )
  await network.start()
  const ledger = createLedgerComponent(
    { clock: deps.clock, log: deps.log, identity: deps.identity, transport: () => network.ledgerTransport() },
    { home },
  )
  await ledger.start()
  const host = network.host()
  if (host === undefined) throw new Error('the network did not start')
  return {
    network,
    ledger,
    host,
    async stop() {
      await ledger.stop()
      await network.stop()
    },
  }
}

/** A trader on a ledger node: its wallet on `chain` (the world's litecoind) and its settlement. */
export interface Trader {
  readonly wallet: Wallet
  readonly walletStore: WalletStore
  readonly settlement: Settlement
  /** Stops the settlement and closes the wallet's store (the node stays up). */
  stop(): Promise<void>
}

/** Wires a trader on `node` as the daemon's `withWallet` does; `checkpoint` goes to the wallet and the settlement. */
export function createTrader(
  deps: {
    readonly clock: Clock
    readonly log: Logger
    readonly identity: Identity
    readonly chain: ChainBackend
    readonly checkpoint?: Checkpoint
  },
  node: LedgerNode,
  options: { readonly home: string; readonly words: string; readonly roundTimeoutMs?: number },
): Trader {
  const world = networkParams('world')
  const walletStore = openSqliteWalletStore(join(options.home, 'wallet.sqlite'))
  const wallet = createWallet(
    {
      chain: deps.chain,
      store: walletStore,
      clock: deps.clock,
      logger: deps.log,
      ...(deps.checkpoint === undefined ? {} : { checkpoint: deps.checkpoint }),
    },
    {
      network: world,
      account: deriveAccount(mnemonicToRoot(options.words, world), world),
      maxFeePercent: 100n,
    },
  )
  const settlement = createSettlement(
    {
      home: options.home,
      identity: deps.identity,
      clock: deps.clock,
      log: deps.log,
      ledger: node.ledger,
      wallet,
      chain: deps.chain,
      channel: createLibp2pTradeChannel({ host: node.host, log: deps.log }),
      ...(deps.checkpoint === undefined ? {} : { checkpoint: deps.checkpoint }),
    },
    options.roundTimeoutMs === undefined ? {} : { engine: { roundTimeoutMs: options.roundTimeoutMs } },
  )
  return {
    wallet,
    walletStore,
    settlement,
    async stop() {
      await settlement.stop()
      walletStore.close()
    },
  }
}

/** `from`'s proposals to `to` in `store`: every MB transfer `from` made to `to`, in order. */
export function transfersTo(store: LedgerStore, from: Uint8Array, to: Uint8Array): HalfBlock[] {
  const latest = store.latest(from)?.sequenceNumber ?? 0
  return store
    .range(from, 1, latest, 10_000)
    .filter((b) => b.linkSequenceNumber === 0 && Buffer.from(b.linkPublicKey).equals(Buffer.from(to)))
}

/** The trade's address from the seller's settlement index, if it gave one. */
export function tradeAddress(home: string, tradeId: string): string | undefined {
  const file = join(home, SETTLEMENT_INDEX_FILE)
  if (!existsSync(file)) return undefined
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { kind: string; tradeId?: string; address?: string })
    .find((e) => e.kind === 'address' && e.tradeId === tradeId)?.address
}
