import { describe, expect, it } from 'vitest'
import { encodePaymentRequest } from './bip70.ts'

/** A minimal protobuf reader: field number → list of raw values (bigint for varints, bytes otherwise). */
function decode(buf: Uint8Array): Map<number, (bigint | Uint8Array)[]> {
  const out = new Map<number, (bigint | Uint8Array)[]>()
  let i = 0
  const readVarint = (): bigint => {
    let shift = 0n
    let value = 0n
    for (;;) {
      const b = buf[i++]!
      value |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return value
      shift += 7n
    }
  }
  while (i < buf.length) {
    const tag = Number(readVarint())
    const field = tag >> 3
    let value: bigint | Uint8Array
    if ((tag & 7) === 0) value = readVarint()
    else {
      const length = Number(readVarint())
      value = buf.slice(i, i + length)
      i += length
    }
    out.set(field, [...(out.get(field) ?? []), value])
  }
  return out
}

describe('BIP70 PaymentRequest encoding', () => {
  it('round-trips through a protobuf reader with the BIP70 field numbers', () => {
    const script = Uint8Array.from([0x00, 0x14, ...new Array<number>(20).fill(0xab)])
    const request = decode(
      encodePaymentRequest({
        network: 'regtest',
        outputs: [{ amountSats: 300_000_000n, script }],
        time: 1_516_102_773,
        expires: 1_516_103_673,
        memo: 'Invoice KXnW',
        paymentUrl: 'http://gw/i/KXnW',
        merchantData: new TextEncoder().encode('KXnW'),
      }),
    )
    expect(request.get(1)).toEqual([1n])
    expect(new TextDecoder().decode(request.get(2)![0] as Uint8Array)).toBe('none')
    const details = decode(request.get(4)![0] as Uint8Array)
    expect(new TextDecoder().decode(details.get(1)![0] as Uint8Array)).toBe('regtest')
    const output = decode(details.get(2)![0] as Uint8Array)
    // 300,000,000 needs a multi-byte varint: the encoder must carry bits correctly.
    expect(output.get(1)).toEqual([300_000_000n])
    expect(output.get(2)).toEqual([script])
    expect(details.get(3)).toEqual([1_516_102_773n])
    expect(details.get(4)).toEqual([1_516_103_673n])
    expect(new TextDecoder().decode(details.get(6)![0] as Uint8Array)).toBe('http://gw/i/KXnW')
  })
})
