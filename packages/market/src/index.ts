/**
 * @dolly/market — the decentralized token market (issue 17): signed orders (MB ↔ BTC), the order
 * book with its matching engine, and the trade protocol with incremental payments
 * (ALGORITHMS.md §10). Factories and types only.
 */
export { MarketError, MARKET_EXIT_STATUS, marketCodeOf, type MarketErrorCode } from './errors.ts'
export {
  CANCEL_BYTES,
  CLOCK_TOLERANCE_MS,
  DEFAULT_ORDER_TIMEOUT_S,
  DEFAULT_SEEN_CAPACITY,
  MAX_ORDER_BYTES,
  MAX_ORDER_SATS,
  MAX_ORDER_TIMEOUT_S,
  ORDER_BYTES,
  ORDER_DOMAIN,
  checkOrderFields,
  createOrderVerifier,
  decodeCancel,
  decodeOrder,
  encodeCancel,
  encodeOrder,
  orderIdOf,
  signCancel,
  signOrder,
  type Order,
  type OrderId,
  type OrderSide,
  type OrderVerifier,
  type OrderVerifierOptions,
  type SignedCancel,
  type SignedOrder,
  type VerifiedOrder,
} from './order.ts'
export { comparePrices, compareProducts, mulDiv } from './price.ts'
export {
  ASK,
  BID,
  createMatchingEngine,
  type FillSink,
  type LevelView,
  type MatchingEngine,
  type MatchingEngineOptions,
  type Side,
} from './matching.ts'
export {
  DEFAULT_MAX_ORDERS,
  DEFAULT_MAX_ORDERS_PER_TRADER,
  createOrderBook,
  type Fill,
  type MatchResult,
  type OrderBook,
  type OrderBookOptions,
  type RestingView,
} from './book.ts'
export {
  paymentSchedule,
  nextPayment,
  exposureAfter,
  maxExposure,
  type Leg,
  type ScheduleTerms,
  type Step,
  type Payer,
} from './trade/schedule.ts'
export {
  checkTradeTerms,
  roleOf,
  mbSellerKey,
  btcPayerKey,
  type TradeTerms,
  type TradeRole,
} from './trade/terms.ts'
export {
  encodeTradeMessage,
  decodeTradeMessage,
  MAX_TRADE_MESSAGE_BYTES,
  type TradeMessage,
  type TradeMessageType,
} from './trade/messages.ts'
export type {
  TokenLedger,
  BitcoinPayer,
  IncomingPayment,
  TrustPolicy,
  TrustVerdict,
  TradeJournal,
  TradeTransport,
  Negotiator,
  NegotiationDecision,
} from './trade/ports.ts'
export {
  paymentCounts,
  createTradeTrustPolicy,
  WORLD_CONFIRMATIONS,
  INTERNET_CONFIRMATIONS,
  TRADE_TRUST_DEFAULTS,
  type ConfirmationPolicy,
  type StrangerAdmission,
  type OpenResponsibilities,
  type TradeTrustOptions,
} from './trade/trust.ts'
export {
  createMemoryTradeJournal,
  formatJournalEntry,
  parseJournalEntry,
  type JournalEntry,
  type MemoryTradeJournal,
} from './trade/journal.ts'
export {
  createTradeEngine,
  TRADE_ENGINE_DEFAULTS,
  type TradeEngine,
  type TradeEngineDeps,
  type TradeEngineOptions,
  type TradePhase,
  type TradeSnapshot,
} from './trade/trade.ts'
export { createFileTradeJournal } from './trade/adapters/file-journal.ts'
export {
  createMemorySettlement,
  type MemorySettlement,
  type SettlementEffect,
} from './trade/adapters/memory-settlement.ts'
