/**
 * BIP70 `PaymentRequest` encoding (the protobuf BitPay served at `/i/<id>` to
 * `Accept: application/bitcoin-paymentrequest`, CLOUDOMATE.md §5). Unsigned (`pki_type = "none"`),
 * which BIP70 allows; the original client never verified signatures anyway.
 */

/** One output of the payment details. */
export interface Bip70Output {
  readonly amountSats: bigint
  /** Output script, raw bytes. */
  readonly script: Uint8Array
}

/** The fields of BIP70 `PaymentDetails` the world fills in. */
export interface Bip70Details {
  readonly network: string
  readonly outputs: readonly Bip70Output[]
  /** Unix seconds. */
  readonly time: number
  /** Unix seconds. */
  readonly expires: number
  readonly memo: string
  readonly paymentUrl: string
  readonly merchantData: Uint8Array
}

function varint(value: bigint): number[] {
  const out: number[] = []
  let v = value
  do {
    const byte = Number(v & 0x7fn)
    v >>= 7n
    out.push(v > 0n ? byte | 0x80 : byte)
  } while (v > 0n)
  return out
}

const key = (field: number, wireType: 0 | 2): number[] => varint(BigInt((field << 3) | wireType))
const uint = (field: number, value: bigint): number[] => [...key(field, 0), ...varint(value)]
const bytes = (field: number, data: Uint8Array | readonly number[]): number[] => [
  ...key(field, 2),
  ...varint(BigInt(data.length)),
  ...data,
]
const str = (field: number, text: string): number[] => bytes(field, new TextEncoder().encode(text))

/** Serialises `PaymentDetails` (BIP70 field numbers 1–7). */
export function encodePaymentDetails(d: Bip70Details): Uint8Array {
  const out: number[] = [...str(1, d.network)]
  for (const o of d.outputs) out.push(...bytes(2, [...uint(1, o.amountSats), ...bytes(2, o.script)]))
  out.push(
    ...uint(3, BigInt(d.time)),
    ...uint(4, BigInt(d.expires)),
    ...str(5, d.memo),
    ...str(6, d.paymentUrl),
  )
  out.push(...bytes(7, d.merchantData))
  return Uint8Array.from(out)
}

/** Serialises an unsigned `PaymentRequest` wrapping the details (version 1, pki_type "none"). */
export function encodePaymentRequest(d: Bip70Details): Uint8Array {
  return Uint8Array.from([...uint(1, 1n), ...str(2, 'none'), ...bytes(4, encodePaymentDetails(d))])
}
