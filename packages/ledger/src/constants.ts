/**
 * Sizes and settings of the TrustChain ledger. Sources: ALGORITHMS.md §8 (py-ipv8@c0a6f85
 * `ipv8/attestation/trustchain/{block,settings}.py`) and §9 (tribler_bandwidth).
 */

/**
 * Raw Ed25519 public key, bytes. py-ipv8 packs 74-byte `LibNaCLPK:` keys (a Curve25519 key plus an
 * Ed25519 key); our identity is one Ed25519 key (DESIGN.md §4), so the key field is its 32 raw bytes.
 */
export const PUBLIC_KEY_BYTES = 32
/** SHA-256 digest, bytes. */
export const HASH_BYTES = 32
/** Ed25519 signature, bytes. */
export const SIGNATURE_BYTES = 64
/** `EMPTY_PK`: the key field filled with ASCII '0' (0x30), py-ipv8's convention, at our key size. */
export const EMPTY_PK: Uint8Array = new Uint8Array(PUBLIC_KEY_BYTES).fill(0x30)
/** `ANY_COUNTERPARTY`: a proposal anybody may countersign (py-ipv8 `ANY_COUNTERPARTY_PK = EMPTY_PK`). */
export const ANY_COUNTERPARTY_PK: Uint8Array = EMPTY_PK
/** `EMPTY_SIG`: 64 × ASCII '0', the signature field while the block is being signed. */
export const EMPTY_SIG: Uint8Array = new Uint8Array(SIGNATURE_BYTES).fill(0x30)
/** `GENESIS_HASH`: 32 × ASCII '0', the previous hash of a chain's first block. */
export const GENESIS_HASH: Uint8Array = new Uint8Array(HASH_BYTES).fill(0x30)
/** Sequence number of a chain's first block. */
export const GENESIS_SEQ = 1
/** link_sequence_number of a proposal: the agreement's seq is not known yet. */
export const UNKNOWN_SEQ = 0
/** Largest sequence number (the wire field is a uint32). */
export const MAX_SEQ = 0xffff_ffff

/** Longest block type name, bytes; ours are short ASCII names such as `tribler_bandwidth`. */
export const MAX_TYPE_BYTES = 64
/**
 * Longest transaction, bytes. The wire length prefix allows 65,535; a bandwidth transaction needs
 * about 60, so 4 KiB leaves room for other types while bounding what a peer can make us store.
 */
export const MAX_TRANSACTION_BYTES = 4096
/** Fixed part of an encoded block: keys, seqs, hash, signature, two length prefixes, timestamp. */
export const FIXED_BLOCK_BYTES = PUBLIC_KEY_BYTES * 2 + 4 * 2 + HASH_BYTES + SIGNATURE_BYTES + 2 * 2 + 8
/** Largest encoded block, bytes; anything longer is rejected before parsing. */
export const MAX_BLOCK_BYTES = FIXED_BLOCK_BYTES + MAX_TYPE_BYTES + MAX_TRANSACTION_BYTES

/** py-ipv8 `validation_range`: prior blocks of the proposer fetched before countersigning. */
export const VALIDATION_RANGE = 5
/** py-ipv8 `max_db_blocks`: the store prunes other agents' blocks above this count. */
export const MAX_DB_BLOCKS = 1_000_000
/** Fraud proofs kept at most (each is two blocks); the oldest go first. Our choice: ~80 MB worst case. */
export const MAX_FRAUD_PROOFS = 10_000
/** Most blocks in one crawl reply (ALGORITHMS.md §8, py-ipv8 trustchain.rst). */
export const MAX_CRAWL_BLOCKS = 100
/** Most crawl requests one `crawlChain` call sends: 1,000 × 100 blocks bounds a full-chain crawl. */
export const MAX_CRAWL_REQUESTS = 1000
/** py-ipv8 `sign_attempt_delay`: a proposal is re-sent after this long without an answer, ms. */
export const SIGN_ATTEMPT_DELAY_MS = 10_000
/** py-ipv8 `sign_timeout`: a counterparty that has not agreed within this long has failed, ms. */
export const SIGN_TIMEOUT_MS = 360_000
/** Crawl request timeout, ms: our choice, one sign attempt's delay (py-ipv8 uses its request cache's 10 s). */
export const CRAWL_TIMEOUT_MS = 10_000

/**
 * How long an expectation ("peer P may propose up to X/Y bytes") stays claimable, ms, by default.
 * Our choice: room for a long circuit or trade plus the payout after it (py-ipv8's 360 s sign
 * timeout), while a forgotten expectation does not linger; callers pass their own `ttlMs`.
 */
export const EXPECTATION_TTL_MS = 3_600_000
/** Outstanding expectations kept at most (all peers). Our choice: a few hundred bytes each, so a few MB at most. */
export const MAX_EXPECTATIONS = 10_000
/** Outstanding expectations of one peer at most (one per circuit or trade with it). Our choice. */
export const MAX_EXPECTATIONS_PER_PEER = 64

/**
 * Ledger requests one peer may send, per second, sustained. Our choice: an honest counterparty sends
 * one proposal per sign attempt (every 10 s, py-ipv8 `sign_attempt_delay`) and a few crawls of ≤ 100
 * blocks before it; 5/s leaves room for a chain crawl of 30,000 blocks a minute.
 */
export const PEER_REQUESTS_PER_S = 5
/** Requests one peer may send at once before its rate applies (token bucket depth). Our choice. */
export const PEER_REQUEST_BURST = 50
/**
 * Requests per second from all peers we expect nothing of ("strangers"), together. Our choice: a
 * stranger's proposal is refused after a lookup, a crawl costs a range read and ≤ 100 blocks; 20/s
 * caps what strangers can make us serve at 20 × CRAWL_REPLY_BYTES_PER_TOKEN ≈ 320 KiB/s.
 */
export const STRANGER_REQUESTS_PER_S = 20
/** Stranger requests accepted at once before their shared rate applies. Our choice. */
export const STRANGER_REQUEST_BURST = 100
/**
 * Peers whose request bucket is remembered (least recently seen forgotten first). Bounds the
 * limiter's memory: an entry is a 64-character key plus two numbers, under 256 bytes, so < 1 MiB.
 * A forgotten peer starts again with a full bucket; strangers still share STRANGER_REQUESTS_PER_S.
 */
export const RATE_LIMITER_MAX_PEERS = 4096
/**
 * Crawl reply bytes one request token pays for: a reply costs one token plus one per 16 KiB
 * (a 100-block bandwidth reply is ~30 KiB: 2 more), so the bytes served follow the request rate.
 */
export const CRAWL_REPLY_BYTES_PER_TOKEN = 16_384

/** Block type of bandwidth transactions (Tribler 2017–2020). */
export const BANDWIDTH_TYPE = 'tribler_bandwidth'
/** Bytes in one MB token (MiB, ALGORITHMS.md §9.1). */
export const BYTES_PER_MB = 1n << 20n
/** Smallest bandwidth transfer or payout, bytes (1 MiB, ALGORITHMS.md §9.1). */
export const MIN_TRANSACTION_BYTES = BYTES_PER_MB
/** Largest value of a uint64 transaction field. */
export const MAX_UINT64 = (1n << 64n) - 1n
