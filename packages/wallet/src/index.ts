/**
 * @dolly/wallet — the agent's own HD Bitcoin wallet: BIP39/BIP32/BIP84 keys, the family key tree,
 * an encrypted keystore, coin selection and fees, BIP21 and address validation, a payment journal that
 * never pays twice, and the ChainBackend port with its adapters (bitcoin-core-rpc, memory).
 */
export { WalletError, WALLET_EXIT_STATUS, type WalletErrorCode } from './errors.ts'
export * as walletDefaults from './constants.ts'
export {
  networkParams,
  dustThresholdSats,
  P2WPKH_SCRIPT_BYTES,
  NETWORK_NAMES,
  type NetworkName,
  type NetworkParams,
} from './network.ts'
export { decodeAddress, validateAddress, type AddressKind, type ValidatedAddress } from './address.ts'
export {
  parsePaymentUri,
  parsePaymentUriSyntax,
  formatPaymentUri,
  isPaymentUri,
  type PaymentRequest,
} from './bip21.ts'
export {
  generateMnemonic,
  mnemonicToRoot,
  seedToRoot,
  parseExtendedKey,
  deriveAccount,
  deriveAddress,
  type HdNode,
  type AddressChain,
  type DerivedAddress,
} from './hd/keys.ts'
export {
  deriveChildRoot,
  deriveDescendantRoot,
  childTree,
  exportChildKey,
  importChildKey,
  MAX_CHILD_INDEX,
  type ChildKeyMaterial,
} from './hd/family.ts'
export {
  createKeystore,
  unlockKeystore,
  parseKeystoreDocument,
  keystoreAccount,
  type KeystoreDocument,
  type UnlockedWallet,
  type CreateKeystoreOptions,
} from './keystore/keystore.ts'
export { type ScryptParams } from './keystore/seal.ts'
export {
  selectCoins,
  selectAll,
  estimateWeight,
  type Selection,
  type SelectionRequest,
  type SelectableCoin,
  type Sweep,
} from './spend/coin-selection.ts'
export { chooseFeeRate, checkFeeShare, type FeePolicy } from './spend/fee-policy.ts'
export { feeForWeight, weightToVsize } from './spend/tx-size.ts'
export {
  buildSignedTransaction,
  type SigningInput,
  type TxOutput,
  type SignedTransaction,
} from './spend/build-transaction.ts'
export { scanAccount, type AccountScan, type OwnedCoin } from './service/scan.ts'
export { resolvePaymentTarget, parseFeeRateSatPerVb, type PaymentTarget } from './payment-target.ts'
export {
  resolvePassphrase,
  readIniValue,
  promptHidden,
  PASSPHRASE_ENV,
  type PassphraseSources,
} from './adapters/passphrase.ts'
export { createWallet } from './service/wallet.ts'
export type { Wallet, WalletDeps, WalletOptions, Balance, SendRequest } from './service/wallet-types.ts'
export { computeBalance } from './service/balance.ts'
export type { ChainBackend, WalletStore, PaymentRecord, PaymentState, ReceiptRecord } from './ports.ts'
export type { Utxo, ChainTransaction, FeeEstimate, BroadcastResult } from './types.ts'
export { createMemoryChain, type MemoryChain, type MemoryChainOptions } from './adapters/memory-chain.ts'
export {
  createBitcoinCoreRpcChain,
  type BitcoinCoreRpcChainOptions,
} from './adapters/bitcoin-core-rpc-chain.ts'
export {
  createJsonRpcClient,
  type JsonRpcClient,
  type JsonRpcConfig,
  type RpcReply,
} from './adapters/json-rpc.ts'
export { openSqliteWalletStore } from './adapters/sqlite-store.ts'
export { createMemoryWalletStore } from './adapters/memory-store.ts'
export { createEsploraChain, type EsploraChainOptions, type FetchLike } from './adapters/esplora-chain.ts'
export { scriptHashHex } from './adapters/script-hash.ts'
export { createElectrumChain } from './adapters/electrum-chain.ts'
export { connectChainBackend, type ChainConnection } from './adapters/backend-url.ts'
export {
  createElectrumClient,
  type ElectrumTransport,
  type ElectrumClientOptions,
} from './adapters/electrum-client.ts'
export { readKeystoreFile, writeKeystoreFile } from './adapters/keystore-file.ts'
export { eccBackend, type EccBackend } from './hd/ecc.ts'
export { satsPaidTo } from './tx-outputs.ts'
