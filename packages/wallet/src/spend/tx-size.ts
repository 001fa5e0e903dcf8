/**
 * Transaction weights for fee calculation (BIP141 weight = 4·base + witness). All our inputs are P2WPKH.
 */

/** Weight of a P2WPKH input: 41 base bytes (outpoint 36, empty scriptSig length 1, sequence 4) ·4 plus a
 * witness of item count 1 + (1 + 72) worst-case DER signature + (1 + 33) compressed key = 108. */
export const P2WPKH_INPUT_WEIGHT = 41 * 4 + 108

/** Size of a CompactSize (varint) in bytes. */
export function varIntBytes(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9
}

/** Weight of one output paying `scriptBytes` of scriptPubKey: value 8 + length varint + script. */
export function outputWeight(scriptBytes: number): number {
  return 4 * (8 + varIntBytes(scriptBytes) + scriptBytes)
}

/** Weight of the parts every segwit transaction has: version 4, locktime 4, the two counts, marker and flag. */
export function overheadWeight(inputCount: number, outputCount: number): number {
  return 4 * (4 + 4 + varIntBytes(inputCount) + varIntBytes(outputCount)) + 2
}

/** Virtual size: weight / 4 rounded up (BIP141). */
export function weightToVsize(weight: number): number {
  return Math.ceil(weight / 4)
}

/** Fee for `weight` at `feeRateSatPerKvb`, rounded up so the rate is never undershot (STYLE.md §1.5: fees round up). */
export function feeForWeight(weight: number, feeRateSatPerKvb: bigint): bigint {
  const vsize = BigInt(weightToVsize(weight))
  return (vsize * feeRateSatPerKvb + 999n) / 1000n
}
