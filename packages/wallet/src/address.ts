import { address as btcAddress } from 'bitcoinjs-lib'
import { WalletError } from './errors.ts'
import { NETWORK_NAMES, networkParams, type NetworkName, type NetworkParams } from './network.ts'

/** What an address decodes to. */
export type AddressKind = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr' | 'witness-unknown'

/** A validated destination: its kind, its output script, and the network it belongs to. */
export interface ValidatedAddress {
  readonly address: string
  readonly kind: AddressKind
  readonly network: NetworkName
  /** The scriptPubKey a payment to this address creates. */
  readonly script: Uint8Array
}

const BASE58_RE = /^[1-9A-HJ-NP-Za-km-z]+$/

/**
 * Decodes an address for any known network, without checking which network the wallet is on.
 * Base58Check P2PKH/P2SH, BIP173 bech32 (witness v0) and BIP350 bech32m (v1..v16).
 *
 * @throws WalletError WALLET_ADDRESS_INVALID with the reason.
 */
export function decodeAddress(text: string): ValidatedAddress {
  if (text.length === 0 || text.length > 90) invalid(text, 'length must be 1..90 characters')
  const lower = text.toLowerCase()
  const separator = lower.lastIndexOf('1')
  const hrp = separator > 0 ? lower.slice(0, separator) : ''
  const bech32Networks = NETWORK_NAMES.filter((n) => networkParams(n).bitcoinjs.bech32 === hrp)
  if (bech32Networks.length > 0) return decodeSegwit(text, bech32Networks)
  if (!BASE58_RE.test(text)) invalid(text, 'neither a known bech32 prefix nor base58')
  let decoded: { version: number; hash: Uint8Array }
  try {
    decoded = btcAddress.fromBase58Check(text)
  } catch (err) {
    return invalid(text, `bad base58check: ${err instanceof Error ? err.message : String(err)}`)
  }
  for (const name of NETWORK_NAMES) {
    const p = networkParams(name).bitcoinjs
    if (decoded.version === p.pubKeyHash) return base58Result(text, 'p2pkh', name, decoded.hash)
    if (decoded.version === p.scriptHash) return base58Result(text, 'p2sh', name, decoded.hash)
  }
  return invalid(text, `unknown base58 version byte ${decoded.version}`)
}

/**
 * Validates an address for the wallet's network (CLOUDOMATE.md §15.3).
 *
 * @throws WalletError WALLET_ADDRESS_INVALID, WALLET_ADDRESS_WRONG_NETWORK
 */
export function validateAddress(text: string, params: NetworkParams): ValidatedAddress {
  const decoded = decodeAddress(text)
  if (decoded.network === params.name) return decoded
  // Testnet and regtest share base58 versions; the world shares P2PKH with them. Accept a shared encoding.
  const sameBase58 =
    (decoded.kind === 'p2pkh' &&
      params.bitcoinjs.pubKeyHash === networkParams(decoded.network).bitcoinjs.pubKeyHash) ||
    (decoded.kind === 'p2sh' &&
      params.bitcoinjs.scriptHash === networkParams(decoded.network).bitcoinjs.scriptHash)
  if (sameBase58) return { ...decoded, network: params.name }
  throw new WalletError(
    'WALLET_ADDRESS_WRONG_NETWORK',
    `address ${text} is for ${decoded.network}, but this wallet is on ${params.name}; ask for a ${params.name} address`,
    { address: text, addressNetwork: decoded.network, walletNetwork: params.name },
  )
}

function decodeSegwit(text: string, networks: readonly NetworkName[]): ValidatedAddress {
  let result: { version: number; prefix: string; data: Uint8Array }
  try {
    result = btcAddress.fromBech32(text)
  } catch (err) {
    return invalid(text, `bad bech32/bech32m: ${err instanceof Error ? err.message : String(err)}`)
  }
  const { version, data } = result
  // BIP141: version 0..16, program 2..40 bytes; v0 programs are exactly 20 or 32 bytes.
  if (typeof version !== 'number' || version < 0 || version > 16)
    invalid(text, `witness version ${String(version)} is not 0..16`)
  if (data.length < 2 || data.length > 40)
    invalid(text, `witness program of ${data.length} bytes is not 2..40`)
  if (version === 0 && data.length !== 20 && data.length !== 32)
    invalid(text, `v0 witness program must be 20 or 32 bytes, got ${data.length}`)
  const kind: AddressKind =
    version === 0
      ? data.length === 20
        ? 'p2wpkh'
        : 'p2wsh'
      : version === 1 && data.length === 32
        ? 'p2tr'
        : 'witness-unknown'
  const opVersion = version === 0 ? 0x00 : 0x50 + version
  const script = new Uint8Array([opVersion, data.length, ...data])
  const network = networks[0]
  if (network === undefined) return invalid(text, 'no network for this prefix')
  return { address: text, kind, network, script }
}

function base58Result(
  text: string,
  kind: 'p2pkh' | 'p2sh',
  network: NetworkName,
  hash: Uint8Array,
): ValidatedAddress {
  const script =
    kind === 'p2pkh'
      ? new Uint8Array([0x76, 0xa9, 0x14, ...hash, 0x88, 0xac])
      : new Uint8Array([0xa9, 0x14, ...hash, 0x87])
  return { address: text, kind, network, script }
}

function invalid(text: string, reason: string): never {
  throw new WalletError(
    'WALLET_ADDRESS_INVALID',
    `invalid address ${JSON.stringify(text)}: ${reason}; check it was copied whole`,
    {
      address: text,
      reason,
    },
  )
}
