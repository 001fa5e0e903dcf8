import { EXIT, type ExitStatusMap } from './exit-status.ts'

/**
 * The base error class every package extends (STYLE.md §1.7): a stable string `code` callers branch
 * on, a human message that says what failed and what to do next, structured `details`, and the
 * wrapped `cause`.
 */
export class DollyError<Code extends string = string> extends Error {
  /** Stable, UPPER_SNAKE, package-prefixed; an API, unlike the message. */
  readonly code: Code
  /** Structured, JSON-safe context (bigints are allowed and are stringified by loggers). */
  readonly details: Readonly<Record<string, unknown>>

  constructor(
    code: Code,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.details = Object.freeze({ ...details })
  }

  /** A JSON-safe view for `--json` output and logs. */
  toJSON(): { name: string; code: Code; message: string; details: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, details: toJsonSafe(this.details) }
  }
}

/** Codes thrown by this package. */
export type BaseErrorCode =
  | 'BASE_INVALID_AMOUNT'
  | 'BASE_AMOUNT_TOO_PRECISE'
  | 'BASE_AMOUNT_OUT_OF_RANGE'
  | 'BASE_INVALID_OPTION'
  | 'BASE_ABORTED'
  | 'BASE_INI_MALFORMED'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input): every code is listed, so a new one needs a decision. */
export const BASE_EXIT_STATUS: ExitStatusMap<BaseErrorCode> = Object.freeze({
  BASE_INVALID_AMOUNT: EXIT.USAGE,
  BASE_AMOUNT_TOO_PRECISE: EXIT.USAGE,
  BASE_AMOUNT_OUT_OF_RANGE: EXIT.USAGE,
  BASE_INVALID_OPTION: EXIT.USAGE,
  BASE_ABORTED: EXIT.FAILURE,
  BASE_INI_MALFORMED: EXIT.USAGE,
})

/** Errors of `@dolly/base`. */
export class BaseError extends DollyError<BaseErrorCode> {}

/**
 * Reads the code of any error without `instanceof` (which breaks across duplicated packages,
 * STYLE.md §1.7). Returns undefined for anything that does not carry a string code.
 */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code
    return typeof code === 'string' ? code : undefined
  }
  return undefined
}

/** Deep-copies a value into JSON-safe form: bigints become decimal strings, errors their JSON view. */
export function toJsonSafe<T>(value: T): T extends bigint ? string : Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  ) as T extends bigint ? string : Record<string, unknown>
}
