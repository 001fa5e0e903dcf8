import { crypto as btcCrypto } from 'bitcoinjs-lib'

/** A block's hash as nodes and explorers show it: the double SHA-256 of its 80-byte header, byte-reversed hex. */
export function blockHashHex(header: Uint8Array): string {
  return Buffer.from(btcCrypto.hash256(header)).reverse().toString('hex')
}
