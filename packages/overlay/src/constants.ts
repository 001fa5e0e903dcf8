/** Defaults of the agents' network; sources in ALGORITHMS.md §11 and ANCHORS.md §5. */

/** CYCLON view size c (ALGORITHMS.md §11.1, drasyl's deployed default). */
export const VIEW_SIZE = 8
/** CYCLON shuffle length ℓ (ALGORITHMS.md §11.1). */
export const SHUFFLE_SIZE = 4
/** CYCLON shuffle period, ms (ALGORITHMS.md §11.1: every 10 s). */
export const SHUFFLE_INTERVAL_MS = 10_000
/** Anti-entropy period, ms (ALGORITHMS.md §11.2: 30 s, as Tribler's bandwidth gossip). */
export const ANTI_ENTROPY_INTERVAL_MS = 30_000
/** Largest envelope on the wire, bytes (ALGORITHMS.md §11.4 `max_frame`, 1 MiB). */
export const MAX_FRAME_BYTES = 1024 * 1024
/** Accepted clock skew of an envelope's `ts`, ms (ALGORITHMS.md §11.4: 300 s). */
export const TIME_WINDOW_MS = 300_000
/**
 * Senders the replay guard tracks at once. Beyond it the least recently heard sender is forgotten and
 * the guard's floor rises to that sender's newest timestamp, so nothing it sent can be replayed to
 * an untracked id. 4,096 × 24 nonces ≈ 98k entries (≈ 10 MB), the size of the old global cache.
 */
export const REPLAY_SENDERS = 4096
/**
 * Nonces remembered per sender: enough for the requests and replies one peer has in flight at once
 * (shuffle, anti-entropy, hello, direct); beyond it the oldest goes and the sender's floor rises.
 */
export const REPLAY_NONCES_PER_SENDER = 24
/** A request that gets no reply within this many ms counts as a dead link (ALGORITHMS.md §11.4: 10 s). */
export const REQUEST_TIMEOUT_MS = 10_000
/** A contact is dropped after this long without a successful exchange, ms (the original: 3600 s down). */
export const DEAD_PEER_TIMEOUT_MS = 3_600_000
/** A contact record expires this long after it was signed, ms (ALGORITHMS.md §11.2: 31 days). */
export const CONTACT_TTL_MS = 31 * 24 * 3_600_000
/**
 * Stored entries per kind (contacts, Q-tables, statuses): bounds memory against a flood of origins,
 * and keeps a full digest (3 kinds × 3,000 keys × ~89 bytes ≈ 0.8 MB) under MAX_FRAME_BYTES.
 */
export const MAX_ENTRIES_PER_KIND = 3000
/**
 * Of MAX_ENTRIES_PER_KIND, how many entries per kind may come from strangers (network/standing.ts):
 * contacts and statuses are small (≤ 2.5 KiB), Q-tables up to MAX_ENTRY_VALUE_BYTES, so strangers
 * hold at most 1,000 + 1,000 small entries and 64 Q-tables (≤ 16 MiB). A stranger's entry evicts a
 * random other stranger's (each key as likely as any other, so owning more keys buys no priority)
 * and never a family or known agent's. 1,000 contacts keep a 500-agent fleet of strangers whole.
 */
export const MAX_STRANGER_ENTRIES: Readonly<
  Record<'contact' | 'qtable' | 'status' | 'hop' | 'debt', number>
> = Object.freeze({
  contact: 1000,
  qtable: 64,
  status: 1000,
  hop: 1000,
  // Strangers' debts never count (AgentNetwork.debts); a few are kept to pass on while their origin
  // may become known to a neighbour.
  debt: 100,
})
/**
 * Entries of a kind below MAX_ENTRIES_PER_KIND: `debt/<id>` values are up to MAX_DEBTS_PER_ENTRY
 * records (≈ 7.5 KiB), so 1,000 of them hold at most ≈ 7.5 MiB.
 */
export const MAX_ENTRIES_OF_KIND: Readonly<
  Partial<Record<'contact' | 'qtable' | 'status' | 'hop' | 'debt', number>>
> = Object.freeze({ debt: 1000 })
/** Records in one `debt/<id>` entry: the origin's newest cut per debtor, most recent first. */
export const MAX_DEBTS_PER_ENTRY = 32
/**
 * A peer whose contact we have held without a gap this long is `known` (network/standing.ts):
 * one dead-peer timeout, i.e. it re-signed its record four times and kept answering. Sybil keys
 * must survive that long in the stranger pool, under random eviction, to count as known, and known
 * senders are then ranked by seniority.
 */
export const KNOWN_AFTER_MS = DEAD_PEER_TIMEOUT_MS
/** Remote Q-tables pending for QD-learning at most (the inbox; `qd.max_remotes` 8 are taken per update). */
export const INBOX_MAX_TABLES = 64
/** Of INBOX_MAX_TABLES, how many may be strangers' (at most `qd.trim_f` of them are merged per update). */
export const INBOX_MAX_STRANGER_TABLES = 8
/**
 * Senders with a token bucket (rate-limit.ts); beyond it the least recently seen is forgotten. The
 * buckets' sizes sit next to their type there: KNOWN_SENDER_LIMIT (60, then 1/s), UNKNOWN_SENDER_LIMIT
 * (10, then 0.1/s) and STRANGERS_GLOBAL_LIMIT (200, then 20/s, one bucket all strangers share).
 * Other bounds: the CYCLON view (VIEW_SIZE), entries per message (MAX_ENTRIES_PER_MESSAGE), and the
 * daemon's remote-qtables.json, bounded like the inbox (INBOX_MAX_TABLES).
 */
export const RATE_LIMIT_SENDERS = 10_000
/** Largest JSON value of one gossip entry, bytes: a 64-offer Q-table with environment fits. */
export const MAX_ENTRY_VALUE_BYTES = 256 * 1024
/** Entries sent in one anti-entropy reply; the rest follow in later rounds. */
export const MAX_ENTRIES_PER_MESSAGE = 64
/** Addresses in a contact record. */
export const MAX_CONTACT_ADDRS = 8
/** Protocol id of the gossip request/response protocol on libp2p. */
export const GOSSIP_PROTOCOL = '/dolly/gossip/1.0.0'
/** Protocol id of the ledger transport on libp2p. */
export const LEDGER_PROTOCOL = '/dolly/ledger/1.0.0'
/** libp2p protocol of tunnel link frames: one long-lived stream per peer pair (issue 16). */
export const TUNNEL_PROTOCOL = '/dolly/tunnels/1.0.0'
/** Tunnel payment memos between neighbours (one request, one answer per stream). */
export const TUNNEL_PAY_PROTOCOL = '/dolly/tunnel-pay/1.0.0'
/** Market messages between agents (issue 17: orders, cancels, matches, book and trade queries). */
export const MARKET_PROTOCOL = '/dolly/market/1.0.0'
/** Trade protocol messages between two traders (issue 17; one message, one ack per stream). */
export const TRADE_PROTOCOL = '/dolly/trade/1.0.0'
/** gossipsub topic of broadcast entries (the rumor-mongering fast path, ALGORITHMS.md §11.3). */
export const BROADCAST_TOPIC = '/dolly/entries/1'
