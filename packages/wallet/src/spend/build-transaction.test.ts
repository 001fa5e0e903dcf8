import { Psbt, Transaction } from 'bitcoinjs-lib'
import { describe, expect, it } from 'vitest'
import { deriveAccount, deriveAddress, deriveSigner, mnemonicToRoot } from '../hd/keys.ts'
import { networkParams } from '../network.ts'
import { RBF_SEQUENCE } from '../constants.ts'
import { buildSignedTransaction, bytesToHex, type SigningInput, type TxOutput } from './build-transaction.ts'

// A fixed test-only mnemonic (BIP39 vector): never used on mainnet.
const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow'
const network = networkParams('regtest')
const account = deriveAccount(mnemonicToRoot(MNEMONIC, network), network)

const coin = (txidByte: string, vout: number, index: number, valueSats: bigint): SigningInput => ({
  txid: txidByte.repeat(32),
  vout,
  valueSats,
  scriptHex: bytesToHex(deriveAddress(account, network, 0, index).script),
  signer: deriveSigner(account, 0, index),
})

/** The reference: the same transaction through bitcoinjs' Psbt (what the wallet used before). */
function viaPsbt(inputs: readonly SigningInput[], outputs: readonly TxOutput[]): string {
  const psbt = new Psbt({ network: network.bitcoinjs })
  const sorted = [...inputs].sort((a, b) => (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout))
  for (const i of sorted)
    psbt.addInput({
      hash: i.txid,
      index: i.vout,
      sequence: RBF_SEQUENCE,
      witnessUtxo: { script: Buffer.from(i.scriptHex, 'hex'), value: i.valueSats },
    })
  const hex = (b: Uint8Array) => bytesToHex(b)
  for (const o of [...outputs].sort((a, b) =>
    a.valueSats !== b.valueSats
      ? a.valueSats < b.valueSats
        ? -1
        : 1
      : hex(a.script) < hex(b.script)
        ? -1
        : 1,
  ))
    psbt.addOutput({ script: o.script, value: o.valueSats })
  sorted.forEach((i, n) => psbt.signInput(n, i.signer))
  psbt.finalizeAllInputs()
  return psbt.extractTransaction().toHex()
}

describe('buildSignedTransaction', () => {
  const inputs = [coin('cd', 1, 2, 70_000n), coin('0a', 0, 0, 25_000n), coin('cd', 0, 1, 5_000n)]
  const outputs = [
    { script: deriveAddress(account, network, 1, 0).script, valueSats: 40_000n },
    { script: deriveAddress(account, network, 0, 7).script, valueSats: 59_000n },
  ]

  it('gives byte for byte the transaction the Psbt path gives (BIP69 order, RBF, version 2, witnesses)', () => {
    const signed = buildSignedTransaction(inputs, outputs)
    expect(signed.hex).toBe(viaPsbt(inputs, outputs))
    const tx = Transaction.fromHex(signed.hex)
    expect(tx.getId()).toBe(signed.txid)
    expect(tx.version).toBe(2)
    expect(tx.ins.map((i) => i.sequence)).toEqual([RBF_SEQUENCE, RBF_SEQUENCE, RBF_SEQUENCE])
    expect(tx.ins.every((i) => i.witness.length === 2)).toBe(true)
    expect(signed.feeSats).toBe(1_000n)
    expect(signed.vsize).toBe(tx.virtualSize())
  })

  it('refuses a key that does not own its coin, a coin that is not P2WPKH and a malformed txid', () => {
    const wrongKey = { ...inputs[0]!, signer: deriveSigner(account, 0, 9) }
    expect(() => buildSignedTransaction([wrongKey], outputs.slice(0, 1))).toThrow(
      expect.objectContaining({ code: 'WALLET_TX_INVALID', message: expect.stringMatching(/does not own/) }),
    )
    const p2tr = { ...inputs[0]!, scriptHex: '5120' + 'ab'.repeat(32) }
    expect(() => buildSignedTransaction([p2tr], outputs.slice(0, 1))).toThrow(
      expect.objectContaining({ code: 'WALLET_TX_INVALID', message: expect.stringMatching(/not P2WPKH/) }),
    )
    const badTxid = { ...inputs[0]!, txid: 'zz' }
    expect(() => buildSignedTransaction([badTxid], outputs.slice(0, 1))).toThrow(
      expect.objectContaining({ code: 'WALLET_TX_INVALID' }),
    )
    expect(() => buildSignedTransaction(inputs, [{ ...outputs[0]!, valueSats: 200_000n }])).toThrow(
      expect.objectContaining({ code: 'WALLET_TX_INVALID' }),
    )
  })
})
