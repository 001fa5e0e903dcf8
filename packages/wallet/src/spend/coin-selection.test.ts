import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { errorCode } from '@dolly/base'
import { estimateWeight, selectAll, selectCoins, type SelectionRequest } from './coin-selection.ts'
import { feeForWeight, outputWeight, overheadWeight, P2WPKH_INPUT_WEIGHT } from './tx-size.ts'

const coinsArb = fc.array(fc.bigInt({ min: 1_000n, max: 500_000_000n }), { minLength: 0, maxLength: 25 })
const requestArb = fc
  .record({
    values: coinsArb,
    targetSats: fc.bigInt({ min: 3_000n, max: 2_000_000_000n }),
    feeRateSatPerKvb: fc.bigInt({ min: 1_000n, max: 100_000n }),
    dustThresholdSats: fc.constantFrom(294n, 2_940n),
    destinationBytes: fc.constantFrom(22, 34, 25, 23),
  })
  .map((r): SelectionRequest => ({
    coins: r.values.map((valueSats, i) => ({ id: `${i.toString(16).padStart(64, '0')}:0`, valueSats })),
    targetSats: r.targetSats,
    outputScriptBytes: [r.destinationBytes],
    feeRateSatPerKvb: r.feeRateSatPerKvb,
    changeScriptBytes: 22,
    dustThresholdSats: r.dustThresholdSats,
  }))

describe('selectCoins', () => {
  it('balances: inputs = target + fee + change, no dust change, fee within bounds, or reports insufficient funds', () => {
    let selected = 0
    let withChange = 0
    fc.assert(
      fc.property(requestArb, (request) => {
        let selection
        try {
          selection = selectCoins(request)
        } catch (err) {
          expect(errorCode(err)).toBe('WALLET_INSUFFICIENT_FUNDS')
          // Then even every coin worth spending cannot pay the target plus the fee of spending them.
          const inputFee = feeForWeight(P2WPKH_INPUT_WEIGHT, request.feeRateSatPerKvb)
          const usable = request.coins.filter((c) => c.valueSats > inputFee)
          const total = usable.reduce((s, c) => s + c.valueSats, 0n)
          const fee = feeForWeight(
            estimateWeight(usable.length, request.outputScriptBytes),
            request.feeRateSatPerKvb,
          )
          expect(total - request.targetSats - fee).toBeLessThan(0n)
          return
        }
        selected += 1
        if (selection.changeSats > 0n) withChange += 1
        const ids = selection.inputs.map((c) => c.id)
        expect(new Set(ids).size).toBe(ids.length)
        for (const input of selection.inputs) expect(request.coins).toContainEqual(input)
        const totalIn = selection.inputs.reduce((s, c) => s + c.valueSats, 0n)
        expect(totalIn).toBe(request.targetSats + selection.feeSats + selection.changeSats)
        expect(selection.changeSats === 0n || selection.changeSats >= request.dustThresholdSats).toBe(true)
        const weight = estimateWeight(
          selection.inputs.length,
          request.outputScriptBytes,
          selection.changeSats > 0n ? request.changeScriptBytes : undefined,
        )
        expect(selection.weight).toBe(weight)
        const required = feeForWeight(weight, request.feeRateSatPerKvb)
        expect(selection.feeSats).toBeGreaterThanOrEqual(required)
        const slack =
          request.dustThresholdSats +
          feeForWeight(outputWeight(request.changeScriptBytes), request.feeRateSatPerKvb) +
          feeForWeight(P2WPKH_INPUT_WEIGHT, request.feeRateSatPerKvb) +
          BigInt(selection.inputs.length + 2)
        expect(selection.feeSats - required).toBeLessThanOrEqual(slack)
      }),
      { numRuns: 300 },
    )
    // The property must not hold vacuously: most runs select, and both shapes occur.
    expect(selected).toBeGreaterThan(100)
    expect(withChange).toBeGreaterThan(50)
  })

  it('pays an exactly matchable target without change', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 10_000n, max: 100_000_000n }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 4095 }),
        fc.bigInt({ min: 1_000n, max: 50_000n }),
        (values, mask, rate) => {
          const coins = values.map((valueSats, i) => ({ id: `${i}:0`, valueSats }))
          const subset = coins.filter((_, i) => (mask >> i) % 2 === 1)
          fc.pre(subset.length > 0)
          const inputFee = feeForWeight(P2WPKH_INPUT_WEIGHT, rate)
          // Fee of the parts every candidate shares: overhead (one-byte counts) and the payment output.
          const baseFee = feeForWeight(overheadWeight(1, 1) + outputWeight(22), rate)
          const targetSats =
            subset.reduce((s, c) => s + c.valueSats, 0n) - BigInt(subset.length) * inputFee - baseFee
          fc.pre(targetSats > 1_000n)
          const selection = selectCoins({
            coins,
            targetSats,
            outputScriptBytes: [22],
            feeRateSatPerKvb: rate,
            changeScriptBytes: 22,
            dustThresholdSats: 294n,
          })
          expect(selection.algorithm).toBe('bnb')
          expect(selection.changeSats).toBe(0n)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('finds a change-free exact match by branch and bound', () => {
    const rate = 1_000n
    const exactFee = feeForWeight(estimateWeight(1, [22]), rate)
    const selection = selectCoins({
      coins: [
        { id: 'a:0', valueSats: 1_000_000n },
        { id: 'b:0', valueSats: 50_000n + exactFee },
        { id: 'c:0', valueSats: 2_000_000n },
      ],
      targetSats: 50_000n,
      outputScriptBytes: [22],
      feeRateSatPerKvb: rate,
      changeScriptBytes: 22,
      dustThresholdSats: 294n,
    })
    expect(selection).toMatchObject({
      algorithm: 'bnb',
      changeSats: 0n,
      feeSats: exactFee,
      inputs: [{ id: 'b:0' }],
    })
  })

  it('names the shortfall when funds are insufficient', () => {
    expect(() =>
      selectCoins({
        coins: [{ id: 'a:0', valueSats: 10_000n }],
        targetSats: 20_000n,
        outputScriptBytes: [22],
        feeRateSatPerKvb: 1_000n,
        changeScriptBytes: 22,
        dustThresholdSats: 294n,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'WALLET_INSUFFICIENT_FUNDS',
        details: expect.objectContaining({ spendableSats: 10_000n }),
      }),
    )
  })
})

describe('selectAll', () => {
  it('spends everything into one output minus the fee', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 10_000n, max: 100_000_000n }), { minLength: 1, maxLength: 20 }),
        fc.bigInt({ min: 1_000n, max: 20_000n }),
        (values, rate) => {
          const sweep = selectAll(
            values.map((valueSats, i) => ({ id: `${i}:0`, valueSats })),
            22,
            rate,
            294n,
          )
          const total = values.reduce((s, v) => s + v, 0n)
          expect(sweep.amountSats + sweep.feeSats).toBe(total)
          expect(sweep.feeSats).toBe(feeForWeight(estimateWeight(values.length, [22]), rate))
        },
      ),
    )
  })

  it('refuses when there is nothing, or only dust, to sweep', () => {
    expect(() => selectAll([], 22, 1_000n, 294n)).toThrow(
      expect.objectContaining({ code: 'WALLET_NOTHING_TO_SWEEP' }),
    )
    expect(() => selectAll([{ id: 'a:0', valueSats: 300n }], 22, 1_000n, 294n)).toThrow(
      expect.objectContaining({ code: 'WALLET_AMOUNT_BELOW_DUST' }),
    )
  })
})
