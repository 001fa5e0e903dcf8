import { BIP32Factory, type BIP32Interface } from 'bip32'
import * as bip39 from 'bip39'
import { payments } from 'bitcoinjs-lib'
import { ecc } from './ecc.ts'
import type { Rng } from '@dolly/base'
import { BIP84_PURPOSE } from '../constants.ts'
import { WalletError } from '../errors.ts'
import type { NetworkParams } from '../network.ts'

// A factory bound to the secp256k1 backend; stateless, so sharing it cannot leak between agents.
const bip32 = BIP32Factory(ecc)

/** BIP32 node type used throughout the wallet. */
export type HdNode = BIP32Interface

/** BIP44 chain: 0 receive, 1 change. */
export type AddressChain = 0 | 1

/** One derived P2WPKH address of an account. */
export interface DerivedAddress {
  readonly chain: AddressChain
  readonly index: number
  readonly address: string
  /** P2WPKH scriptPubKey. */
  readonly script: Uint8Array
  readonly publicKey: Uint8Array
}

/**
 * A new BIP39 mnemonic from the Rng: 256 bits of entropy, 24 words.
 *
 * @throws WalletError WALLET_SEEDED_RNG_ON_MAINNET when a seeded Rng is used for mainnet keys (STYLE.md §1.2).
 */
export function generateMnemonic(rng: Rng, params: NetworkParams): string {
  assertKeyRng(rng, params)
  return bip39.entropyToMnemonic(Buffer.from(rng.bytes(32)))
}

/** Refuses a deterministic Rng for mainnet key material. */
export function assertKeyRng(rng: Rng, params: NetworkParams): void {
  if (rng.seeded && params.isMainnet) {
    throw new WalletError(
      'WALLET_SEEDED_RNG_ON_MAINNET',
      'refusing to make mainnet keys from a seeded Rng; use the OS CSPRNG (createCryptoRng)',
      {
        network: params.name,
      },
    )
  }
}

/**
 * The BIP32 root of a BIP39 mnemonic (with the optional BIP39 passphrase, not the keystore's).
 *
 * @throws WalletError WALLET_MNEMONIC_INVALID when a word or the checksum is wrong.
 */
export function mnemonicToRoot(mnemonic: string, params: NetworkParams, bip39Passphrase = ''): HdNode {
  const normalized = mnemonic.trim().split(/\s+/).join(' ')
  if (!bip39.validateMnemonic(normalized)) {
    throw new WalletError(
      'WALLET_MNEMONIC_INVALID',
      'the mnemonic has an unknown word or a bad checksum; check every word and their order',
      {},
    )
  }
  return bip32.fromSeed(bip39.mnemonicToSeedSync(normalized, bip39Passphrase), params.bitcoinjs)
}

/** A BIP32 root straight from seed bytes (BIP32 test vectors, and roots handed down the family tree). */
export function seedToRoot(seed: Uint8Array, params: NetworkParams): HdNode {
  return bip32.fromSeed(seed, params.bitcoinjs)
}

/**
 * Parses an extended key (xprv/tprv or xpub/tpub) for the network.
 *
 * @throws WalletError WALLET_KEY_MATERIAL_INVALID
 */
export function parseExtendedKey(text: string, params: NetworkParams): HdNode {
  try {
    return bip32.fromBase58(text, params.bitcoinjs)
  } catch (err) {
    throw new WalletError(
      'WALLET_KEY_MATERIAL_INVALID',
      `not an extended key for ${params.name}: ${err instanceof Error ? err.message : String(err)}`,
      {},
      { cause: err },
    )
  }
}

/** The BIP84 account node m/84'/coin'/account' (BIP84 "Public key derivation"). */
export function deriveAccount(root: HdNode, params: NetworkParams, account = 0): HdNode {
  return memoDerived(root, `account/${params.coinType}/${account}`, () =>
    root.deriveHardened(BIP84_PURPOSE).deriveHardened(params.coinType).deriveHardened(account),
  )
}

/**
 * Nodes derived from a node, kept as long as it lives: the same node object for the same path, so
 * the addresses cached per account node (below) are found again when the account is derived anew
 * (the agent derives each child's account on every tick, for its heir list).
 */
const derivedNodes = new WeakMap<HdNode, Map<string, HdNode>>()

/** `derive()` under `key`, once per `from` node (bounded). */
export function memoDerived(from: HdNode, key: string, derive: () => HdNode): HdNode {
  let cache = derivedNodes.get(from)
  if (cache === undefined) {
    cache = new Map()
    derivedNodes.set(from, cache)
  }
  const known = cache.get(key)
  if (known !== undefined) return known
  const node = derive()
  if (cache.size >= MAX_CACHED_PER_ACCOUNT) cache.clear()
  cache.set(key, node)
  return node
}

/**
 * Addresses already derived, per account node: derivation is two EC point multiplications and a
 * wallet derives the same gap window on every scan (a balance, a reconcile), so the agent's tick
 * paid for it again and again. The result is a pure function of its inputs; bounded per account.
 */
const derived = new WeakMap<HdNode, Map<string, DerivedAddress>>()
const MAX_CACHED_PER_ACCOUNT = 4096

/** The P2WPKH address at account/chain/index (BIP84 "Address derivation"). Works on a neutered account too. */
export function deriveAddress(
  account: HdNode,
  params: NetworkParams,
  chain: AddressChain,
  index: number,
): DerivedAddress {
  let cache = derived.get(account)
  if (cache === undefined) {
    cache = new Map()
    derived.set(account, cache)
  }
  const key = `${params.bitcoinjs.bech32}/${chain}/${index}`
  const known = cache.get(key)
  if (known !== undefined) return known
  const fresh = deriveAddressUncached(account, params, chain, index)
  if (cache.size >= MAX_CACHED_PER_ACCOUNT) cache.clear()
  cache.set(key, fresh)
  return fresh
}

function deriveAddressUncached(
  account: HdNode,
  params: NetworkParams,
  chain: AddressChain,
  index: number,
): DerivedAddress {
  const node = chainNode(account, chain).derive(index)
  const payment = payments.p2wpkh({ pubkey: node.publicKey, network: params.bitcoinjs })
  if (payment.address === undefined || payment.output === undefined) {
    throw new WalletError(
      'WALLET_KEY_MATERIAL_INVALID',
      `could not derive a P2WPKH address at ${chain}/${index}`,
      { chain, index },
    )
  }
  return Object.freeze({
    chain,
    index,
    address: payment.address,
    script: payment.output,
    publicKey: node.publicKey,
  })
}

/** The private key node that signs for account/chain/index. */
export function deriveSigner(account: HdNode, chain: AddressChain, index: number): HdNode {
  return chainNode(account, chain).derive(index)
}

/**
 * The account's external (0) or change (1) chain node, derived once per account node: deriving an
 * index from it needs its public key, an EC point multiplication the node computes once and keeps.
 */
function chainNode(account: HdNode, chain: AddressChain): HdNode {
  return memoDerived(account, `chain/${chain}`, () => account.derive(chain))
}
