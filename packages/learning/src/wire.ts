import type { z } from 'zod'
import { DecisionError, type DecisionErrorCode } from './errors.ts'

/** Our wire formats carry at most this nesting depth; deeper input is refused before it is walked. */
const MAX_DEPTH = 8

/**
 * True when an own key `__proto__` occurs anywhere in parsed JSON. zod drops such keys silently, so
 * a strict wire format must look for them itself: a hostile table must be refused, not trimmed.
 */
export function hasProtoKey(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (depth > MAX_DEPTH) return true
  if (Object.hasOwn(value, '__proto__')) return true
  for (const v of Object.values(value)) if (hasProtoKey(v, depth + 1)) return true
  return false
}

/** The `version` field of an object, or undefined. */
export function versionOf(input: unknown): unknown {
  return typeof input === 'object' && input !== null && 'version' in input
    ? (input as { version: unknown }).version
    : undefined
}

/**
 * Parses `input` with a strict schema, turning every failure into one `DecisionError` with the zod
 * issues attached (STYLE.md §1.6): nothing is partially applied.
 */
export function parseWire<T>(schema: z.ZodType<T>, input: unknown, code: DecisionErrorCode, what: string): T {
  if (hasProtoKey(input)) {
    throw new DecisionError(code, `${what} is malformed: it carries a "__proto__" key or nests too deep`, {})
  }
  const result = schema.safeParse(input)
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 10)
      .map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
    const first = issues[0]
    throw new DecisionError(
      code,
      `${what} is malformed${first === undefined ? '' : ` at "${first.path}": ${first.message}`}; refuse it and keep the current state`,
      { issues },
    )
  }
  return result.data
}
