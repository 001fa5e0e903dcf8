/**
 * @dolly/market — the decentralized token market (issue 17): signed orders (MB ↔ BTC), the order
 * book with its matching engine, and the trade protocol with incremental payments
 * (ALGORITHMS.md §10). Factories and types only.
 */
export { MarketError, MARKET_EXIT_STATUS, marketCodeOf, type MarketErrorCode } from './errors.ts'
