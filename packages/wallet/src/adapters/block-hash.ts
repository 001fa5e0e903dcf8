import { createHash } from 'node:crypto'

/** SHA-256 twice (Bitcoin's hash256), in the byte order a header's previous-hash field holds. */
export function sha256d(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(bytes).digest()).digest()
}

/** A block hash's hex as nodes and explorers show it: `sha256d` of the header, byte-reversed. */
export function hashHexOf(digest: Buffer): string {
  return Buffer.from(digest).reverse().toString('hex')
}

/** A block's hash as nodes and explorers show it: the double SHA-256 of its 80-byte header, byte-reversed hex. */
export function blockHashHex(header: Uint8Array): string {
  return hashHexOf(sha256d(header))
}
