import { crypto as btcCrypto, payments, script as bscript, Transaction } from 'bitcoinjs-lib'
import { ecc } from '../hd/ecc.ts'
import { bytesEqual, type AbortOptions } from '@dolly/base'
import { WalletError } from '../errors.ts'
import { dustThresholdSats, type NetworkParams } from '../network.ts'
import { p2wpkhKeyHash } from '../spend/build-transaction.ts'
import type { ChainBackend } from '../ports.ts'
import { hashHexOf, sha256d } from './block-hash.ts'
import type { BroadcastResult, ChainTransaction, FeeEstimate, Utxo } from '../types.ts'

/** The merkle-root field of a memory block: this tag, then the height (u32 LE). */
const MEMORY_ROOT_TAG = 'dolly memory chain block'

/** The in-process chain of the simulator, with the controls tests and the simulator drive it by. */
export interface MemoryChain extends ChainBackend {
  /** Creates an unconfirmed output paying `valueSats` to `scriptHex` (a faucet); returns its txid. */
  fund(scriptHex: string, valueSats: bigint): string
  /** Confirms every mempool transaction in `n` new blocks (all in the first). */
  mine(n: number): void
  /** While down, every call throws WALLET_BACKEND_DOWN. */
  setDown(down: boolean): void
  /** The next broadcast reaches the mempool but its reply is lost (throws WALLET_BACKEND_DOWN). */
  loseNextBroadcastReply(): void
  /** Removes a transaction from the mempool, as a node restart or eviction would. */
  evict(txid: string): void
  /** Sets the fee estimate returned from now on (undefined: no data). */
  setFeeEstimate(feeRateSatPerKvb: bigint | undefined): void
  /** Every unspent output, mempool ones at height 0: what an indexer (Esplora, Electrum) serves. */
  allUnspent(): readonly Utxo[]
  /** Every transaction the chain knows, with its confirmations. */
  allTransactions(): readonly ChainTransaction[]
  /** The tip's 80-byte header (hex), whose double SHA-256 is `tipHash`: what an Electrum server sends. */
  tipHeader(): string
}

/** Options of the memory chain. */
export interface MemoryChainOptions {
  readonly network: NetworkParams
  /** Minimum relay fee in sat/kvB (Core's default 1000). */
  readonly minRelayFeeRateSatPerKvb?: bigint
}

interface Coin {
  readonly txid: string
  readonly vout: number
  readonly valueSats: bigint
  readonly scriptHex: string
  /** 0 while unconfirmed. */
  height: number
  /** Order of arrival: `listUnspent` lists coins in it, whichever index found them. */
  readonly seq: number
}

interface StoredTx {
  readonly hex: string
  /** 0 while in the mempool. */
  height: number
  readonly spends: readonly string[]
  readonly outputs: number
}

/**
 * A ChainBackend held in memory: UTXO set, mempool and blocks, with Core's relay rules that matter to a
 * wallet (known and unspent inputs, no mempool conflicts, fee ≥ relay minimum, no dust outputs) and real
 * P2WPKH signature checks (BIP143), so it cannot accept a transaction a node would reject for a bad key.
 * State lives in the returned object only: two chains never share anything.
 */
export function createMemoryChain(options: MemoryChainOptions): MemoryChain {
  const minRelay = options.minRelayFeeRateSatPerKvb ?? 1000n
  const coins = new Map<string, Coin>()
  // Indexes, so a scan costs the coins it asks for and a block the transactions it confirms, not the
  // whole chain (the simulator's family chains hold thousands of coins and mine before most ticks).
  const byScript = new Map<string, Set<Coin>>()
  const unconfirmed = new Set<Coin>()
  const mempool = new Map<string, StoredTx>()
  let coinSeq = 0
  const addCoin = (coin: Coin): void => {
    coins.set(`${coin.txid}:${coin.vout}`, coin)
    let set = byScript.get(coin.scriptHex)
    if (set === undefined) byScript.set(coin.scriptHex, (set = new Set()))
    set.add(coin)
    if (coin.height === 0) unconfirmed.add(coin)
  }
  const removeCoin = (outpoint: string): void => {
    const coin = coins.get(outpoint)
    if (coin === undefined) return
    coins.delete(outpoint)
    unconfirmed.delete(coin)
    const set = byScript.get(coin.scriptHex)
    set?.delete(coin)
    if (set?.size === 0) byScript.delete(coin.scriptHex)
  }
  const spentInMempool = new Map<string, string>()
  const txs = new Map<string, StoredTx>()
  let height = 0
  // Headers chain the blocks' hashes (version | previous hash | a root naming the height | zeros), so
  // the tip hash changes with every block, as a node's does. The simulator mines a block before most
  // ticks, so a block costs two SHA-256 passes over 80 bytes and nothing else.
  let header: Buffer
  /** `sha256d(header)`: the next header's previous-hash field; undefined before the first block. */
  let tipDigest: Buffer | undefined
  let tipHash = ''
  const nextHeader = (): void => {
    header = Buffer.alloc(80)
    header.writeUInt32LE(0x20000000, 0)
    tipDigest?.copy(header, 4)
    header.write(MEMORY_ROOT_TAG, 36, 'latin1')
    header.writeUInt32LE(height, 64)
    tipDigest = sha256d(header)
    tipHash = hashHexOf(tipDigest)
  }
  nextHeader()
  let fundCounter = 0
  let down = false
  let loseReply = false
  let feeEstimate: bigint | undefined

  const check = (opts?: AbortOptions): void => {
    opts?.signal?.throwIfAborted()
    if (down)
      throw new WalletError('WALLET_BACKEND_DOWN', 'memory chain is down (simulated outage); retry later', {})
  }

  const validate = (tx: Transaction): string | undefined => {
    let totalIn = 0n
    const seen = new Set<string>()
    for (const [i, input] of tx.ins.entries()) {
      const outpoint = `${Buffer.from(input.hash).reverse().toString('hex')}:${input.index}`
      if (seen.has(outpoint)) return 'bad-txns-inputs-duplicate'
      seen.add(outpoint)
      const coin = coins.get(outpoint)
      if (coin === undefined) return 'bad-txns-inputs-missingorspent'
      if (spentInMempool.has(outpoint)) return 'txn-mempool-conflict'
      const error = verifyP2wpkhInput(tx, i, coin)
      if (error !== undefined) return error
      totalIn += coin.valueSats
    }
    let totalOut = 0n
    for (const out of tx.outs) {
      const witness =
        out.script.length >= 4 &&
        out.script.length <= 42 &&
        (out.script[0] === 0 || ((out.script[0] ?? 0) >= 0x51 && (out.script[0] ?? 0) <= 0x60))
      if (out.value < dustThresholdSats(options.network, out.script.length, witness)) return 'dust'
      totalOut += out.value
    }
    if (totalOut > totalIn) return 'bad-txns-in-belowout'
    const minFee = (BigInt(tx.virtualSize()) * minRelay) / 1000n
    if (totalIn - totalOut < minFee) return `min relay fee not met, ${totalIn - totalOut} < ${minFee}`
    return undefined
  }

  const accept = (tx: Transaction, hex: string): string => {
    const txid = tx.getId()
    const spends = tx.ins.map(
      (input) => `${Buffer.from(input.hash).reverse().toString('hex')}:${input.index}`,
    )
    for (const outpoint of spends) spentInMempool.set(outpoint, txid)
    tx.outs.forEach((out, vout) =>
      addCoin({
        txid,
        vout,
        valueSats: out.value,
        scriptHex: Buffer.from(out.script).toString('hex'),
        height: 0,
        seq: coinSeq++,
      }),
    )
    const stored: StoredTx = { hex, height: 0, spends, outputs: tx.outs.length }
    txs.set(txid, stored)
    mempool.set(txid, stored)
    return txid
  }

  return {
    async tipHeight(opts) {
      check(opts)
      return height
    },
    async tipHash(opts) {
      check(opts)
      return tipHash
    },
    tipHeader: () => header.toString('hex'),
    async listUnspent(scriptsHex, opts): Promise<readonly Utxo[]> {
      check(opts)
      const found: Coin[] = []
      for (const scriptHex of new Set(scriptsHex))
        for (const c of byScript.get(scriptHex) ?? []) if (c.height > 0) found.push(c)
      return found
        .sort((a, b) => a.seq - b.seq)
        .map((c) => ({
          txid: c.txid,
          vout: c.vout,
          valueSats: c.valueSats,
          scriptHex: c.scriptHex,
          height: c.height,
        }))
    },
    async getTransaction(txid, opts): Promise<ChainTransaction | undefined> {
      check(opts)
      const tx = txs.get(txid)
      if (tx === undefined) return undefined
      if (tx.height === 0) return { txid, hex: tx.hex, confirmations: 0 }
      return { txid, hex: tx.hex, confirmations: height - tx.height + 1, blockHeight: tx.height }
    },
    async broadcast(txHex, opts): Promise<BroadcastResult> {
      check(opts)
      let tx: Transaction
      try {
        tx = Transaction.fromHex(txHex)
      } catch (err) {
        return {
          kind: 'rejected',
          reason: `TX decode failed: ${err instanceof Error ? err.message : String(err)}`,
        }
      }
      const txid = tx.getId()
      if (txs.has(txid)) return { kind: 'accepted', txid }
      const error = validate(tx)
      if (error !== undefined) return { kind: 'rejected', reason: error }
      accept(tx, txHex)
      if (loseReply) {
        loseReply = false
        throw new WalletError('WALLET_BACKEND_DOWN', 'memory chain lost the broadcast reply (simulated)', {
          txid,
        })
      }
      return { kind: 'accepted', txid }
    },
    async estimateFee(_targetBlocks, opts): Promise<FeeEstimate> {
      check(opts)
      return {
        ...(feeEstimate === undefined ? {} : { feeRateSatPerKvb: feeEstimate }),
        minRelayFeeRateSatPerKvb: minRelay,
      }
    },
    fund(scriptHex, valueSats) {
      fundCounter += 1
      const tx = new Transaction()
      tx.version = 2
      // A unique fake prevout per faucet payment; the memory chain does not validate faucet inputs.
      tx.addInput(btcCrypto.sha256(new TextEncoder().encode(`memory-faucet-${fundCounter}`)), 0)
      tx.addOutput(new Uint8Array(Buffer.from(scriptHex, 'hex')), valueSats)
      return accept(tx, tx.toHex())
    },
    mine(n) {
      if (!Number.isSafeInteger(n) || n < 1)
        throw new WalletError('WALLET_OPTION_INVALID', `mine() needs a positive block count, got ${n}`, { n })
      height += 1
      for (const tx of mempool.values()) {
        tx.height = height
        for (const outpoint of tx.spends) {
          removeCoin(outpoint)
          spentInMempool.delete(outpoint)
        }
      }
      mempool.clear()
      for (const coin of unconfirmed) coin.height = height
      unconfirmed.clear()
      nextHeader()
      for (let i = 1; i < n; i++) {
        height += 1
        nextHeader()
      }
    },
    setDown(value) {
      down = value
    },
    loseNextBroadcastReply() {
      loseReply = true
    },
    evict(txid) {
      const tx = txs.get(txid)
      if (tx === undefined || tx.height !== 0) return
      txs.delete(txid)
      mempool.delete(txid)
      for (const outpoint of tx.spends) spentInMempool.delete(outpoint)
      for (let vout = 0; vout < tx.outputs; vout++) removeCoin(`${txid}:${vout}`)
    },
    setFeeEstimate(value) {
      feeEstimate = value
    },
    allUnspent() {
      return [...coins.values()]
        .filter((c) => !spentInMempool.has(`${c.txid}:${c.vout}`))
        .map((c) => ({
          txid: c.txid,
          vout: c.vout,
          valueSats: c.valueSats,
          scriptHex: c.scriptHex,
          height: c.height,
        }))
    },
    allTransactions() {
      return [...txs.entries()].map(([txid, tx]) =>
        tx.height === 0
          ? { txid, hex: tx.hex, confirmations: 0 }
          : { txid, hex: tx.hex, confirmations: height - tx.height + 1, blockHeight: tx.height },
      )
    },
  }
}

// BIP143 check of a P2WPKH spend: witness [signature, pubkey], pubkey hashing to the program, valid ECDSA.
function verifyP2wpkhInput(tx: Transaction, index: number, coin: Coin): string | undefined {
  const keyHash = p2wpkhKeyHash(Buffer.from(coin.scriptHex, 'hex'))
  if (keyHash === undefined) return 'non-mandatory-script-verify-flag (memory chain spends P2WPKH only)'
  const witness = tx.ins[index]?.witness ?? []
  const [sig, pubkey] = witness
  if (witness.length !== 2 || sig === undefined || pubkey === undefined)
    return 'non-mandatory-script-verify-flag (Witness program hash mismatch)'
  if (!bytesEqual(btcCrypto.hash160(pubkey), keyHash))
    return 'non-mandatory-script-verify-flag (Witness program hash mismatch)'
  let decoded: { signature: Uint8Array; hashType: number }
  try {
    decoded = bscript.signature.decode(sig)
  } catch {
    return 'non-mandatory-script-verify-flag (Non-canonical DER signature)'
  }
  const scriptCode = payments.p2pkh({ hash: keyHash }).output
  if (scriptCode === undefined) return 'script-verify-flag-failed'
  const hash = tx.hashForWitnessV0(index, scriptCode, coin.valueSats, decoded.hashType)
  return ecc.verify(hash, pubkey, decoded.signature)
    ? undefined
    : 'non-mandatory-script-verify-flag (Signature must be zero for failed CHECK(MULTI)SIG operation)'
}
