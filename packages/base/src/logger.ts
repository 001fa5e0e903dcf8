import { isSecretFieldName, REDACTED, scrubSecrets } from './redact.ts'

/** JSON-safe fields of a log entry; bigints are allowed and are written as decimal strings. */
export type LogFields = Readonly<Record<string, unknown>>

/** Log levels (STYLE.md §1.8). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/**
 * The logging port (STYLE.md §1.8): an event name in lower-case `area.event` form plus fields.
 * Components receive a child with their bound fields.
 */
export interface Logger {
  debug(event: string, fields?: LogFields): void
  info(event: string, fields?: LogFields): void
  warn(event: string, fields?: LogFields): void
  error(event: string, fields?: LogFields): void
  /** A logger that adds `bindings` to every entry. */
  child(bindings: LogFields): Logger
}

export { REDACTED } from './redact.ts'

/**
 * Returns a JSON-safe copy of `fields` with secret-named keys (by normalised name, redact.ts
 * `isSecretFieldName`) replaced by `[redacted]` at any depth, secrets embedded in strings scrubbed
 * (URL userinfo, `password=…`, credential headers; `scrubSecrets`), errors reduced to their name,
 * code, scrubbed message, details and cause, and bigints written as decimal strings: the second line
 * of defence behind "never log secrets".
 */
export function redactFields(fields: LogFields): Record<string, unknown> {
  const seen = new WeakSet<object>()
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'bigint') return value.toString()
    if (typeof value === 'string') return scrubSecrets(value)
    if (value instanceof Uint8Array) return `<${value.length} bytes>`
    if (typeof value !== 'object' || value === null) return value
    if (seen.has(value) || depth > 8) return '[…]'
    seen.add(value)
    if (value instanceof Error) {
      const { code, details } = value as { code?: unknown; details?: unknown }
      return {
        name: value.name,
        message: scrubSecrets(value.message),
        ...(typeof code === 'string' ? { code } : {}),
        ...(typeof details === 'object' && details !== null ? { details: walk(details, depth + 1) } : {}),
        ...(value.cause === undefined ? {} : { cause: walk(value.cause, depth + 1) }),
      }
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1))
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = isSecretFieldName(k) ? REDACTED : walk(v, depth + 1)
    return out
  }
  return walk(fields, 0) as Record<string, unknown>
}

/** One recorded entry of a memory logger. */
export interface LogEntry {
  readonly level: LogLevel
  readonly event: string
  readonly timeMs: number
  readonly fields: Record<string, unknown>
}

/** A logger that keeps entries in memory (already redacted): for tests and the simulator. */
export interface MemoryLogger extends Logger {
  readonly entries: readonly LogEntry[]
}

/** Creates a memory logger whose timestamps come from `nowMs` (a Clock's). */
export function createMemoryLogger(nowMs: () => number = () => 0): MemoryLogger {
  const entries: LogEntry[] = []
  const make = (bindings: LogFields): Logger => {
    const log =
      (level: LogLevel) =>
      (event: string, fields: LogFields = {}): void => {
        entries.push({ level, event, timeMs: nowMs(), fields: redactFields({ ...bindings, ...fields }) })
      }
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (more) => make({ ...bindings, ...more }),
    }
  }
  return Object.assign(make({}), { entries })
}

/** A logger that drops everything. */
export function createNullLogger(): Logger {
  const nop = (): void => {}
  const logger: Logger = { debug: nop, info: nop, warn: nop, error: nop, child: () => logger }
  return logger
}
