import { WalletError } from '../errors.ts'
import { feeForWeight, outputWeight, overheadWeight, P2WPKH_INPUT_WEIGHT } from './tx-size.ts'

/** A spendable coin as selection sees it. */
export interface SelectableCoin {
  /** "txid:vout". */
  readonly id: string
  readonly valueSats: bigint
}

/** What to pay and under which policy. */
export interface SelectionRequest {
  readonly coins: readonly SelectableCoin[]
  /** Sum of the payment outputs. */
  readonly targetSats: bigint
  /** scriptPubKey lengths of the payment outputs. */
  readonly outputScriptBytes: readonly number[]
  readonly feeRateSatPerKvb: bigint
  /** Length of our change script (22 for P2WPKH). */
  readonly changeScriptBytes: number
  /** Change below this is not created; it goes to the fee. */
  readonly dustThresholdSats: bigint
}

/** The chosen inputs; invariant: Σinputs = target + fee + change, change is 0 or ≥ dust. */
export interface Selection {
  readonly inputs: readonly SelectableCoin[]
  readonly feeSats: bigint
  readonly changeSats: bigint
  /** Estimated weight of the final transaction (worst-case signatures). */
  readonly weight: number
  readonly algorithm: 'bnb' | 'largest-first'
}

/** Branch-and-bound tries before falling back, as in Bitcoin Core (coinselection.cpp TOTAL_TRIES). */
const BNB_MAX_TRIES = 100_000

/**
 * Chooses inputs: branch-and-bound for a change-free match first (Bitcoin Core's SelectCoinsBnB, after
 * Erhardt 2016), else largest-first with change; change below the dust threshold is dropped into the fee.
 *
 * @throws WalletError WALLET_INSUFFICIENT_FUNDS
 */
export function selectCoins(request: SelectionRequest): Selection {
  const { feeRateSatPerKvb: rate } = request
  const inputFee = feeForWeight(P2WPKH_INPUT_WEIGHT, rate)
  const usable = request.coins.filter((c) => c.valueSats > inputFee)
  const sorted = [...usable].sort((a, b) =>
    b.valueSats > a.valueSats ? 1 : b.valueSats < a.valueSats ? -1 : a.id < b.id ? -1 : 1,
  )
  return bnb(request, sorted) ?? largestFirst(request, sorted)
}

/** Weight of a transaction with `inputs` P2WPKH inputs, the payment outputs and optionally change. */
export function estimateWeight(
  inputs: number,
  outputScriptBytes: readonly number[],
  changeScriptBytes?: number,
): number {
  const outputs = outputScriptBytes.length + (changeScriptBytes === undefined ? 0 : 1)
  const outWeight =
    outputScriptBytes.reduce((sum, n) => sum + outputWeight(n), 0) +
    (changeScriptBytes === undefined ? 0 : outputWeight(changeScriptBytes))
  return overheadWeight(inputs, outputs) + inputs * P2WPKH_INPUT_WEIGHT + outWeight
}

function bnb(request: SelectionRequest, sorted: readonly SelectableCoin[]): Selection | undefined {
  const rate = request.feeRateSatPerKvb
  const inputFee = feeForWeight(P2WPKH_INPUT_WEIGHT, rate)
  const effective = sorted.map((c) => c.valueSats - inputFee)
  // Counts up to 252 keep every varint at one byte; beyond that the fallback computes exact weights.
  if (sorted.length > 252) return undefined
  const outputsWeight = request.outputScriptBytes.reduce((sum, n) => sum + outputWeight(n), 0)
  const baseFee = feeForWeight(overheadWeight(1, request.outputScriptBytes.length) + outputsWeight, rate)
  const target = request.targetSats + baseFee
  // Not making change saves the change output now and spending it later (Core's cost_of_change).
  const costOfChange =
    feeForWeight(outputWeight(request.changeScriptBytes), rate) + feeForWeight(P2WPKH_INPUT_WEIGHT, rate)
  const upper = target + costOfChange
  const remainingAfter: bigint[] = []
  let acc = 0n
  for (let i = effective.length - 1; i >= 0; i--) {
    acc += effective[i] ?? 0n
    remainingAfter[i] = acc
  }
  let best: number[] | undefined
  let bestExcess = -1n
  let tries = 0
  const chosen: number[] = []
  const visit = (i: number, sum: bigint): void => {
    if (tries++ >= BNB_MAX_TRIES) return
    if (sum > upper) return
    if (sum >= target) {
      const excess = sum - target
      if (best === undefined || excess < bestExcess) {
        best = [...chosen]
        bestExcess = excess
      }
      return
    }
    if (i >= effective.length || sum + (remainingAfter[i] ?? 0n) < target) return
    chosen.push(i)
    visit(i + 1, sum + (effective[i] ?? 0n))
    chosen.pop()
    visit(i + 1, sum)
  }
  visit(0, 0n)
  if (best === undefined) return undefined
  const inputs = best.map((i) => sorted[i]).filter((c): c is SelectableCoin => c !== undefined)
  return finish(request, inputs, 'bnb')
}

function largestFirst(request: SelectionRequest, sorted: readonly SelectableCoin[]): Selection {
  const picked: SelectableCoin[] = []
  for (const coin of sorted) {
    picked.push(coin)
    const result = finish(request, picked, 'largest-first')
    if (result !== undefined) return result
  }
  const available = sorted.reduce((sum, c) => sum + c.valueSats, 0n)
  const feeAll = feeForWeight(
    estimateWeight(Math.max(1, sorted.length), request.outputScriptBytes),
    request.feeRateSatPerKvb,
  )
  throw new WalletError(
    'WALLET_INSUFFICIENT_FUNDS',
    `need ${request.targetSats + feeAll} sats including about ${feeAll} sats fee, ${available} spendable; fund the wallet or wait for confirmations`,
    { needSats: request.targetSats + feeAll, spendableSats: available, feeSats: feeAll },
  )
}

function finish(
  request: SelectionRequest,
  inputs: readonly SelectableCoin[],
  algorithm: Selection['algorithm'],
): Selection | undefined {
  const total = inputs.reduce((sum, c) => sum + c.valueSats, 0n)
  const withChangeWeight = estimateWeight(inputs.length, request.outputScriptBytes, request.changeScriptBytes)
  const feeWithChange = feeForWeight(withChangeWeight, request.feeRateSatPerKvb)
  const change = total - request.targetSats - feeWithChange
  if (change >= request.dustThresholdSats && change > 0n) {
    return {
      inputs: [...inputs],
      feeSats: feeWithChange,
      changeSats: change,
      weight: withChangeWeight,
      algorithm,
    }
  }
  const noChangeWeight = estimateWeight(inputs.length, request.outputScriptBytes)
  const feeNoChange = feeForWeight(noChangeWeight, request.feeRateSatPerKvb)
  const excess = total - request.targetSats - feeNoChange
  if (excess < 0n) return undefined
  return {
    inputs: [...inputs],
    feeSats: feeNoChange + excess,
    changeSats: 0n,
    weight: noChangeWeight,
    algorithm,
  }
}

/** A sweep: every coin to one output, no change. */
export interface Sweep {
  readonly inputs: readonly SelectableCoin[]
  readonly feeSats: bigint
  readonly amountSats: bigint
  readonly weight: number
}

/**
 * Spends every coin to a single output of `outputScriptBytes` (used to recover a descendant's coins).
 *
 * @throws WalletError WALLET_NOTHING_TO_SWEEP when there are no coins, WALLET_AMOUNT_BELOW_DUST when the fee eats them.
 */
export function selectAll(
  coins: readonly SelectableCoin[],
  outputScriptBytes: number,
  feeRateSatPerKvb: bigint,
  dustThresholdSats: bigint,
): Sweep {
  if (coins.length === 0)
    throw new WalletError(
      'WALLET_NOTHING_TO_SWEEP',
      'no confirmed coins to sweep; wait for confirmations or check the key',
      {},
    )
  const total = coins.reduce((sum, c) => sum + c.valueSats, 0n)
  const weight = estimateWeight(coins.length, [outputScriptBytes])
  const feeSats = feeForWeight(weight, feeRateSatPerKvb)
  const amountSats = total - feeSats
  if (amountSats < dustThresholdSats || amountSats <= 0n) {
    throw new WalletError(
      'WALLET_AMOUNT_BELOW_DUST',
      `sweeping ${total} sats would leave ${amountSats} after a ${feeSats} sats fee, below the ${dustThresholdSats} sats dust limit`,
      {
        totalSats: total,
        feeSats,
        dustThresholdSats,
      },
    )
  }
  return { inputs: [...coins], feeSats, amountSats, weight }
}
