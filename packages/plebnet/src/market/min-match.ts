/**
 * Its own module: the agent's market component reads the minimum without loading the market's code.
 */

/**
 * The smallest match a trader accepts, sats: a Bitcoin payment must be above the dust limit of its
 * output (a p2wpkh or p2pkh output at the network's dust relay fee: world 2,940 / 5,460 sats, Bitcoin
 * 294 / 546), and a trade pays at least one such payment. A smaller MATCH is declined
 * (`MARKET_ORDER_AMOUNT`); the order stays in the other matchmakers' books.
 */
export const MIN_MATCH_SATS = 6_000n
