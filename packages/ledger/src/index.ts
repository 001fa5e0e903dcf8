/** @dolly/ledger — The TrustChain ledger: half-blocks, validation, the signing protocol and its stores. */
export { homeEarnings } from './adapters/earnings.ts'
export { createLedgerComponent, type LedgerComponent } from './adapters/ledger-component.ts'
export { type MemoryNetworkOptions, createMemoryNetwork } from './adapters/memory-transport.ts'
export { STATE_DB_FILE, openSqliteLedgerStore } from './adapters/sqlite-store.ts'
export { bandwidthRules, decodeBandwidthTx } from './bandwidth.ts'
export {
  BANDWIDTH_TYPE,
  EMPTY_PK,
  GENESIS_HASH,
  MAX_CRAWL_BLOCKS,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
} from './constants.ts'
export { signBlock } from './create-block.ts'
export { LEDGER_EXIT_STATUS, LedgerError } from './errors.ts'
export { createExpectations, refuseAllPolicy, type Expectations } from './expectations.ts'
export { type HalfBlock, decodeBlock, encodeFields } from './half-block.ts'
export { type Ledger, createLedger } from './ledger.ts'
export {
  type CountersignPolicy,
  type CountersignTerms,
  type CountersignVerdict,
  type LedgerRequest,
  type LedgerResponse,
  type LedgerStore,
  type LedgerTransport,
} from './ports.ts'
export { createLedgerProtocol, type LedgerProtocol, type SignResult } from './protocol/ledger-protocol.ts'
export {
  MAX_MESSAGE_BYTES,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from './protocol/messages.ts'
export { type TxDict, decodeTxDict, encodeTxDict } from './tx-dict.ts'
export { checkInvariants } from './validation.ts'
export { type ChainReport, verifyStoredChain } from './verify-chain.ts'
export * as ledgerConstants from './constants.ts'
