import { createCipheriv, createDecipheriv, scrypt as scryptCb } from 'node:crypto'
import type { Rng } from '@dolly/base'
import {
  KEYSTORE_IV_BYTES,
  KEYSTORE_SALT_BYTES,
  KEYSTORE_SCRYPT_N,
  KEYSTORE_SCRYPT_P,
  KEYSTORE_SCRYPT_R,
} from '../constants.ts'
import { WalletError } from '../errors.ts'

/** scrypt parameters, stored beside the ciphertext so they can be raised later. */
export interface ScryptParams {
  readonly n: number
  readonly r: number
  readonly p: number
}

/** A secret encrypted with scrypt + AES-256-GCM; every field is hex. */
export interface SealedSecret {
  readonly kdf: {
    readonly name: 'scrypt'
    readonly n: number
    readonly r: number
    readonly p: number
    readonly saltHex: string
  }
  readonly cipher: { readonly name: 'aes-256-gcm'; readonly ivHex: string; readonly tagHex: string }
  readonly ciphertextHex: string
}

/** The default cost (constants.ts). */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({
  n: KEYSTORE_SCRYPT_N,
  r: KEYSTORE_SCRYPT_R,
  p: KEYSTORE_SCRYPT_P,
})

/** Encrypts `plaintext` under `passphrase`; salt and nonce come from the Rng. */
export async function sealSecret(
  plaintext: Uint8Array,
  passphrase: string,
  rng: Rng,
  kdf: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<SealedSecret> {
  const salt = rng.bytes(KEYSTORE_SALT_BYTES)
  const iv = rng.bytes(KEYSTORE_IV_BYTES)
  const key = await deriveKey(passphrase, salt, kdf)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return {
    kdf: { name: 'scrypt', n: kdf.n, r: kdf.r, p: kdf.p, saltHex: hex(salt) },
    cipher: { name: 'aes-256-gcm', ivHex: hex(iv), tagHex: hex(cipher.getAuthTag()) },
    ciphertextHex: hex(ciphertext),
  }
}

/**
 * Decrypts a sealed secret.
 *
 * @throws WalletError WALLET_KEYSTORE_WRONG_PASSPHRASE when authentication fails (wrong passphrase or tampered file).
 */
export async function openSecret(sealed: SealedSecret, passphrase: string): Promise<Uint8Array> {
  const key = await deriveKey(passphrase, Buffer.from(sealed.kdf.saltHex, 'hex'), sealed.kdf)
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.cipher.ivHex, 'hex'))
  decipher.setAuthTag(Buffer.from(sealed.cipher.tagHex, 'hex'))
  try {
    return new Uint8Array(
      Buffer.concat([decipher.update(Buffer.from(sealed.ciphertextHex, 'hex')), decipher.final()]),
    )
  } catch (err) {
    throw new WalletError(
      'WALLET_KEYSTORE_WRONG_PASSPHRASE',
      'the wallet passphrase is wrong (or wallet.json was altered); set PLEBNET_WALLET_PASSPHRASE to the passphrase used at creation',
      {},
      { cause: err },
    )
  }
}

function deriveKey(passphrase: string, salt: Uint8Array, kdf: ScryptParams): Promise<Buffer> {
  // 128·N·r bytes of memory; allow twice that so Node's 32 MiB default does not reject N = 2^15.
  const maxmem = 256 * kdf.n * kdf.r
  return new Promise((resolve, reject) => {
    scryptCb(passphrase.normalize('NFKC'), salt, 32, { N: kdf.n, r: kdf.r, p: kdf.p, maxmem }, (err, key) =>
      err === null ? resolve(key) : reject(err),
    )
  })
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}
