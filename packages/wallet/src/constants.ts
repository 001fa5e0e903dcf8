/**
 * Tunable defaults of the wallet. Each value states its unit and where it came from.
 */

/** BIP44 gap limit: stop scanning a chain after this many consecutive unused addresses (BIP44 "Address gap limit"). */
export const DEFAULT_GAP_LIMIT = 20

/** Fee floor in sat/kvB: Bitcoin Core's default `-minrelaytxfee` (0.00001 BTC/kvB), below which nodes do not relay. */
export const DEFAULT_MIN_FEE_RATE_SAT_PER_KVB = 1_000n

/**
 * Fee ceiling in sat/kvB: 200 sat/vB, CLOUDOMATE.md §7 `payment.max_fee_rate`. Above it the wallet refuses to
 * send rather than overpay.
 */
export const DEFAULT_MAX_FEE_RATE_SAT_PER_KVB = 200_000n

/** Rate used when the backend has no estimate (regtest, fresh node): Core's `-fallbackfee` is disabled by default on mainnet, so we pick 10 sat/vB. */
export const DEFAULT_FALLBACK_FEE_RATE_SAT_PER_KVB = 10_000n

/** Confirmation target in blocks for `estimatesmartfee` (Core's default `-txconfirmtarget` is 6). */
export const DEFAULT_CONFIRMATION_TARGET_BLOCKS = 6

/** A payment counts as settled after this many confirmations (one block: the world mines fast; raise on mainnet). */
export const DEFAULT_MIN_CONFIRMATIONS = 1

/** Refuse when the fee is above this share of the amount, in percent (CLOUDOMATE.md §15.7: 10 %). */
export const DEFAULT_MAX_FEE_PERCENT = 10n

/**
 * BIP125 opt-in replace-by-fee: any nSequence below 0xfffffffe signals replaceability; 0xfffffffd is what
 * Bitcoin Core uses, and it keeps nLockTime enforced.
 */
export const RBF_SEQUENCE = 0xfffffffd

/** Hardened index under the root where the family key tree (DESIGN.md §4) starts: ASCII "DF" (Dolly Family), outside every BIP43 purpose in use. */
export const FAMILY_PURPOSE_INDEX = 0x4446

/** BIP84 purpose index. */
export const BIP84_PURPOSE = 84

/** scrypt cost N for the keystore (2^15, the OWASP 2023 minimum for scrypt with r=8, p=1): about 0.1 s and 32 MiB. */
export const KEYSTORE_SCRYPT_N = 32_768
/** scrypt block size r. */
export const KEYSTORE_SCRYPT_R = 8
/** scrypt parallelism p. */
export const KEYSTORE_SCRYPT_P = 1
/** scrypt salt length in bytes (NIST SP 800-132 asks for at least 16). */
export const KEYSTORE_SALT_BYTES = 16
/** AES-GCM nonce length in bytes (NIST SP 800-38D recommends 96 bits). */
export const KEYSTORE_IV_BYTES = 12

/** Bounded polling for confirmations: default wait between polls in ms. */
export const DEFAULT_CONFIRMATION_POLL_MS = 1_000
