import type { Transaction } from 'bitcoinjs-lib'
import { Psbt } from 'bitcoinjs-lib'
import { RBF_SEQUENCE } from '../constants.ts'
import { WalletError } from '../errors.ts'
import type { HdNode } from '../hd/keys.ts'
import type { NetworkParams } from '../network.ts'

/** An input to sign: the coin and the key that owns it. */
export interface SigningInput {
  readonly txid: string
  readonly vout: number
  readonly valueSats: bigint
  readonly scriptHex: string
  readonly signer: HdNode
}

/** An output to create. */
export interface TxOutput {
  readonly script: Uint8Array
  readonly valueSats: bigint
}

/** A signed, serialised transaction. */
export interface SignedTransaction {
  readonly txid: string
  readonly hex: string
  readonly vsize: number
  readonly feeSats: bigint
}

/**
 * Builds and signs a P2WPKH-spending transaction with BIP125 RBF signalled on every input. Inputs and
 * outputs are ordered by BIP69, so the change position reveals nothing and no randomness is needed.
 *
 * @throws WalletError WALLET_TX_INVALID when a key does not match its coin or the amounts do not add up.
 */
export function buildSignedTransaction(
  params: NetworkParams,
  inputs: readonly SigningInput[],
  outputs: readonly TxOutput[],
): SignedTransaction {
  const totalIn = inputs.reduce((sum, i) => sum + i.valueSats, 0n)
  const totalOut = outputs.reduce((sum, o) => sum + o.valueSats, 0n)
  if (inputs.length === 0 || outputs.length === 0 || totalOut > totalIn) {
    throw new WalletError(
      'WALLET_TX_INVALID',
      `cannot build a transaction with ${inputs.length} inputs of ${totalIn} sats and outputs of ${totalOut} sats`,
      {
        totalInSats: totalIn,
        totalOutSats: totalOut,
      },
    )
  }
  const psbt = new Psbt({ network: params.bitcoinjs })
  const sortedInputs = [...inputs].sort(compareInputs)
  for (const input of sortedInputs) {
    psbt.addInput({
      hash: input.txid,
      index: input.vout,
      sequence: RBF_SEQUENCE,
      witnessUtxo: { script: hexToBytes(input.scriptHex), value: input.valueSats },
    })
  }
  for (const output of [...outputs].sort(compareOutputs))
    psbt.addOutput({ script: output.script, value: output.valueSats })
  sortedInputs.forEach((input, i) => {
    try {
      psbt.signInput(i, input.signer)
    } catch (err) {
      throw new WalletError(
        'WALLET_TX_INVALID',
        `input ${input.txid}:${input.vout} could not be signed: ${err instanceof Error ? err.message : String(err)}`,
        {},
        { cause: err },
      )
    }
  })
  psbt.finalizeAllInputs()
  const tx: Transaction = psbt.extractTransaction()
  return { txid: tx.getId(), hex: tx.toHex(), vsize: tx.virtualSize(), feeSats: totalIn - totalOut }
}

// BIP69: inputs by txid (as displayed, i.e. RPC byte order, per the BIP's reference), then vout.
function compareInputs(a: SigningInput, b: SigningInput): number {
  return a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout
}

// BIP69: outputs by amount, then scriptPubKey bytes.
function compareOutputs(a: TxOutput, b: TxOutput): number {
  if (a.valueSats !== b.valueSats) return a.valueSats < b.valueSats ? -1 : 1
  const ha = bytesToHex(a.script)
  const hb = bytesToHex(b.script)
  return ha < hb ? -1 : ha > hb ? 1 : 0
}

/** Lower-case hex of bytes. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

/** Bytes of a hex string. */
export function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}
