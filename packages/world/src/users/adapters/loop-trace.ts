import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { openSqliteWalletStore } from '@dolly/wallet'
import { FAUCET_WALLET } from '../../chain/adapters/litecoind.ts'
import { coinsToSats, type CoreRpcCall } from '../../chain/adapters/core-rpc.ts'

/**
 * The loop, traced on the chain (issue 17, "Done when"): Bitcoin a world user paid an agent in a
 * market trade for MB tokens, then spent by the agent to pay a provider (a server or a VPN). The
 * users' trade payments are read from their wallets' journals (purpose `market …`, the settlement's
 * wallet payer); the spender of each payment's output is found on the chain (txindex), and a spender
 * that pays an address of a provider's node wallet (every node wallet but the faucet: shops, API
 * providers, the VPN) is a purchase funded by tokens sold.
 */

/** One trade payment of a user: the output that paid the agent. */
export interface TradePayment {
  readonly user: string
  readonly txid: string
  readonly vout: number
  readonly address: string
  readonly sats: bigint
  /** The transaction that spent it, if any. */
  readonly spentBy: string | null
}

/** A provider payment funded (in part) by trade payments. */
export interface FundedPurchase {
  readonly txid: string
  /** The provider wallets it paid, and how much. */
  readonly providers: readonly { readonly wallet: string; readonly sats: bigint }[]
  /** The trade payments among its inputs. */
  readonly fromTrades: readonly { readonly txid: string; readonly vout: number; readonly sats: bigint }[]
}

/** What {@link traceLoop} found. */
export interface LoopTrace {
  readonly tradePayments: readonly TradePayment[]
  /** Sats the users paid agents in trades (confirmed or not). */
  readonly tradeSats: bigint
  readonly purchases: readonly FundedPurchase[]
}

/** Most blocks scanned for spenders (a world month at 1440× is 4 320 blocks). */
const MAX_SCAN_BLOCKS = 100_000

interface RawTx {
  readonly txid: string
  readonly blockhash?: string
  readonly vin: readonly { readonly txid?: string; readonly vout?: number }[]
  readonly vout: readonly {
    readonly value: number
    readonly n: number
    readonly scriptPubKey: { readonly address?: string; readonly addresses?: readonly string[] }
  }[]
}

const addressOf = (o: RawTx['vout'][number]): string | undefined =>
  o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0]

/** The trade payments recorded in `home`'s wallet journal (none without a wallet). */
async function tradePaymentsOf(home: string): Promise<{ txid: string; address: string }[]> {
  const path = join(home, 'wallet.sqlite')
  const exists = await access(path).then(
    () => true,
    () => false,
  )
  if (!exists) return []
  const store = openSqliteWalletStore(path)
  try {
    return store
      .listPayments()
      .filter((p) => p.purpose.startsWith('market ') && p.state !== 'failed')
      .map((p) => ({ txid: p.txid, address: p.toAddress }))
  } finally {
    store.close()
  }
}

/**
 * Traces the users' trade payments (their homes: `<world dir>/users/<name>`) to the transactions
 * that spent them and keeps those that paid a provider.
 */
export async function traceLoop(
  rpc: CoreRpcCall,
  users: readonly { readonly name: string; readonly home: string }[],
): Promise<LoopTrace> {
  const payments: Omit<TradePayment, 'spentBy'>[] = []
  /** `txid:vout` of the payments' outputs already spent (their spenders are looked up below). */
  const spent = new Set<string>()
  let firstHeight = Number.POSITIVE_INFINITY
  for (const user of users) {
    for (const p of await tradePaymentsOf(user.home)) {
      const tx = await rpc<RawTx>('getrawtransaction', [p.txid, true]).catch(() => undefined)
      const out = tx?.vout.find((o) => addressOf(o) === p.address)
      if (tx === undefined || out === undefined) continue
      if (tx.blockhash !== undefined) {
        const header = await rpc<{ height: number }>('getblockheader', [tx.blockhash])
        firstHeight = Math.min(firstHeight, header.height)
      }
      if ((await rpc<unknown>('gettxout', [p.txid, out.n, true])) === null) spent.add(`${p.txid}:${out.n}`)
      payments.push({
        user: user.name,
        txid: p.txid,
        vout: out.n,
        address: p.address,
        sats: coinsToSats(out.value),
      })
    }
  }
  // Spenders: scan the blocks from the first payment's on, until every spent output is found.
  const spender = new Map<string, RawTx>()
  if (spent.size > 0 && Number.isFinite(firstHeight)) {
    const tip = await rpc<number>('getblockcount')
    const last = Math.min(tip, firstHeight + MAX_SCAN_BLOCKS)
    for (let h = firstHeight; h <= last && spender.size < spent.size; h++) {
      const hash = await rpc<string>('getblockhash', [h])
      const block = await rpc<{ tx: RawTx[] }>('getblock', [hash, 2])
      for (const tx of block.tx)
        for (const input of tx.vin)
          if (input.txid !== undefined && spent.has(`${input.txid}:${input.vout ?? -1}`))
            spender.set(`${input.txid}:${input.vout ?? -1}`, tx)
    }
  }
  const traced = payments.map((p) => ({
    ...p,
    spentBy: spender.get(`${p.txid}:${p.vout}`)?.txid ?? null,
  }))
  // Which spenders paid a provider: an output to an address of a provider's node wallet.
  const wallets = (await rpc<string[]>('listwallets')).filter((w) => w !== FAUCET_WALLET)
  const owner = new Map<string, string | undefined>()
  const ownerOf = async (address: string): Promise<string | undefined> => {
    if (owner.has(address)) return owner.get(address)
    let found: string | undefined
    for (const wallet of wallets) {
      const info = await rpc<{ ismine?: boolean }>('getaddressinfo', [address], { wallet })
      if (info.ismine === true) {
        found = wallet
        break
      }
    }
    owner.set(address, found)
    return found
  }
  const purchases: FundedPurchase[] = []
  for (const tx of new Map([...spender.values()].map((t) => [t.txid, t])).values()) {
    const providers: { wallet: string; sats: bigint }[] = []
    for (const o of tx.vout) {
      const address = addressOf(o)
      const wallet = address === undefined ? undefined : await ownerOf(address)
      if (wallet !== undefined) providers.push({ wallet, sats: coinsToSats(o.value) })
    }
    if (providers.length === 0) continue
    const fromTrades = traced
      .filter((p) => p.spentBy === tx.txid)
      .map((p) => ({ txid: p.txid, vout: p.vout, sats: p.sats }))
    purchases.push({ txid: tx.txid, providers, fromTrades })
  }
  return {
    tradePayments: traced,
    tradeSats: traced.reduce((sum, p) => sum + p.sats, 0n),
    purchases,
  }
}
