/**
 * The fuzz harness of the `slow` project (issue 14): runs one parser of untrusted bytes over
 * generated cases and sorts every outcome into crash / accepted-invalid / rejected-with-code /
 * accepted-valid. A case says what it expects (`valid`, `invalid`, or `any` when the generator cannot
 * tell); a parser "rejects with a code" either by returning `{ ok: false, code }` or by throwing an
 * error that carries a string `code` (a DollyError subclass, read with `errorCode`). Anything else it
 * throws, or a case slower than HANG_MS, is a crash.
 *
 * Seeded and reproducible: DOLLY_FUZZ_SEED (default FUZZ_SEED) and DOLLY_FUZZ_RUNS (default 100,000
 * per surface) are read by the test files, which are composition roots.
 */
import fc from 'fast-check'
import { errorCode } from '../../src/errors.ts'

/** Default seed of every surface (printed with each table, so a failure is replayed exactly). */
export const FUZZ_SEED = 0x14f022
/** Cases per surface the issue asks for. */
export const FUZZ_RUNS = 100_000
/**
 * A case that takes longer than this, ms, counts as a hang (a crash). Generous: the slowest case
 * (a 1 MiB envelope, 20,000-deep JSON) takes ~50 ms, and CI machines are shared.
 */
export const HANG_MS = 10_000

/** What a case expects from a correct parser. */
export type Expect = 'valid' | 'invalid' | 'any'

/** One generated input with its expectation and a label saying how it was made (for the report). */
export interface FuzzCase<I> {
  readonly input: I
  readonly expect: Expect
  readonly label: string
}

/** What the parser did with an input (a coded throw is turned into `{ ok: false }` by the harness). */
export type Verdict =
  | { readonly ok: true; readonly value?: unknown }
  /** `code: null`: refused without a code (a parser that answers `undefined`); counted apart. */
  | { readonly ok: false; readonly code: string | null }

/** One parser entry point and its case generator. */
export interface Surface<I> {
  readonly name: string
  readonly cases: fc.Arbitrary<FuzzCase<I>>
  /** Calls the real parser. */
  readonly parse: (input: I) => Verdict | Promise<Verdict>
  /** For an accepted valid case: undefined when it round-trips through the encoder, else the difference. */
  readonly roundTrip?: (input: I, value: unknown) => string | undefined
  /**
   * A canonical format (one encoding per value): every accepted input, not only the valid ones, must
   * round-trip, and one that does not counts as accepted-invalid.
   */
  readonly canonical?: boolean
}

/** Outcome classes; the last two are failures as much as crashes are. */
export type Outcome =
  | 'crash'
  | 'accepted-invalid'
  | 'rejected-with-code'
  | 'accepted-valid'
  | 'accepted-any'
  | 'valid-refused'
  | 'rejected-uncoded'

/** Counts of one surface's run, plus the first failing cases. */
export interface FuzzReport {
  readonly surface: string
  readonly seed: number
  readonly cases: number
  readonly counts: Readonly<Record<Outcome, number>>
  readonly codes: ReadonlyMap<string, number>
  readonly labels: ReadonlyMap<string, number>
  readonly failures: readonly string[]
  readonly ms: number
  /** CPU time of this process over the run, ms: what the run costs on an idle core. */
  readonly cpuMs: number
}

const MAX_FAILURES_KEPT = 5

/**
 * The code of a DollyError (read by shape, STYLE.md §1.7: a string `code` plus `details`). Node's own
 * errors carry codes too (`ERR_INVALID_URL`), but those are crashes of ours, not refusals.
 */
function dollyCode(err: unknown): string | undefined {
  const code = errorCode(err)
  const details = (err as { details?: unknown } | null)?.details
  return code !== undefined && typeof details === 'object' && details !== null ? code : undefined
}

/** Runs `surface` over `runs` cases drawn with `seed`. Never throws for a parser's misbehaviour: it counts it. */
export async function fuzzSurface<I>(
  surface: Surface<I>,
  options: { readonly runs: number; readonly seed: number },
): Promise<FuzzReport> {
  const counts: Record<Outcome, number> = {
    crash: 0,
    'accepted-invalid': 0,
    'rejected-with-code': 0,
    'accepted-valid': 0,
    'accepted-any': 0,
    'valid-refused': 0,
    'rejected-uncoded': 0,
  }
  const codes = new Map<string, number>()
  const labels = new Map<string, number>()
  const failures: string[] = []
  let index = 0
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  const record = (c: FuzzCase<I>, outcome: Outcome, detail: string): void => {
    counts[outcome]++
    if (outcome === 'crash' || outcome === 'accepted-invalid' || outcome === 'valid-refused') {
      if (failures.length < MAX_FAILURES_KEPT)
        failures.push(
          `#${index} ${outcome} [${c.label}] ${detail}\n    input: ${preview(c.input)}\n    replay: seed ${options.seed}, case ${index}`,
        )
    }
  }
  await fc.check(
    fc.asyncProperty(surface.cases, async (c) => {
      index++
      labels.set(c.label, (labels.get(c.label) ?? 0) + 1)
      const t0 = performance.now()
      let verdict: Verdict
      try {
        verdict = await surface.parse(c.input)
      } catch (err) {
        const code = dollyCode(err)
        if (code === undefined) {
          record(c, 'crash', `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
          return true
        }
        verdict = { ok: false, code }
      }
      const tookMs = performance.now() - t0
      if (tookMs > HANG_MS) {
        record(c, 'crash', `hung for ${Math.round(tookMs)} ms`)
        return true
      }
      if (!verdict.ok) {
        const code = verdict.code ?? '(no code)'
        codes.set(code, (codes.get(code) ?? 0) + 1)
        const outcome = verdict.code === null ? 'rejected-uncoded' : 'rejected-with-code'
        record(c, c.expect === 'valid' ? 'valid-refused' : outcome, `code ${code}`)
        return true
      }
      const diff =
        c.expect === 'valid' || surface.canonical === true
          ? surface.roundTrip?.(c.input, verdict.value)
          : undefined
      if (c.expect === 'invalid') record(c, 'accepted-invalid', 'accepted')
      else if (c.expect === 'any')
        record(
          c,
          diff === undefined ? 'accepted-any' : 'accepted-invalid',
          `accepted a non-canonical encoding: ${diff ?? ''}`,
        )
      else {
        record(
          c,
          diff === undefined ? 'accepted-valid' : 'valid-refused',
          `does not round-trip: ${diff ?? ''}`,
        )
      }
      return true
    }),
    { numRuns: options.runs, seed: options.seed },
  )
  return {
    surface: surface.name,
    seed: options.seed,
    cases: index,
    counts,
    codes,
    labels,
    failures,
    ms: Math.round(performance.now() - started),
    cpuMs: Math.round((process.cpuUsage(cpuStarted).user + process.cpuUsage(cpuStarted).system) / 1000),
  }
}

/** True when a report has no crash, no accepted-invalid and no refused or broken valid input. */
export function isClean(report: FuzzReport): boolean {
  return (
    report.counts.crash === 0 &&
    report.counts['accepted-invalid'] === 0 &&
    report.counts['valid-refused'] === 0
  )
}

/** The per-surface table the issue asks for. */
export function formatReports(reports: readonly FuzzReport[]): string {
  const head = [
    'surface',
    'cases',
    'crashes',
    'accepted-invalid',
    'rejected-with-code',
    'accepted-valid',
    'accepted-any',
    'valid-refused',
    'rejected-uncoded',
    'time',
    'cpu',
  ]
  const rows = reports.map((r) => [
    r.surface,
    String(r.cases),
    String(r.counts.crash),
    String(r.counts['accepted-invalid']),
    String(r.counts['rejected-with-code']),
    String(r.counts['accepted-valid']),
    String(r.counts['accepted-any']),
    String(r.counts['valid-refused']),
    String(r.counts['rejected-uncoded']),
    `${(r.ms / 1000).toFixed(1)} s`,
    `${(r.cpuMs / 1000).toFixed(1)} s`,
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
  const out = [line(head), ...rows.map(line)]
  for (const r of reports) {
    const top = [...r.codes].sort((a, b) => b[1] - a[1]).slice(0, 6)
    out.push(`  ${r.surface} (seed ${r.seed}) codes: ${top.map(([c, n]) => `${c} ${n}`).join(', ') || '-'}`)
    for (const f of r.failures) out.push(`  FAIL ${f}`)
  }
  return out.join('\n')
}

/** A short, printable view of an input (bytes as hex, strings and JSON truncated). */
export function preview(input: unknown, max = 400): string {
  let text: string
  if (input instanceof Uint8Array) text = `hex:${Buffer.from(input).toString('hex')}`
  else if (typeof input === 'string') text = JSON.stringify(input)
  else {
    try {
      text = JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(input)
    } catch (err) {
      text = `<unprintable: ${String(err)}>`
    }
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text
}

// ---- generic mutators ----

/** A labelled mutant of a valid input. */
export interface Mutant<T> {
  readonly value: T
  readonly label: string
}

/** Byte-level mutations: bit flip, byte set, truncation, deletion, insertion, duplication, appending. */
export function mutateBytes(original: Uint8Array): fc.Arbitrary<Mutant<Uint8Array>> {
  const n = original.byteLength
  const at = fc.nat({ max: Math.max(0, n - 1) })
  const splice = (start: number, drop: number, insert: Uint8Array): Uint8Array => {
    const out = new Uint8Array(n - drop + insert.byteLength)
    out.set(original.subarray(0, start), 0)
    out.set(insert, start)
    out.set(original.subarray(start + drop), start + insert.byteLength)
    return out
  }
  return fc.oneof(
    fc.tuple(at, fc.nat({ max: 7 })).map(([i, bit]) => {
      const out = new Uint8Array(original)
      out[i] = (out[i] ?? 0) ^ (1 << bit)
      return { value: out, label: 'bytes:bit-flip' }
    }),
    fc.tuple(at, fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const out = new Uint8Array(original)
      out[i] = b
      return { value: out, label: 'bytes:set-byte' }
    }),
    fc.nat({ max: Math.max(0, n - 1) }).map((len) => ({
      value: original.slice(0, len),
      label: 'bytes:truncate',
    })),
    fc.tuple(at, fc.integer({ min: 1, max: 16 })).map(([i, len]) => ({
      value: splice(i, Math.min(len, n - i), new Uint8Array(0)),
      label: 'bytes:delete',
    })),
    fc.tuple(fc.nat({ max: n }), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([i, ins]) => ({
      value: splice(Math.min(i, n), 0, ins),
      label: 'bytes:insert',
    })),
    fc.tuple(at, fc.integer({ min: 1, max: 64 })).map(([i, len]) => ({
      value: splice(i, 0, original.slice(i, i + len)),
      label: 'bytes:duplicate',
    })),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((tail) => ({
      value: splice(n, 0, tail),
      label: 'bytes:append',
    })),
  )
}

/** A path into a JSON value: object keys and array indexes. */
export type JsonPath = readonly (string | number)[]

/** Every path of `value` (the root included), objects and arrays walked. */
export function jsonPaths(value: unknown, prefix: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(prefix)
  if (Array.isArray(value)) value.forEach((v, i) => jsonPaths(v, [...prefix, i], out))
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) jsonPaths(v, [...prefix, k], out)
  return out
}

/** The JSON type of a value, for type swaps. */
export function jsonType(value: unknown): 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  const t = typeof value
  return t === 'boolean' || t === 'number' || t === 'string' ? t : 'object'
}

/** How a JSON mutant was made. */
export type JsonOp =
  | 'delete-key'
  | 'type-swap'
  | 'to-null'
  | 'huge-number'
  | 'unicode-string'
  | 'oversize-string'
  | 'deep-nesting'
  | 'unknown-key'
  | 'proto-key'
  | 'duplicate-element'
  | 'drop-element'

/** A JSON mutant: the new value, the op and the path it was applied at. */
export interface JsonMutant {
  readonly value: unknown
  readonly op: JsonOp
  readonly path: JsonPath
  /** The value replaced (undefined for a deletion or an added key). */
  readonly before: unknown
}

const SWAPS: Readonly<Record<string, readonly unknown[]>> = {
  null: [0, 'x', true, [], {}],
  boolean: [1, 'true', [], {}],
  number: ['1', true, [], {}],
  string: [1, true, [], {}, ['x']],
  array: [1, 'x', true, {}],
  object: [1, 'x', true, []],
}

function deepNest(depth: number): unknown {
  let v: unknown = 1
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { a: v }
  return v
}

function setAt(
  root: unknown,
  path: JsonPath,
  f: (parent: Record<string | number, unknown>, key: string | number) => void,
): unknown {
  const copy = structuredClone(root)
  if (path.length === 0) return copy
  let parent = copy as Record<string | number, unknown>
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>
  f(parent, path[path.length - 1] as string | number)
  return copy
}

/** Structure-aware mutations of a JSON value (one per mutant). */
export function mutateJson(original: unknown): fc.Arbitrary<JsonMutant> {
  const paths = jsonPaths(original)
  const inner = paths.filter((p) => p.length > 0)
  const containers = paths.filter((p) => {
    const v = get(original, p)
    return typeof v === 'object' && v !== null
  })
  const objects = containers.filter((p) => !Array.isArray(get(original, p)))
  const arrays = containers.filter(
    (p) => Array.isArray(get(original, p)) && (get(original, p) as unknown[]).length > 0,
  )
  const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs)
  const replace = (path: JsonPath, v: unknown): unknown =>
    path.length === 0 ? v : setAt(original, path, (parent, key) => (parent[key] = v))
  const arbs: fc.Arbitrary<JsonMutant>[] = []
  if (inner.length > 0) {
    arbs.push(
      pick(inner).chain((path) => {
        const before = get(original, path)
        return fc.constantFrom(...(SWAPS[jsonType(before)] ?? [1])).map((v) => ({
          value: replace(path, v),
          op: 'type-swap' as const,
          path,
          before,
        }))
      }),
      pick(inner).map((path) => ({
        value: replace(path, null),
        op: 'to-null' as const,
        path,
        before: get(original, path),
      })),
      fc
        .tuple(pick(inner), fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, -(2 ** 63), 1.5, -1, 0.1, -0))
        .map(([path, v]) => ({
          value: replace(path, v),
          op: 'huge-number' as const,
          path,
          before: get(original, path),
        })),
      fc
        .tuple(
          pick(inner),
          fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => `${s}\u00e9`),
        )
        .map(([path, s]) => ({
          value: replace(path, s),
          op: 'unicode-string' as const,
          path,
          before: get(original, path),
        })),
      fc
        // Mostly a few KB (over every per-field limit); sometimes past the 256 KiB entry limit.
        .tuple(
          pick(inner),
          fc.oneof(
            { weight: 9, arbitrary: fc.integer({ min: 2_000, max: 8_000 }) },
            { weight: 1, arbitrary: fc.integer({ min: 262_000, max: 300_000 }) },
          ),
        )
        .map(([path, len]) => ({
          value: replace(path, 'x'.repeat(len)),
          op: 'oversize-string' as const,
          path,
          before: get(original, path),
        })),
      fc.tuple(pick(inner), fc.integer({ min: 9, max: 1_000 })).map(([path, d]) => ({
        value: replace(path, deepNest(d)),
        op: 'deep-nesting' as const,
        path,
        before: get(original, path),
      })),
    )
    const keyed = inner.filter((p) => typeof p[p.length - 1] === 'string')
    if (keyed.length > 0)
      arbs.push(
        pick(keyed).map((path) => ({
          value: setAt(original, path, (parent, key) => delete parent[key]),
          op: 'delete-key' as const,
          path,
          before: undefined,
        })),
      )
  }
  if (objects.length > 0)
    arbs.push(
      fc.tuple(pick(objects), fc.constantFrom('__fuzz', '_x', 'Extra Key', 'é')).map(([path, key]) => ({
        value: addKey(original, path, key, 1),
        op: 'unknown-key' as const,
        path: [...path, key],
        before: undefined,
      })),
      pick(objects).map((path) => ({
        value: addKey(original, path, '__proto__', { polluted: true }),
        op: 'proto-key' as const,
        path: [...path, '__proto__'],
        before: undefined,
      })),
    )
  if (arrays.length > 0)
    arbs.push(
      pick(arrays).map((path) => ({
        value: replace(path, [
          ...(get(original, path) as unknown[]),
          ...(get(original, path) as unknown[]).slice(0, 1),
        ]),
        op: 'duplicate-element' as const,
        path,
        before: undefined,
      })),
      pick(arrays).map((path) => ({
        value: replace(path, (get(original, path) as unknown[]).slice(1)),
        op: 'drop-element' as const,
        path,
        before: undefined,
      })),
    )
  return fc.oneof(...arbs)
}

/** Adds an own key (JSON.parse semantics, so `__proto__` becomes an own key, not a prototype). */
function addKey(root: unknown, path: JsonPath, key: string, v: unknown): unknown {
  const copy = structuredClone(root)
  const target = (path.length === 0 ? copy : get(copy, path)) as Record<string, unknown>
  Object.defineProperty(target, key, { value: v, enumerable: true, writable: true, configurable: true })
  return copy
}

/** The value at `path`, or undefined. */
export function get(root: unknown, path: JsonPath): unknown {
  let v = root
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<string | number, unknown>)[k]
  }
  return v
}

/** Arbitrary JSON values, as a peer could send (including deep and wide ones). */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true }) },
)

/** Arbitrary bytes, mostly short, sometimes JSON text or UTF-8 of arbitrary strings. */
export const anyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 512 }) },
  {
    weight: 6,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => new TextEncoder().encode(JSON.stringify(v))),
  },
  {
    weight: 6,
    arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => new TextEncoder().encode(s)),
  },
  // Nesting deeper than a recursive walker's stack (JSON.stringify overflows near 5,000 in a worker).
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('[', '{"a":'), fc.integer({ min: 1_000, max: 20_000 }))
      .map(([open, depth]) =>
        new TextEncoder().encode(open.repeat(depth) + (open === '[' ? ']' : '}').repeat(depth)),
      ),
  },
)

/**
 * Arbitrary text: raw bytes read as UTF-8 (control characters, U+FFFD) or Unicode graphemes. Not
 * fc.string({ unit: 'binary' }), whose first use costs ~10 s of table building.
 */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => new TextDecoder().decode(b)),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
)

/** Canonical JSON text of a value (sorted keys), to compare values structurally. */
export function sameJson(a: unknown, b: unknown): boolean {
  try {
    return stable(a) === stable(b)
  } catch {
    // Too deep for JSON.stringify: our valid documents are shallow, so such a value is a different one.
    return false
  }
}

function stable(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
      const sorted = Object.create(null) as Record<string, unknown>
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k]
      return sorted
    }) ?? 'undefined'
  )
}

/** Byte-level mutants of a JSON document's text, with the parsed mutant (undefined when it no longer parses). */
export function mutateJsonText(
  original: unknown,
): fc.Arbitrary<Mutant<Uint8Array> & { text: string; parsed: unknown; parses: boolean }> {
  const bytes = new TextEncoder().encode(JSON.stringify(original))
  // Lossy decoding, as a parser of text would see the bytes: U+FFFD inside a JSON string still parses.
  const decoder = new TextDecoder('utf-8')
  return mutateBytes(bytes).map((m) => {
    const text = decoder.decode(m.value)
    try {
      return { ...m, text, parsed: JSON.parse(text) as unknown, parses: true }
    } catch {
      return { ...m, text, parsed: undefined, parses: false }
    }
  })
}

/** Reads DOLLY_FUZZ_RUNS / DOLLY_FUZZ_SEED from an environment (the test file passes process.env). */
export function fuzzSettings(env: Readonly<Record<string, string | undefined>>): {
  runs: number
  seed: number
} {
  const runs = Number(env['DOLLY_FUZZ_RUNS'] ?? FUZZ_RUNS)
  const seed = Number(env['DOLLY_FUZZ_SEED'] ?? FUZZ_SEED)
  if (!Number.isSafeInteger(runs) || runs < 1)
    throw new Error(`DOLLY_FUZZ_RUNS must be a positive integer, got ${String(env['DOLLY_FUZZ_RUNS'])}`)
  if (!Number.isSafeInteger(seed))
    throw new Error(`DOLLY_FUZZ_SEED must be an integer, got ${String(env['DOLLY_FUZZ_SEED'])}`)
  return { runs, seed }
}

/** How a surface judges a structural mutant of one of its valid documents (sameJson ones are valid already). */
export type JsonOracle = (mutant: JsonMutant, original: unknown) => Expect

/**
 * Cases for a parser of JSON values: valid documents from `pool`, structural mutants judged by
 * `oracle`, byte-level mutants of their text (`textChanged` when it still parses but differs; a
 * string input, always invalid, when it no longer parses) and arbitrary values (`arbitrary`).
 */
export function jsonCases(
  pool: readonly unknown[],
  oracle: JsonOracle,
  expects: { readonly textChanged: Expect; readonly arbitrary: Expect },
): fc.Arbitrary<FuzzCase<unknown>> {
  const structural = pool.map((o) =>
    mutateJson(o).map((m): FuzzCase<unknown> => ({
      input: m.value,
      // A null swapped for a value may fill a nullable field: that says nothing about the parser.
      expect: sameJson(m.value, o)
        ? 'valid'
        : m.op === 'type-swap' && m.before === null
          ? 'any'
          : oracle(m, o),
      label: `json:${m.op}@${m.path.join('.')}`,
    })),
  )
  const textual = pool.map((o) =>
    mutateJsonText(o).map((m): FuzzCase<unknown> =>
      m.parses
        ? { input: m.parsed, expect: sameJson(m.parsed, o) ? 'valid' : expects.textChanged, label: m.label }
        : { input: m.text, expect: 'invalid', label: `${m.label}(not JSON)` },
    ),
  )
  const index = fc.nat({ max: pool.length - 1 })
  return fc.oneof(
    {
      weight: 2,
      arbitrary: index.map((i): FuzzCase<unknown> => ({
        input: structuredClone(pool[i]),
        expect: 'valid',
        label: 'valid',
      })),
    },
    { weight: 6, arbitrary: index.chain((i) => structural[i] as fc.Arbitrary<FuzzCase<unknown>>) },
    { weight: 2, arbitrary: index.chain((i) => textual[i] as fc.Arbitrary<FuzzCase<unknown>>) },
    {
      weight: 1,
      arbitrary: anyJson.map((v): FuzzCase<unknown> => ({
        input: v,
        expect: expects.arbitrary,
        label: 'arbitrary',
      })),
    },
  )
}

/** Runs a parser that throws coded errors and returns the parsed value. */
export function throwing<I>(parse: (input: I) => unknown): (input: I) => Verdict {
  return (input) => ({ ok: true, value: parse(input) })
}

/** Whether `path` starts with `prefix`. */
export function under(path: JsonPath, ...prefix: JsonPath): boolean {
  return prefix.every((k, i) => path[i] === k)
}

/** The value a mutant put at its path. */
export function newValue(m: JsonMutant): unknown {
  return get(m.value, m.path)
}

/** A surface with its input type erased, so one suite can list surfaces of different inputs. */
export interface SurfaceEntry {
  readonly name: string
  /** Share of DOLLY_FUZZ_RUNS this surface runs (1 but for documented slow parsers). */
  readonly share: number
  readonly run: (options: { readonly runs: number; readonly seed: number }) => Promise<FuzzReport>
}

/** Wraps a surface factory for a suite's list. */
export function entry<I>(make: () => Surface<I>, share = 1): SurfaceEntry {
  return { name: make.name, share, run: (options) => fuzzSurface(make(), options) }
}
