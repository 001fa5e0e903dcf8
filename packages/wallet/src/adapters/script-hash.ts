import { createHash } from 'node:crypto'

/**
 * The Electrum protocol's script hash (also Esplora's `/scripthash/:hash`): SHA-256 of the scriptPubKey,
 * hex in reversed byte order (electrumx docs, "Script Hashes").
 */
export function scriptHashHex(scriptHex: string): string {
  return Buffer.from(createHash('sha256').update(Buffer.from(scriptHex, 'hex')).digest())
    .reverse()
    .toString('hex')
}
