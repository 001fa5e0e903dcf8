import { z } from 'zod'
import type { Clock, Rng } from '@dolly/base'
import { WalletError } from '../errors.ts'
import {
  deriveAccount,
  generateMnemonic,
  mnemonicToRoot,
  parseExtendedKey,
  assertKeyRng,
  type HdNode,
} from '../hd/keys.ts'
import { NETWORK_NAMES, networkParams, type NetworkName, type NetworkParams } from '../network.ts'
import {
  openSecret,
  sealSecret,
  DEFAULT_SCRYPT_PARAMS,
  type ScryptParams,
  type SealedSecret,
} from './seal.ts'

/**
 * The keystore document (`wallet.json`): the seed encrypted at rest, plus the account xpub in clear so
 * watching the balance needs no passphrase. Our own wire format: unknown keys are rejected.
 */
export interface KeystoreDocument {
  readonly format: 'dolly-wallet'
  readonly version: 1
  readonly network: NetworkName
  /** Family tree path of the owner, when known. */
  readonly tree?: string
  /** BIP84 account 0 extended public key. */
  readonly accountXpub: string
  readonly createdAtMs: number
  readonly sealed: SealedSecret
}

/** What the keystore protects. */
export interface WalletSecret {
  /** BIP39 words, for a wallet made from a mnemonic; a child's wallet has only a root. */
  readonly mnemonic?: string
  readonly rootXprv: string
}

/** An unlocked keystore: the private root and its BIP84 account. */
export interface UnlockedWallet {
  readonly params: NetworkParams
  readonly root: HdNode
  readonly account: HdNode
  readonly mnemonic?: string
  readonly tree?: string
}

const HEX = z.string().regex(/^[0-9a-f]*$/)
const SecretSchema = z.object({ mnemonic: z.string().optional(), rootXprv: z.string() }).strict()
const DocumentSchema = z
  .object({
    format: z.literal('dolly-wallet'),
    version: z.literal(1),
    network: z.enum(NETWORK_NAMES as [NetworkName, ...NetworkName[]]),
    tree: z.string().min(1).optional(),
    accountXpub: z.string().min(100).max(120),
    createdAtMs: z.number().int().nonnegative(),
    sealed: z
      .object({
        kdf: z
          .object({
            name: z.literal('scrypt'),
            n: z
              .number()
              .int()
              .min(1024)
              .max(2 ** 22),
            r: z.number().int().min(1).max(32),
            p: z.number().int().min(1).max(16),
            saltHex: HEX,
          })
          .strict(),
        cipher: z.object({ name: z.literal('aes-256-gcm'), ivHex: HEX, tagHex: HEX }).strict(),
        ciphertextHex: HEX,
      })
      .strict(),
  })
  .strict()

/** Options of {@link createKeystore}. */
export interface CreateKeystoreOptions {
  readonly network: NetworkName
  readonly passphrase: string
  /** Restore from these words instead of generating new ones. */
  readonly mnemonic?: string
  /** Use this root (a child's handed-over key) instead of a mnemonic. */
  readonly rootXprv?: string
  readonly tree?: string
  /** scrypt cost; tests lower it, production keeps the default. */
  readonly kdf?: ScryptParams
}

/**
 * Makes a new keystore document: a fresh 24-word mnemonic from the Rng (or the given words or root),
 * sealed under the passphrase.
 *
 * @throws WalletError WALLET_SEEDED_RNG_ON_MAINNET, WALLET_MNEMONIC_INVALID, WALLET_KEYSTORE_PASSPHRASE_MISSING
 */
export async function createKeystore(
  deps: { rng: Rng; clock: Clock },
  options: CreateKeystoreOptions,
): Promise<{ document: KeystoreDocument; wallet: UnlockedWallet }> {
  const params = networkParams(options.network)
  if (options.passphrase.length === 0) {
    throw new WalletError(
      'WALLET_KEYSTORE_PASSPHRASE_MISSING',
      'an empty passphrase would store the seed in clear; set PLEBNET_WALLET_PASSPHRASE',
      {},
    )
  }
  // The salt and nonce come from this Rng too, so it must be a CSPRNG on mainnet.
  assertKeyRng(deps.rng, params)
  let secret: WalletSecret
  if (options.rootXprv !== undefined) {
    secret = { rootXprv: parseExtendedKey(options.rootXprv, params).toBase58() }
  } else {
    const mnemonic = options.mnemonic ?? generateMnemonic(deps.rng, params)
    secret = { mnemonic, rootXprv: mnemonicToRoot(mnemonic, params).toBase58() }
  }
  const wallet = toUnlocked(secret, params, options.tree)
  const sealed = await sealSecret(
    new TextEncoder().encode(JSON.stringify(secret)),
    options.passphrase,
    deps.rng,
    options.kdf ?? DEFAULT_SCRYPT_PARAMS,
  )
  const document: KeystoreDocument = {
    format: 'dolly-wallet',
    version: 1,
    network: params.name,
    ...(options.tree === undefined ? {} : { tree: options.tree }),
    accountXpub: wallet.account.neutered().toBase58(),
    createdAtMs: deps.clock.nowMs(),
    sealed,
  }
  return { document: Object.freeze(document), wallet }
}

/**
 * Validates untrusted keystore JSON.
 *
 * @throws WalletError WALLET_KEYSTORE_CORRUPT
 */
export function parseKeystoreDocument(input: unknown): KeystoreDocument {
  const parsed = DocumentSchema.safeParse(input)
  if (!parsed.success) {
    throw new WalletError(
      'WALLET_KEYSTORE_CORRUPT',
      `wallet.json is not a valid keystore: ${parsed.error.message}; restore it from a backup`,
      {
        issues: parsed.error.issues,
      },
    )
  }
  const doc = parsed.data
  return Object.freeze({ ...doc, ...(doc.tree === undefined ? {} : { tree: doc.tree }) }) as KeystoreDocument
}

/**
 * Decrypts the keystore and checks the root matches the stored xpub.
 *
 * @throws WalletError WALLET_KEYSTORE_WRONG_PASSPHRASE, WALLET_KEYSTORE_CORRUPT
 */
export async function unlockKeystore(
  document: KeystoreDocument,
  passphrase: string,
): Promise<UnlockedWallet> {
  const params = networkParams(document.network)
  const plaintext = await openSecret(document.sealed, passphrase)
  let secret: WalletSecret
  try {
    const parsed = SecretSchema.parse(JSON.parse(new TextDecoder().decode(plaintext)))
    secret =
      parsed.mnemonic === undefined
        ? { rootXprv: parsed.rootXprv }
        : { mnemonic: parsed.mnemonic, rootXprv: parsed.rootXprv }
  } catch (err) {
    throw new WalletError(
      'WALLET_KEYSTORE_CORRUPT',
      'the decrypted keystore is not valid JSON; restore wallet.json from a backup',
      {},
      { cause: err },
    )
  }
  const wallet = toUnlocked(secret, params, document.tree)
  if (wallet.account.neutered().toBase58() !== document.accountXpub) {
    throw new WalletError(
      'WALLET_KEYSTORE_CORRUPT',
      'the decrypted seed does not match the stored account xpub; restore wallet.json from a backup',
      {},
    )
  }
  return wallet
}

/** The account xpub of a document, for watching without the passphrase. */
export function keystoreAccount(document: KeystoreDocument): { params: NetworkParams; account: HdNode } {
  const params = networkParams(document.network)
  return { params, account: parseExtendedKey(document.accountXpub, params) }
}

function toUnlocked(secret: WalletSecret, params: NetworkParams, tree: string | undefined): UnlockedWallet {
  const root = parseExtendedKey(secret.rootXprv, params)
  return {
    params,
    root,
    account: deriveAccount(root, params),
    ...(secret.mnemonic === undefined ? {} : { mnemonic: secret.mnemonic }),
    ...(tree === undefined ? {} : { tree }),
  }
}
