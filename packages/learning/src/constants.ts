/**
 * Constants of QD-learning, the reward and offer choice (ALGORITHMS.md §2.1, §3, §4) and of the
 * genome (ALGORITHMS.md §6, AGENT.md §7). Values are the spec's; units are in the names.
 */

/** Environment step on the attempted column: + on success, − on failure (ALGORITHMS.md §2.1). */
export const ENVIRONMENT_STEP = 0.4

/** Discount γ of the next state's best value (ALGORITHMS.md §2.1). */
export const DISCOUNT = 0.05

/** α starts here and falls by `SCHEDULE_STEP` per completed column update (README "own variation"). */
export const ALPHA_START = 0.8

/** α never falls below this floor, so learning keeps tracking non-stationary prices. */
export const ALPHA_FLOOR = 0.2

/** β starts here and rises by `SCHEDULE_STEP` per completed column update. */
export const BETA_START = 0.2

/** β never rises above this cap. */
export const BETA_CAP = 0.8

/** Per-update change of α and β: 0.8 − 0.012·50 = 0.2, so the schedule ends after 50 updates. */
export const SCHEDULE_STEP = 0.012

/** Production trim F: drop the F highest and F lowest remote values per cell (`qd.trim_f`). */
export const DEFAULT_TRIM_F = 1

/** At most this many remote tables are merged per update (`qd.max_remotes`). */
export const DEFAULT_MAX_REMOTES = 8

/** Upper clamp of the reward (`qd.reward_cap`). */
export const DEFAULT_REWARD_CAP = 1

/** The original's `average_MB_tokens_per_day`, "estimated from previous reports" (plebnet/agent/core.py). */
export const AVERAGE_MB_PER_DAY = 10_000

/** Milliseconds per day. */
export const MS_PER_DAY = 86_400_000

/**
 * Largest |value| a serialized Q or E cell may carry. E grows by at most 1.4 per update, so a real
 * table stays far below this; anything above is hostile or corrupt.
 */
export const MAX_ABS_TABLE_VALUE = 1e6

/**
 * Longest provider or plan name the agent keeps, in UTF-16 code units. Shops print what they like
 * (brackets, colons, commas, any script), so names are not restricted by grammar, only bounded: a DoS
 * guard on hand-over and gossip, and well above the 500-character names of issue 14's audit.
 */
export const MAX_OFFER_NAME_CHARS = 1024

/**
 * Longest offer id (`lower(provider) + "_" + lower(option)`, ALGORITHMS.md §1): lower-casing can
 * double a name's code units ('İ' becomes 'i̇'), so two names give at most 4 × the name bound + 1.
 */
export const MAX_OFFER_ID_CHARS = 4 * MAX_OFFER_NAME_CHARS + 1

/** Largest number of offers a serialized table may list (a DoS guard on hand-over and gossip). */
export const MAX_OFFERS = 512

/** Largest per-column update counter a serialized table may carry. */
export const MAX_COUNTER = 1e9

/** Genome provider-weight step (`genome.rate`, plebnet/agent/dna.py). */
export const DEFAULT_GENOME_RATE = 0.005

/** Initial provider weight (plebnet/agent/dna.py). */
export const INITIAL_PROVIDER_WEIGHT = 0.5

/** Probability that a discrete gene flips or steps at inheritance (`genome.gene_flip_p`). */
export const DEFAULT_GENE_FLIP_P = 0.05

/** A configured flip probability above this is refused: inheritance must stay mostly faithful. */
export const MAX_GENE_FLIP_P = 0.5

/** Largest provider weight a serialized genome may carry (INSTALL.rst uses 5000 to force one). */
export const MAX_PROVIDER_WEIGHT = 1e9

/** Allowed `minMemoryGB` steps of the preferred-server gene (AGENT.md §7). */
export const MEMORY_STEPS_GB = [0.5, 1, 2, 4] as const

/** Allowed `minCores` steps of the preferred-server gene. */
export const CORE_STEPS = [1, 2, 4, 8] as const

/** Allowed `minBandwidthGB` (monthly traffic) steps; 0 means "no preference". */
export const BANDWIDTH_STEPS_GB = [0, 500, 1000, 2000] as const

/** Dowry bounds in basis points of the balance: a parent never gives away more than half. */
export const MAX_DOWRY_BPS = 5000

/** Dowry mutation step in basis points. */
export const DOWRY_STEP_BPS = 500

/** SMA window bounds in days for the sell-strategy gene; 30 is the README value. */
export const SMA_WINDOW_DAYS_RANGE = [3, 60] as const

/** SMA window mutation step in days. */
export const SMA_WINDOW_STEP_DAYS = 5
