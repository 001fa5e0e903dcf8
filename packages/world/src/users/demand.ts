/**
 * The world users' demand model (issue 16, "World users"): when each user asks for content, which
 * file, over how many hops, and which users are free riders. Pure: every draw comes from the `Rng`
 * it is given, so a seeded one gives the same schedule on every machine.
 */
import type { Rng } from '@dolly/base'
import { WorldError } from '../errors.ts'

/** Hop counts a user may ask the proxy for (`plebnet proxy` serves one SOCKS port per count). */
export const HOP_COUNTS = [1, 2, 3] as const

/** A hop count the proxy serves. */
export type HopCount = (typeof HOP_COUNTS)[number]

/** A file the content server offers. */
export interface DemandFile {
  /** Name in the content server's URL space, e.g. `10MiB.bin`. */
  readonly name: string
  /** Size in bytes (positive). */
  readonly bytes: number
}

/** What drives one user's requests. */
export interface DemandOptions {
  /** Files to choose from (at least one, distinct sizes). */
  readonly files: readonly DemandFile[]
  /** Mean requests per real second (Poisson arrivals), in (0, 100]. */
  readonly ratePerSecond: number
  /**
   * Shape α of the bounded Pareto over sizes between the smallest and the largest file, in (0, 10]:
   * the smaller α, the heavier the tail (web object sizes measure around 1.1–1.5).
   */
  readonly paretoAlpha: number
  /** Relative weights of 1, 2 and 3 hops (non-negative, not all zero). */
  readonly hopWeights: readonly [number, number, number]
}

/** One planned request. */
export interface PlannedRequest {
  /** Real ms after the user's start when the request begins. */
  readonly atMs: number
  readonly file: DemandFile
  readonly hops: HopCount
}

/** Default shape of the size distribution: heavy-tailed like measured web object sizes. */
export const DEFAULT_PARETO_ALPHA = 1.2
/** Default hop weights: most users want the anonymity of three hops, as Tor's circuits have. */
export const DEFAULT_HOP_WEIGHTS: readonly [number, number, number] = [0.2, 0.3, 0.5]

function invalid(message: string, fields: Record<string, unknown>): never {
  throw new WorldError('WORLD_INVALID_OPTION', message, fields)
}

/** Checks `options`; throws `WORLD_INVALID_OPTION` naming the bad value. */
export function checkDemandOptions(options: DemandOptions): void {
  if (options.files.length === 0) invalid('the demand model needs at least one file', {})
  const sizes = new Set<number>()
  for (const f of options.files) {
    if (!Number.isSafeInteger(f.bytes) || f.bytes <= 0)
      invalid(`file ${f.name} must have a positive whole size, got ${f.bytes}`, { file: f.name })
    if (sizes.has(f.bytes)) invalid(`two files have the size ${f.bytes}`, { bytes: f.bytes })
    sizes.add(f.bytes)
  }
  const rate = options.ratePerSecond
  if (!Number.isFinite(rate) || rate <= 0 || rate > 100)
    invalid(`request rate must be in (0, 100] per second, got ${rate}`, { ratePerSecond: rate })
  const alpha = options.paretoAlpha
  if (!Number.isFinite(alpha) || alpha <= 0 || alpha > 10)
    invalid(`Pareto shape must be in (0, 10], got ${alpha}`, { paretoAlpha: alpha })
  const w = options.hopWeights
  if (w.some((x) => !Number.isFinite(x) || x < 0) || w.every((x) => x === 0))
    invalid(`hop weights must be non-negative and not all zero, got ${w.join(',')}`, { hopWeights: w })
}

/** A uniform float in (0, 1): never 0, so logarithms and negative powers stay finite. */
function openUnit(rng: Rng): number {
  for (let i = 0; i < 64; i++) {
    const u = rng.float()
    if (u > 0) return u
  }
  return Number.MIN_VALUE
}

/** An exponential inter-arrival time (ms) for a Poisson process of `ratePerSecond`. */
export function drawInterArrivalMs(rng: Rng, ratePerSecond: number): number {
  return (-Math.log(openUnit(rng)) / ratePerSecond) * 1000
}

/**
 * A draw from the bounded Pareto distribution on [low, high] with shape `alpha` (inverse CDF):
 * F(x) = (1 − (low/x)^α) / (1 − (low/high)^α).
 */
export function drawBoundedPareto(rng: Rng, low: number, high: number, alpha: number): number {
  if (!(low > 0 && high >= low)) invalid(`bounded Pareto needs 0 < low <= high, got ${low}, ${high}`, {})
  if (high === low) return low
  const u = openUnit(rng)
  const ratio = (low / high) ** alpha
  // x = low · (1 − u·(1 − (low/high)^α))^(−1/α)
  const x = low * (1 - u * (1 - ratio)) ** (-1 / alpha)
  return Math.min(high, Math.max(low, x))
}

/**
 * The file a size draw asks for: the smallest file at least as large as `size` (the largest file for
 * anything beyond it), so the files' request shares follow the distribution's mass between them.
 */
export function fileForSize(files: readonly DemandFile[], size: number): DemandFile {
  const sorted = [...files].sort((a, b) => a.bytes - b.bytes)
  const last = sorted[sorted.length - 1]
  if (last === undefined) return invalid('the demand model needs at least one file', {})
  return sorted.find((f) => f.bytes >= size) ?? last
}

/** Draws a hop count with `weights` (for 1, 2 and 3 hops). */
export function drawHops(rng: Rng, weights: readonly [number, number, number]): HopCount {
  const total = weights[0] + weights[1] + weights[2]
  let x = rng.float() * total
  for (let i = 0; i < HOP_COUNTS.length; i++) {
    x -= weights[i] ?? 0
    if (x < 0) return HOP_COUNTS[i] ?? 3
  }
  // Rounding can leave x ≥ 0 after the last weight: the last count with weight takes it.
  return weights[2] > 0 ? 3 : weights[1] > 0 ? 2 : 1
}

/** Draws the next request `afterMs` after the previous one began. */
export function drawRequest(rng: Rng, options: DemandOptions, afterMs: number): PlannedRequest {
  const sizes = options.files.map((f) => f.bytes)
  const atMs = afterMs + drawInterArrivalMs(rng, options.ratePerSecond)
  const size = drawBoundedPareto(rng, Math.min(...sizes), Math.max(...sizes), options.paretoAlpha)
  return { atMs, file: fileForSize(options.files, size), hops: drawHops(rng, options.hopWeights) }
}

/**
 * A user's schedule: every request that begins within `horizonMs` of the start, at most `maxRequests`
 * of them (a bound on the loop whatever the rate).
 */
export function planSchedule(
  rng: Rng,
  options: DemandOptions,
  horizonMs: number,
  maxRequests: number,
): PlannedRequest[] {
  checkDemandOptions(options)
  if (!Number.isFinite(horizonMs) || horizonMs < 0) invalid(`horizon must be >= 0 ms, got ${horizonMs}`, {})
  if (!Number.isSafeInteger(maxRequests) || maxRequests < 0)
    invalid(`request limit must be a whole number >= 0, got ${maxRequests}`, {})
  const out: PlannedRequest[] = []
  let at = 0
  while (out.length < maxRequests) {
    const next = drawRequest(rng, options, at)
    if (next.atMs > horizonMs) break
    out.push(next)
    at = next.atMs
  }
  return out
}

/**
 * Which of `users` users are free riders: exactly round(fraction · users) of them, chosen uniformly
 * (a partial Fisher–Yates shuffle). Returns a flag per user index.
 */
export function chooseFreeRiders(rng: Rng, users: number, fraction: number): boolean[] {
  if (!Number.isSafeInteger(users) || users < 0) invalid(`user count must be >= 0, got ${users}`, { users })
  if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1)
    invalid(`free-rider fraction must be in [0, 1], got ${fraction}`, { fraction })
  const count = Math.round(fraction * users)
  const order = Array.from({ length: users }, (_, i) => i)
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(users - i)
    const a = order[i] as number
    order[i] = order[j] as number
    order[j] = a
  }
  const flags = new Array<boolean>(users).fill(false)
  for (const i of order.slice(0, count)) flags[i] = true
  return flags
}
