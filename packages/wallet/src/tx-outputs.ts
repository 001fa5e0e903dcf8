import { bytesEqual } from '@dolly/base'
import { Transaction } from 'bitcoinjs-lib'
import { decodeAddress } from './address.ts'
import { WalletError } from './errors.ts'

/**
 * Sats a raw transaction (hex) pays to `address`, summed over its outputs (0n when none pays it):
 * how a receiver checks an incoming payment it was told about, mempool or confirmed.
 *
 * @throws WalletError WALLET_ADDRESS_INVALID for a bad address, WALLET_BACKEND_PROTOCOL when the hex is no transaction.
 */
export function satsPaidTo(txHex: string, address: string): bigint {
  const script = decodeAddress(address).script
  let tx: Transaction
  try {
    tx = Transaction.fromHex(txHex)
  } catch (err) {
    throw new WalletError(
      'WALLET_BACKEND_PROTOCOL',
      `transaction does not parse: ${err instanceof Error ? err.message : String(err)}`,
      {},
    )
  }
  let sum = 0n
  for (const out of tx.outs) {
    if (bytesEqual(out.script, script)) sum += out.value
  }
  return sum
}
