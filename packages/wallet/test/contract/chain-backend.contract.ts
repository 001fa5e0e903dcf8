import { Transaction } from 'bitcoinjs-lib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildSignedTransaction,
  deriveAccount,
  deriveAddress,
  mnemonicToRoot,
  type ChainBackend,
  type NetworkParams,
} from '@dolly/wallet'

/** What a contract run needs from the adapter under test and the chain behind it. */
export interface ChainHarness {
  readonly backend: ChainBackend
  readonly network: NetworkParams
  /** Pays `sats` to `address` from a faucet (unconfirmed); returns the txid. */
  fund(address: string, sats: bigint): Promise<string>
  mine(blocks: number): Promise<void>
  stop(): Promise<void>
}

// A fixed test-only mnemonic (BIP39 vector): never used on mainnet.
const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow'

/**
 * The ChainBackend contract (STYLE.md §4): every adapter runs this same suite, so the memory chain the
 * simulator uses behaves like the Core-RPC chain the world uses.
 */
export function chainBackendContract(name: string, setup: () => Promise<ChainHarness>): void {
  describe(`ChainBackend contract: ${name}`, () => {
    let h: ChainHarness
    // Each test takes fresh addresses so tests share the chain without seeing each other's coins.
    let nextIndex = 0
    const fresh = () => {
      const account = deriveAccount(mnemonicToRoot(MNEMONIC, h.network), h.network)
      const index = nextIndex++
      return { account, address: deriveAddress(account, h.network, 0, index), index }
    }
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

    beforeAll(async () => {
      h = await setup()
    })
    afterAll(async () => {
      await h?.stop()
    })

    async function fundedCoin(sats: bigint) {
      const { account, address } = fresh()
      const fundTxid = await h.fund(address.address, sats)
      await h.mine(1)
      const [coin] = await h.backend.listUnspent([hex(address.script)])
      expect(coin).toBeDefined()
      expect(coin?.txid).toBe(fundTxid)
      const signer = account.derive(address.chain).derive(address.index)
      return { coin: coin!, signer, address }
    }

    function spend(
      coin: { txid: string; vout: number; valueSats: bigint; scriptHex: string },
      signer: ReturnType<typeof fresh>['account'],
      toScript: Uint8Array,
      feeSats: bigint,
    ) {
      return buildSignedTransaction(
        [{ ...coin, signer }],
        [{ script: toScript, valueSats: coin.valueSats - feeSats }],
      )
    }

    it('reports a tip that grows by the blocks mined', async () => {
      const before = await h.backend.tipHeight()
      await h.mine(2)
      expect(await h.backend.tipHeight()).toBe(before + 2)
    })

    it('reports a tip hash that stays until a block comes and changes with each block', async () => {
      const first = await h.backend.tipHash()
      expect(first).toMatch(/^[0-9a-f]{64}$/)
      await h.fund(fresh().address.address, 50_000n)
      expect(await h.backend.tipHash()).toBe(first)
      await h.mine(1)
      const second = await h.backend.tipHash()
      expect(second).toMatch(/^[0-9a-f]{64}$/)
      expect(second).not.toBe(first)
      await h.mine(2)
      expect(await h.backend.tipHash()).not.toBe(second)
    })

    it('lists a funded output only once it is confirmed, with exact value, script and height', async () => {
      const { address } = fresh()
      await h.fund(address.address, 123_456n)
      expect(await h.backend.listUnspent([hex(address.script)])).toEqual([])
      await h.mine(1)
      const tip = await h.backend.tipHeight()
      const utxos = await h.backend.listUnspent([hex(address.script)])
      expect(utxos).toHaveLength(1)
      expect(utxos[0]).toMatchObject({ valueSats: 123_456n, scriptHex: hex(address.script), height: tip })
    })

    it('returns nothing for no scripts', async () => {
      expect(await h.backend.listUnspent([])).toEqual([])
    })

    it('accepts a signed spend, tracks its confirmations and moves the coin', async () => {
      const { coin, signer, address } = await fundedCoin(200_000n)
      const to = fresh().address
      const tx = spend(coin, signer, to.script, 5_000n)
      expect(await h.backend.broadcast(tx.hex)).toEqual({ kind: 'accepted', txid: tx.txid })
      expect(await h.backend.getTransaction(tx.txid)).toMatchObject({
        txid: tx.txid,
        hex: tx.hex,
        confirmations: 0,
      })
      await h.mine(1)
      const tip = await h.backend.tipHeight()
      expect(await h.backend.getTransaction(tx.txid)).toMatchObject({ confirmations: 1, blockHeight: tip })
      expect(await h.backend.listUnspent([hex(address.script)])).toEqual([])
      expect(await h.backend.listUnspent([hex(to.script)])).toMatchObject([
        { txid: tx.txid, valueSats: 195_000n },
      ])
    })

    it('treats re-sending the identical transaction as accepted, before and after it confirms', async () => {
      const { coin, signer } = await fundedCoin(150_000n)
      const tx = spend(coin, signer, fresh().address.script, 5_000n)
      await h.backend.broadcast(tx.hex)
      expect(await h.backend.broadcast(tx.hex)).toEqual({ kind: 'accepted', txid: tx.txid })
      await h.mine(1)
      expect(await h.backend.broadcast(tx.hex)).toEqual({ kind: 'accepted', txid: tx.txid })
    })

    it('rejects a double spend of a coin already spent in the mempool', async () => {
      const { coin, signer } = await fundedCoin(150_000n)
      const first = spend(coin, signer, fresh().address.script, 5_000n)
      const second = spend(coin, signer, fresh().address.script, 5_000n)
      expect((await h.backend.broadcast(first.hex)).kind).toBe('accepted')
      expect((await h.backend.broadcast(second.hex)).kind).toBe('rejected')
    })

    it('rejects a transaction whose signature no longer matches', async () => {
      const { coin, signer } = await fundedCoin(150_000n)
      const tx = Transaction.fromHex(spend(coin, signer, fresh().address.script, 5_000n).hex)
      const out = tx.outs[0]!
      out.value -= 1n
      expect((await h.backend.broadcast(tx.toHex())).kind).toBe('rejected')
    })

    it('rejects a transaction paying less than the relay fee', async () => {
      const { coin, signer } = await fundedCoin(150_000n)
      const tx = spend(coin, signer, fresh().address.script, 0n)
      expect((await h.backend.broadcast(tx.hex)).kind).toBe('rejected')
    })

    it('rejects bytes that are not a transaction', async () => {
      expect((await h.backend.broadcast('00deadbeef')).kind).toBe('rejected')
    })

    it('does not know a txid it never saw', async () => {
      expect(await h.backend.getTransaction('ab'.repeat(32))).toBeUndefined()
    })

    it('reports a positive relay minimum with its fee estimate', async () => {
      const estimate = await h.backend.estimateFee(6)
      expect(estimate.minRelayFeeRateSatPerKvb).toBeGreaterThan(0n)
      if (estimate.feeRateSatPerKvb !== undefined) expect(estimate.feeRateSatPerKvb).toBeGreaterThan(0n)
    })
  })
}
