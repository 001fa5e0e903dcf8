/**
 * The first self-replicating family, end to end: a world with 3 shops at a high time scale, the
 * genesis agent installed by the operator and funded by the faucet, then no further help: genesis
 * buys a server with its own coins, installs a child on it over SSH and pays its dowry; the child
 * does the same. Needs root (namespaces), litecoind and sshd.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCryptoRng, createMemoryLogger } from '@dolly/base'
import { deriveAccount, deriveAddress, deriveChildRoot, type HdNode, type NetworkParams } from '@dolly/wallet'
import { runGenesis, type WorldHandle } from '@dolly/world'
import { REPO_ROOT, operatorWallet, startGenesisWorld, statusOf } from './genesis-helpers.ts'

/** The bootstrap: about three servers of the world's shops (5–20 USD at 1000 sats/USD) with fees. */
const FUND_SATS = 100_000n
/** Bound of the whole family's growth (real ms). */
const FAMILY_TIMEOUT_MS = 480_000

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    const v = await probe()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 2_000))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Receive and change addresses 0..GAP of an agent's wallet, and of its descendants (the family key tree). */
const GAP = 25
function familyAddresses(root: HdNode, params: NetworkParams, depth: number, out: Set<string>): void {
  const account = deriveAccount(root, params)
  for (const chain of [0, 1] as const)
    for (let i = 0; i < GAP; i++) out.add(deriveAddress(account, params, chain, i).address)
  if (depth === 0) return
  for (let child = 0; child < 4; child++)
    familyAddresses(deriveChildRoot(root, child), params, depth - 1, out)
}

const satsOf = (coins: number): bigint => BigInt(Math.round(coins * 1e8))

interface RawTx {
  txid: string
  vin: { txid?: string; vout?: number }[]
  vout: { value: number; n: number; scriptPubKey: { address?: string; addresses?: string[] } }[]
}

/**
 * Follows the family's coins on the chain from the faucet's payment: every transaction that spends
 * a family coin is found among the blocks and the mempool; its outputs are family coins, provider
 * receipts (addresses of a shop's node wallet) or something else, and its fee is inputs − outputs.
 */
async function followCoins(world: WorldHandle, family: Set<string>, fundTxid: string) {
  const rpc = world.chain.rpc
  const fund = await rpc<RawTx & { blockhash?: string }>('getrawtransaction', [fundTxid, true])
  const start =
    fund.blockhash === undefined
      ? await rpc<number>('getblockcount')
      : (await rpc<{ height: number }>('getblock', [fund.blockhash])).height
  const txs: RawTx[] = []
  const tip = await rpc<number>('getblockcount')
  for (let h = start; h <= tip; h++) {
    const block = await rpc<{ tx: RawTx[] }>('getblock', [await rpc<string>('getblockhash', [h]), 2])
    txs.push(...block.tx)
  }
  for (const txid of await rpc<string[]>('getrawmempool'))
    txs.push(await rpc<RawTx>('getrawtransaction', [txid, true]))
  const shopWallets = (await rpc<string[]>('listwallets')).filter((w) => w !== 'faucet')
  // Core 0.21 (litecoind) lists `addresses`; later versions `address`.
  const addressOf = (o: RawTx['vout'][number]): string =>
    o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0] ?? ''
  const value = new Map<string, bigint>()
  for (const o of fund.vout) if (family.has(addressOf(o))) value.set(`${fundTxid}:${o.n}`, satsOf(o.value))
  const funded = [...value.values()].reduce((a, b) => a + b, 0n)
  let fees = 0n
  let receipts = 0n
  let receiptCount = 0
  let elsewhere = 0n
  for (const tx of txs) {
    const spent = tx.vin.filter((i) => value.has(`${i.txid ?? ''}:${i.vout ?? -1}`))
    if (spent.length === 0) continue
    if (spent.length !== tx.vin.length) throw new Error(`${tx.txid} mixes family and foreign coins`)
    const inSats = spent.reduce((a, i) => a + (value.get(`${i.txid ?? ''}:${i.vout ?? -1}`) ?? 0n), 0n)
    for (const i of spent) value.delete(`${i.txid ?? ''}:${i.vout ?? -1}`)
    let outSats = 0n
    for (const o of tx.vout) {
      const sats = satsOf(o.value)
      outSats += sats
      const address = addressOf(o)
      if (family.has(address)) value.set(`${tx.txid}:${o.n}`, sats)
      else {
        let shop = false
        for (const w of shopWallets) {
          const info = await rpc<{ ismine: boolean }>('getaddressinfo', [address], { wallet: w })
          if (info.ismine) shop = true
        }
        if (shop) {
          receipts += sats
          receiptCount += 1
        } else elsewhere += sats
      }
    }
    fees += inSats - outSats
  }
  const wallets = [...value.values()].reduce((a, b) => a + b, 0n)
  return { funded, wallets, fees, receipts, receiptCount, elsewhere }
}

describe('the first family', () => {
  let dir: string
  let world: WorldHandle | undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-family-'))
    world = await startGenesisWorld(dir)
  }, 180_000)

  afterAll(async () => {
    await world?.stop()
    await rm(dir, { recursive: true, force: true })
  }, 180_000)

  it(
    'grows to three generations on servers the agents bought themselves',
    async () => {
      if (world?.provisioner === undefined) throw new Error('no hosts in this world')
      const genesis = await runGenesis(
        {
          provisioner: world.provisioner,
          chain: world.chain,
          log: createMemoryLogger(),
          rng: createCryptoRng(),
          clock: world.clock,
        },
        { worldDir: dir, state: world.state, repoDir: REPO_ROOT, fundSats: FUND_SATS },
      )
      expect(genesis.tree).toBe('dolly.0')
      const child = await waitFor(
        'genesis to install a child',
        async () => {
          const s = await statusOf(world, genesis.host.ip)
          return s?.lifecycle?.children.find((c) => c.ip !== null)
        },
        FAMILY_TIMEOUT_MS,
      )
      expect(child.tree).toMatch(/^dolly\.0\.\d+$/)
      const childIp = child.ip ?? ''
      const grandchild = await waitFor(
        'the child to install a grandchild',
        async () => (await statusOf(world, childIp))?.lifecycle?.children.find((c) => c.ip !== null),
        FAMILY_TIMEOUT_MS,
      )
      expect(grandchild.tree).toMatch(new RegExp(`^${child.tree.replaceAll('.', '\\.')}\\.\\d+$`))
      const third = await waitFor(
        'the grandchild to answer',
        () => statusOf(world, grandchild.ip ?? ''),
        120_000,
      )
      expect(third.tree).toBe(grandchild.tree)
      expect(third.parentTree).toBe(child.tree)

      // Coins are conserved: the faucet's payout = the family's wallets + fees + provider receipts.
      const { root: operatorRoot, params } = await operatorWallet(genesis.operatorHome)
      const family = new Set<string>()
      familyAddresses(deriveChildRoot(operatorRoot, 0), params, 3, family)
      expect(family.has(genesis.address)).toBe(true)
      const coins = await followCoins(world, family, genesis.fundTxid)
      expect(coins.funded).toBe(FUND_SATS)
      expect(coins.elsewhere).toBe(0n)
      expect(coins.receiptCount).toBeGreaterThanOrEqual(2)
      expect(coins.wallets + coins.fees + coins.receipts).toBe(FUND_SATS)
    },
    FAMILY_TIMEOUT_MS * 2 + 300_000,
  )
})
