import { createHash } from 'node:crypto'

/**
 * The fingerprint of an error (AGENT.md §14 [fix]): `sha256(error type + top stack frame)`, hex. Two
 * reports with one fingerprint are one issue. The type is the error's code when it has one (a
 * DollyError's `LIFECYCLE_…`), else its name; the top frame is the first `at …` line of its stack,
 * without the column, so a rebuilt bundle that shifts a column does not open a new issue.
 */

/** What is fingerprinted of an error. */
export interface ErrorShape {
  /** The error's code, or its class name (`TypeError`), or the log event that reported it. */
  readonly type: string
  /** The stack trace text (may be empty: an error logged without one). */
  readonly stack: string
}

/** The first stack frame of `stack` (`at fn (file:line)`), column dropped; '' when it has none. */
export function topStackFrame(stack: string): string {
  for (const raw of stack.split('\n').slice(0, 200)) {
    const line = raw.trim()
    if (line.startsWith('at ')) return line.replace(/:(\d+):\d+(\)?)$/, ':$1$2')
  }
  return ''
}

/** `sha256(type + "\n" + top frame)` as 64 hex digits. */
export function errorFingerprint(error: ErrorShape): string {
  return createHash('sha256')
    .update(`${error.type}\n${topStackFrame(error.stack)}`)
    .digest('hex')
}

/** The type and stack of anything thrown: code, else name; the stack, else the message. */
export function shapeOf(err: unknown): ErrorShape & { readonly message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return {
      type: typeof code === 'string' && code !== '' ? code : err.name,
      stack: err.stack ?? `${err.name}: ${err.message}`,
      message: err.message,
    }
  }
  const message = typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err))
  return { type: 'NonError', stack: '', message }
}
