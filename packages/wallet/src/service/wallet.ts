import { errorCode, noCheckpoint, type AbortOptions } from '@dolly/base'
import { validateAddress } from '../address.ts'
import {
  DEFAULT_CONFIRMATION_POLL_MS,
  DEFAULT_CONFIRMATION_TARGET_BLOCKS,
  DEFAULT_FALLBACK_FEE_RATE_SAT_PER_KVB,
  DEFAULT_GAP_LIMIT,
  DEFAULT_MAX_FEE_PERCENT,
  DEFAULT_MAX_FEE_RATE_SAT_PER_KVB,
  DEFAULT_MIN_CONFIRMATIONS,
  DEFAULT_MIN_FEE_RATE_SAT_PER_KVB,
} from '../constants.ts'
import { WalletError } from '../errors.ts'
import { deriveAddress, deriveSigner, type HdNode } from '../hd/keys.ts'
import { dustThresholdSats, P2WPKH_SCRIPT_BYTES } from '../network.ts'
import type { PaymentRecord } from '../ports.ts'
import { buildSignedTransaction, type SigningInput, type TxOutput } from '../spend/build-transaction.ts'
import { selectAll, selectCoins } from '../spend/coin-selection.ts'
import { checkFeeShare, chooseFeeRate, type FeePolicy } from '../spend/fee-policy.ts'
import { computeBalance } from './balance.ts'
import { broadcastOnce, reconcilePayments } from './reconcile.ts'
import { outpointOf, scanAccount, type AccountScan, type OwnedCoin } from './scan.ts'
import type { Wallet, WalletDeps, WalletOptions } from './wallet-types.ts'

const ISSUED_RECEIVE = 'issued.receive'
const USED_CHANGE = 'used.change'

/** Builds a wallet over its ports. */
export function createWallet(deps: WalletDeps, options: WalletOptions): Wallet {
  const params = options.network
  const gapLimit = options.gapLimit ?? DEFAULT_GAP_LIMIT
  const minConfirmations = options.minConfirmations ?? DEFAULT_MIN_CONFIRMATIONS
  const target = options.confirmationTargetBlocks ?? DEFAULT_CONFIRMATION_TARGET_BLOCKS
  const maxFeePercent = options.maxFeePercent ?? DEFAULT_MAX_FEE_PERCENT
  const policy: FeePolicy = Object.freeze({
    minFeeRateSatPerKvb: options.feePolicy?.minFeeRateSatPerKvb ?? DEFAULT_MIN_FEE_RATE_SAT_PER_KVB,
    maxFeeRateSatPerKvb: options.feePolicy?.maxFeeRateSatPerKvb ?? DEFAULT_MAX_FEE_RATE_SAT_PER_KVB,
    fallbackFeeRateSatPerKvb:
      options.feePolicy?.fallbackFeeRateSatPerKvb ?? DEFAULT_FALLBACK_FEE_RATE_SAT_PER_KVB,
  })
  if (!Number.isSafeInteger(gapLimit) || gapLimit < 1 || gapLimit > 1000) {
    throw new WalletError('WALLET_OPTION_INVALID', `gapLimit must be 1..1000, got ${gapLimit}`, { gapLimit })
  }
  const { chain, store, clock } = deps
  const checkpoint = deps.checkpoint ?? noCheckpoint
  const log = deps.logger.child({ component: 'wallet', network: params.name })
  const changeDust = dustThresholdSats(params, P2WPKH_SCRIPT_BYTES, true)

  const pending = (): PaymentRecord[] =>
    store.listPayments().filter((p) => p.state === 'signed' || p.state === 'broadcast')

  /**
   * The last scan and what it depended on: the confirmed UTXO set (named by the tip hash it was read
   * at, or after) and the indexes known used. Balances, sends and addresses scan on every call, and an
   * agent's tick asks several times between two blocks: each gap window is one `scantxoutset` (a
   * pass over the node's whole UTXO set) or one indexer request per address.
   */
  let lastScan: { tip: string; known: string; result: AccountScan } | undefined
  /** False once the backend refused `tipHash` (a node whose RPC allow-list lacks it): scan every time. */
  let tipHashWorks = true

  async function tipHashOrUndefined(opts: AbortOptions): Promise<string | undefined> {
    if (!tipHashWorks) return undefined
    try {
      return await chain.tipHash(opts)
    } catch (err) {
      const code = errorCode(err)
      if (code === 'WALLET_BACKEND_DOWN') throw err
      tipHashWorks = false
      log.warn('wallet.tip_hash_unavailable', {
        code: code ?? 'error',
        message: err instanceof Error ? err.message : String(err),
      })
      return undefined
    }
  }

  async function scan(opts: AbortOptions): Promise<AccountScan> {
    const knownUsed = {
      0: (store.getNumber(ISSUED_RECEIVE) ?? 0) - 1,
      1: (store.getNumber(USED_CHANGE) ?? 0) - 1,
    }
    // Read before the scan: a block that comes during it changes the hash, so the next call scans again.
    const tip = await tipHashOrUndefined(opts)
    const known = `${knownUsed[0]}/${knownUsed[1]}`
    if (tip !== undefined && lastScan?.tip === tip && lastScan.known === known) return lastScan.result
    const result = await scanAccount(chain, options.account, params, { gapLimit, knownUsed, ...opts })
    if (tip !== undefined) lastScan = { tip, known, result }
    const now = clock.nowMs()
    const added = store.upsertReceipts(
      result.coins.map((c) => ({
        outpoint: outpointOf(c.utxo),
        address: c.address,
        valueSats: c.utxo.valueSats,
        height: c.utxo.height,
        firstSeenMs: now,
      })),
    )
    if (added > 0) log.info('wallet.coins_seen', { added })
    return result
  }

  function signerFor(account: HdNode, coin: OwnedCoin): SigningInput {
    if (account.isNeutered()) {
      throw new WalletError(
        'WALLET_KEY_MATERIAL_INVALID',
        'this wallet is watch-only (no private key); unlock the keystore to send',
        {},
      )
    }
    return {
      txid: coin.utxo.txid,
      vout: coin.utxo.vout,
      valueSats: coin.utxo.valueSats,
      scriptHex: coin.utxo.scriptHex,
      signer: deriveSigner(account, coin.chain, coin.index),
    }
  }

  async function feeRate(explicit: bigint | undefined, opts: AbortOptions): Promise<bigint> {
    return chooseFeeRate(await chain.estimateFee(target, opts), policy, explicit)
  }

  async function reconcile(opts: AbortOptions = {}): Promise<readonly PaymentRecord[]> {
    return reconcilePayments(
      { chain, store, clock, log, minConfirmations },
      pending(),
      async () => new Set((await scan(opts)).coins.map((c) => outpointOf(c.utxo))),
      opts,
    )
  }

  function newRecord(
    fields: Omit<PaymentRecord, 'id' | 'state' | 'confirmations' | 'createdAtMs' | 'updatedAtMs'>,
  ): PaymentRecord {
    const now = clock.nowMs()
    return {
      ...fields,
      id: fields.txid,
      state: 'signed',
      confirmations: 0,
      createdAtMs: now,
      updatedAtMs: now,
    }
  }

  /**
   * Spends every coin of `account` not reserved by a pending payment to one output, the fee taken
   * from the amount and no change (a sweep).
   */
  async function spendAll(
    account: HdNode,
    owned: readonly OwnedCoin[],
    to: { readonly address: string; readonly script: Uint8Array },
    dustSats: bigint,
    purpose: string,
    explicitRate: bigint | undefined,
    opts: AbortOptions,
  ): Promise<PaymentRecord> {
    const reserved = new Set(pending().flatMap((p) => p.inputs))
    const coins = owned.filter((c) => !reserved.has(outpointOf(c.utxo)))
    const rate = await feeRate(explicitRate, opts)
    const sweep = selectAll(
      coins.map((c) => ({ id: outpointOf(c.utxo), valueSats: c.utxo.valueSats })),
      to.script.length,
      rate,
      dustSats,
    )
    const signed = buildSignedTransaction(
      coins.map((c) => signerFor(account, c)),
      [{ script: to.script, valueSats: sweep.amountSats }],
    )
    const record = newRecord({
      txid: signed.txid,
      txHex: signed.hex,
      toAddress: to.address,
      amountSats: sweep.amountSats,
      feeSats: signed.feeSats,
      changeSats: 0n,
      purpose,
      inputs: coins.map((c) => outpointOf(c.utxo)),
    })
    return broadcastOnce({ chain, store, clock, log, checkpoint }, record, opts)
  }

  return {
    network: params,
    async receiveAddress(opts = {}) {
      const result = await scan(opts)
      const index = Math.max(result.lastUsed[0] + 1, store.getNumber(ISSUED_RECEIVE) ?? 0)
      store.setNumber(ISSUED_RECEIVE, index + 1)
      return deriveAddress(options.account, params, 0, index)
    },
    async balance(opts = {}) {
      return computeBalance((await scan(opts)).coins, pending())
    },

    async send(request, opts = {}) {
      const destination = validateAddress(request.to, params)
      const destinationDust = dustThresholdSats(
        params,
        destination.script.length,
        destination.kind !== 'p2pkh' && destination.kind !== 'p2sh',
      )
      if (request.amountSats < destinationDust || request.amountSats <= 0n) {
        throw new WalletError(
          'WALLET_AMOUNT_BELOW_DUST',
          `amount ${request.amountSats} sats is below the ${destinationDust} sats dust limit for ${destination.kind}; send more`,
          {
            amountSats: request.amountSats,
            dustThresholdSats: destinationDust,
          },
        )
      }
      await reconcile(opts)
      const rate = await feeRate(request.feeRateSatPerKvb, opts)
      const result = await scan(opts)
      const reserved = new Set(pending().flatMap((p) => p.inputs))
      const free = result.coins.filter((c) => !reserved.has(outpointOf(c.utxo)))
      const byId = new Map(free.map((c) => [outpointOf(c.utxo), c]))
      const selection = selectCoins({
        coins: free.map((c) => ({ id: outpointOf(c.utxo), valueSats: c.utxo.valueSats })),
        targetSats: request.amountSats,
        outputScriptBytes: [destination.script.length],
        feeRateSatPerKvb: rate,
        changeScriptBytes: P2WPKH_SCRIPT_BYTES,
        dustThresholdSats: changeDust,
      })
      checkFeeShare(request.amountSats, selection.feeSats, maxFeePercent)
      const outputs: TxOutput[] = [{ script: destination.script, valueSats: request.amountSats }]
      let changeIndex: number | undefined
      if (selection.changeSats > 0n) {
        changeIndex = Math.max(result.lastUsed[1] + 1, store.getNumber(USED_CHANGE) ?? 0)
        outputs.push({
          script: deriveAddress(options.account, params, 1, changeIndex).script,
          valueSats: selection.changeSats,
        })
        store.setNumber(USED_CHANGE, changeIndex + 1)
      }
      const inputs = selection.inputs
        .map((s) => byId.get(s.id))
        .filter((c): c is OwnedCoin => c !== undefined)
      const signed = buildSignedTransaction(
        inputs.map((c) => signerFor(options.account, c)),
        outputs,
      )
      const record = newRecord({
        txid: signed.txid,
        txHex: signed.hex,
        toAddress: destination.address,
        amountSats: request.amountSats,
        feeSats: signed.feeSats,
        changeSats: selection.changeSats,
        purpose: request.purpose,
        inputs: inputs.map((c) => outpointOf(c.utxo)),
        ...(changeIndex === undefined ? {} : { changeIndex }),
      })
      return broadcastOnce({ chain, store, clock, log, checkpoint }, record, opts)
    },
    async sweepAccount(source, purpose, opts = {}) {
      await reconcile(opts)
      const sourceScan = await scanAccount(chain, source, params, { gapLimit, ...opts })
      const result = await scan(opts)
      const index = Math.max(result.lastUsed[0] + 1, store.getNumber(ISSUED_RECEIVE) ?? 0)
      store.setNumber(ISSUED_RECEIVE, index + 1)
      const to = deriveAddress(options.account, params, 0, index)
      return spendAll(source, sourceScan.coins, to, changeDust, purpose, undefined, opts)
    },
    async sendAll(request, opts = {}) {
      const destination = validateAddress(request.to, params)
      await reconcile(opts)
      const result = await scan(opts)
      const destinationDust = dustThresholdSats(
        params,
        destination.script.length,
        destination.kind !== 'p2pkh' && destination.kind !== 'p2sh',
      )
      return spendAll(
        options.account,
        result.coins,
        destination,
        destinationDust,
        request.purpose,
        request.feeRateSatPerKvb,
        opts,
      )
    },
    reconcile,
    history() {
      const payments = store.listPayments()
      const ours = new Set(payments.map((p) => p.txid))
      // Outputs of our own payments (change, sweeps to ourselves) are not income.
      const receipts = store.listReceipts().filter((r) => !ours.has(r.outpoint.slice(0, 64)))
      return { payments, receipts }
    },
    async waitForConfirmations(id, opts = {}) {
      const want = opts.confirmations ?? minConfirmations
      const pollMs = opts.pollMs ?? DEFAULT_CONFIRMATION_POLL_MS
      const timeoutMs = opts.timeoutMs ?? 60 * 60 * 1000
      const deadline = clock.nowMs() + timeoutMs
      for (;;) {
        const payment = store.getPayment(id)
        if (payment === undefined)
          throw new WalletError('WALLET_TX_INVALID', `no payment ${id} in the journal`, { id })
        if (payment.state === 'failed')
          throw new WalletError(
            'WALLET_BROADCAST_REJECTED',
            `payment ${id} failed: ${payment.failureReason ?? 'unknown'}`,
            { id },
          )
        const tx = await chain.getTransaction(payment.txid, opts)
        if (tx !== undefined && tx.confirmations >= want) {
          await reconcile(opts)
          return store.getPayment(id) ?? payment
        }
        if (clock.nowMs() >= deadline) {
          throw new WalletError(
            'WALLET_CONFIRMATION_TIMEOUT',
            `payment ${id} has ${tx?.confirmations ?? 0} of ${want} confirmations after ${timeoutMs} ms; check again later`,
            { id },
          )
        }
        await clock.sleep(pollMs, opts)
      }
    },
  }
}
