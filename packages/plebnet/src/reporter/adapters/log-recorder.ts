import { redactFields, type LogFields, type Logger, type LogLevel } from '@dolly/base'

/** An error-level entry, as the recorder hands it to its listener. */
export interface ErrorEntry {
  /** The component that logged it (its `component` binding, else the event's area). */
  readonly component: string
  readonly event: string
  /** What was thrown: the entry's `err`/`error` field when it is an Error, else an Error built from the entry. */
  readonly error: Error
}

/** A logger that keeps its latest lines (redacted) and hears every error-level entry. */
export interface LogRecorder {
  readonly log: Logger
  /** The latest lines, oldest first (at most the capacity). */
  lines(): readonly string[]
}

/** The Error an error-level entry stands for. */
function errorOf(event: string, fields: LogFields): Error {
  for (const key of ['err', 'error', 'cause']) {
    const value = fields[key]
    if (value instanceof Error) return value
  }
  const text = [fields['message'], fields['reason'], fields['error']].find((v) => typeof v === 'string')
  const err = new Error(typeof text === 'string' ? text : event)
  err.name = event
  // Logged, not thrown here: the recorder's own frames would be a false top frame.
  err.stack = ''
  const code = fields['code']
  if (typeof code === 'string') Object.assign(err, { code })
  return err
}

/**
 * Wraps `inner`: every entry goes on to it unchanged, and is kept as one redacted line
 * (`<ISO time> - <component> - <LEVEL> - <event> : <fields>`, AGENT.md §4's log format) in a ring of
 * `capacity` lines (debug entries are not kept) for error reports; every error-level entry is handed to `onError` (whose failures
 * are swallowed: reporting must never break logging).
 */
export function createLogRecorder(
  inner: Logger,
  options: {
    readonly capacity: number
    readonly nowMs: () => number
    readonly onError?: (entry: ErrorEntry) => void
  },
): LogRecorder {
  const ring: string[] = []
  const record = (level: LogLevel, bindings: LogFields, event: string, fields: LogFields): void => {
    const component =
      typeof bindings['component'] === 'string' ? bindings['component'] : (event.split('.')[0] ?? event)
    let json: string
    try {
      json = JSON.stringify(redactFields({ ...bindings, ...fields }))
    } catch {
      json = '{}'
    }
    ring.push(
      `${new Date(options.nowMs()).toISOString()} - ${component} - ${level.toUpperCase()} - ${event} : ${json}`,
    )
    if (ring.length > options.capacity) ring.splice(0, ring.length - options.capacity)
    if (level === 'error' && options.onError !== undefined) {
      try {
        options.onError({ component, event, error: errorOf(event, fields) })
      } catch {
        // The listener's own failure is not the logger's.
      }
    }
  }
  const wrap = (target: Logger, bindings: LogFields): Logger => {
    const at =
      (level: LogLevel) =>
      (event: string, fields: LogFields = {}): void => {
        target[level](event, fields)
        if (level !== 'debug') record(level, bindings, event, fields)
      }
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => wrap(target.child(more), { ...bindings, ...more }),
    }
  }
  return { log: wrap(inner, {}), lines: () => [...ring] }
}
