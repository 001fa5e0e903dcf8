/**
 * Strict decoders for JSON documents on start-up-sensitive paths: a few combinators that check an
 * untrusted value against a shape and return it typed, or the first problems found with their
 * paths. The daemons validate with zod; `plebnet status` must print within 300 ms, and loading zod
 * (95 modules) took 60 ms of it, so the status document is described with these instead.
 *
 * Objects are strict (an unknown key is a problem), strings and arrays carry bounds, numbers are
 * finite. A decoder never throws on bad input; {@link Decoder.parse} throws a {@link DecodeError}
 * for callers that want the problems as an exception.
 */

/** One problem found in a value: where (`a.b.0`, empty for the root) and what. */
export interface DecodeIssue {
  readonly path: readonly (string | number)[]
  readonly message: string
}

/** How many problems a decode collects before it stops looking. */
const MAX_ISSUES = 10

/** A value that failed a decoder's {@link Decoder.parse}. */
export class DecodeError extends Error {
  readonly issues: readonly DecodeIssue[]
  constructor(issues: readonly DecodeIssue[]) {
    super(issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') || 'invalid value')
    this.name = 'DecodeError'
    this.issues = issues
  }
}

/** The result of {@link Decoder.check}. */
export type DecodeResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly DecodeIssue[] }

/** Checks an unknown value and returns it typed. */
export interface Decoder<T> {
  /** The value typed, or the problems (at most ten). */
  check(input: unknown): DecodeResult<T>
  /** The value typed; throws a {@link DecodeError} listing the problems. */
  parse(input: unknown): T
  /** @internal Walks `input`, pushing problems under `path`; returns the value to keep. */
  readonly run: (input: unknown, path: (string | number)[], issues: DecodeIssue[]) => T
  /** @internal Set on decoders made by {@link optional}: the key may be absent from its object. */
  readonly optional?: true
}

/** A decoder for an object key that may be absent (made by {@link optional}). */
export interface OptionalDecoder<T> extends Decoder<T | undefined> {
  readonly optional: true
}

/** The type a decoder produces. */
export type Infer<D> = D extends Decoder<infer T> ? T : never

type Run<T> = Decoder<T>['run']

function decoder<T>(run: Run<T>): Decoder<T> {
  return {
    run,
    check(input) {
      const issues: DecodeIssue[] = []
      const value = run(input, [], issues)
      return issues.length === 0 ? { ok: true, value } : { ok: false, issues }
    },
    parse(input) {
      const result = this.check(input)
      if (!result.ok) throw new DecodeError(result.issues)
      return result.value
    },
  }
}

function issue(issues: DecodeIssue[], path: readonly (string | number)[], message: string): void {
  if (issues.length < MAX_ISSUES) issues.push({ path: [...path], message })
}

const kindOf = (v: unknown): string =>
  v === undefined
    ? 'nothing (the key is required)'
    : v === null
      ? 'null'
      : Array.isArray(v)
        ? 'array'
        : typeof v

/** A string, optionally bounded in length and matched against a pattern. */
export function string(opts: { min?: number; max?: number; pattern?: RegExp } = {}): Decoder<string> {
  return decoder((input, path, issues) => {
    if (typeof input !== 'string') issue(issues, path, `expected a string, got ${kindOf(input)}`)
    else if (opts.min !== undefined && input.length < opts.min)
      issue(issues, path, `must have at least ${opts.min} characters`)
    else if (opts.max !== undefined && input.length > opts.max)
      issue(issues, path, `must have at most ${opts.max} characters`)
    else if (opts.pattern !== undefined && !opts.pattern.test(input))
      issue(issues, path, `does not match ${String(opts.pattern)}`)
    return input as string
  })
}

/** A finite number; `int` asks for a safe integer, `min` for a lower bound. */
export function number(opts: { int?: boolean; min?: number } = {}): Decoder<number> {
  return decoder((input, path, issues) => {
    if (typeof input !== 'number' || !Number.isFinite(input))
      issue(issues, path, `expected a finite number, got ${kindOf(input)}`)
    else if (opts.int === true && !Number.isSafeInteger(input)) issue(issues, path, 'expected an integer')
    else if (opts.min !== undefined && input < opts.min) issue(issues, path, `must be at least ${opts.min}`)
    return input as number
  })
}

/** A boolean. */
export function boolean(): Decoder<boolean> {
  return decoder((input, path, issues) => {
    if (typeof input !== 'boolean') issue(issues, path, `expected a boolean, got ${kindOf(input)}`)
    return input as boolean
  })
}

/** Exactly `value`. */
export function literal<const T extends string | number | boolean>(value: T): Decoder<T> {
  return decoder((input, path, issues) => {
    if (input !== value) issue(issues, path, `expected ${JSON.stringify(value)}`)
    return input as T
  })
}

/** One of `values`. */
export function oneOf<const T extends readonly (string | number)[]>(values: T): Decoder<T[number]> {
  return decoder((input, path, issues) => {
    if (!values.includes(input as T[number]))
      issue(issues, path, `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}`)
    return input as T[number]
  })
}

/** Anything (kept as is): a part whose owner decodes it later. The key must still be present. */
export function unknown(): Decoder<unknown> {
  return decoder((input) => input)
}

/** `inner` or null. */
export function nullable<T>(inner: Decoder<T>): Decoder<T | null> {
  return decoder((input, path, issues) => (input === null ? null : inner.run(input, path, issues)))
}

/** An object key that may be absent (or undefined); `inner` when present. */
export function optional<T>(inner: Decoder<T>): OptionalDecoder<T> {
  const made = decoder<T | undefined>((input, path, issues) =>
    input === undefined ? undefined : inner.run(input, path, issues),
  )
  return { ...made, optional: true }
}

/** An array of at most `max` items, each `item`. */
export function array<T>(item: Decoder<T>, opts: { max: number }): Decoder<T[]> {
  return decoder((input, path, issues) => {
    if (!Array.isArray(input)) {
      issue(issues, path, `expected an array, got ${kindOf(input)}`)
      return input as T[]
    }
    if (input.length > opts.max) {
      issue(issues, path, `must have at most ${opts.max} items`)
      return input as T[]
    }
    const out: T[] = []
    for (let i = 0; i < input.length && issues.length < MAX_ISSUES; i++) {
      path.push(i)
      out.push(item.run(input[i], path, issues))
      path.pop()
    }
    return out
  })
}

/** The shape of a strict object: one decoder per key. */
export type Shape = Readonly<Record<string, Decoder<unknown>>>

type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends { readonly optional: true } ? K : never
}[keyof S]

/** The object a shape decodes to (optional keys may be absent). */
export type ObjectOf<S extends Shape> = {
  [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]>
} & { [K in OptionalKeys<S>]?: Infer<S[K]> }

/** A plain object with exactly the keys of `shape` (the optional ones may be missing). */
export function strictObject<S extends Shape>(
  shape: S,
): Decoder<{ [K in keyof ObjectOf<S>]: ObjectOf<S>[K] }> {
  const keys = Object.keys(shape)
  return decoder((input, path, issues) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      issue(issues, path, `expected an object, got ${kindOf(input)}`)
      return input as never
    }
    const record = input as Record<string, unknown>
    for (const key of Object.keys(record)) {
      if (!Object.hasOwn(shape, key)) issue(issues, path, `unknown key ${JSON.stringify(key)}`)
    }
    const out: Record<string, unknown> = {}
    for (const key of keys) {
      const field = shape[key] as Decoder<unknown>
      const present = Object.hasOwn(record, key)
      if (!present && field.optional !== true) {
        issue(issues, [...path, key], 'required')
        continue
      }
      path.push(key)
      const value = field.run(present ? record[key] : undefined, path, issues)
      path.pop()
      if (value !== undefined || present) out[key] = value
    }
    return out as never
  })
}
