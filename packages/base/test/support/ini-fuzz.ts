/**
 * Fuzz cases for the project's one INI reader (`parseIni`, src/ini.ts) and the readers that wrap it
 * (plebnet's `parseIniText`, cloudomate's `parseIni`). Three kinds of case:
 * - well-formed files in every accepted spelling (comments, CRLF/CR/LF, a BOM, `:` separators,
 *   upper-case names, a section opened twice, values holding `=`, `:`, `[`, `;`): valid;
 * - the same files with one known fault injected (a key before any section, a line that is no
 *   `key = value`, a key given twice in any case, an empty key or section name, a broken header,
 *   text over MAX_INI_CHARS): invalid by construction;
 * - byte mutants and arbitrary text, judged by `referenceIni`, a second reading of the dialect
 *   written from its documented grammar (line regexes, not the reader's code), so a disagreement in
 *   either direction shows up as accepted-invalid or valid-refused.
 */
import fc from 'fast-check'
import { MAX_INI_CHARS, type IniSections } from '../../src/ini.ts'
import { anyText, mutateBytes, type FuzzCase } from './fuzz-harness.ts'

/** Sections → keys → values as a well-formed file means them (names lower-case). */
export type IniModel = ReadonlyMap<string, ReadonlyMap<string, string>>

const HEADER = /^\[([^[\]]*)\]$/
const KEY_VALUE = /^([^=:]*)[=:](.*)$/s

/**
 * The dialect's documented grammar (src/ini.ts): per line, after trimming, blank, `;`/`#` comment,
 * `[name]` (no brackets inside, name not blank), or `key = value` / `key: value` split at the first
 * `=` or `:`, inside a section, key not blank and not given before in that section in any case.
 * Undefined when the text is malformed.
 */
export function referenceIni(text: string): IniModel | undefined {
  if (text.length > MAX_INI_CHARS) return undefined
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text
  const out = new Map<string, Map<string, string>>()
  let current: Map<string, string> | undefined
  for (const raw of body.split(/\r\n|[\n\r]/)) {
    const line = raw.trim()
    if (line === '' || /^[;#]/.test(line)) continue
    const header = HEADER.exec(line)
    if (header !== null) {
      const name = (header[1] ?? '').trim().toLowerCase()
      if (name === '') return undefined
      current = out.get(name) ?? new Map<string, string>()
      out.set(name, current)
      continue
    }
    if (line.startsWith('[')) return undefined
    const kv = KEY_VALUE.exec(line)
    if (kv === null || current === undefined) return undefined
    const key = (kv[1] ?? '').trim().toLowerCase()
    if (key === '' || current.has(key)) return undefined
    current.set(key, (kv[2] ?? '').trim())
  }
  return out
}

/** Undefined when the reader's result equals `model`, else what differs. */
export function iniDiff(got: IniSections, model: IniModel): string | undefined {
  if (got.size !== model.size) return `${got.size} sections, expected ${model.size}`
  for (const [name, keys] of model) {
    const g = got.get(name)
    if (g === undefined) return `section [${name}] missing`
    if (g.size !== keys.size) return `[${name}] has ${g.size} keys, expected ${keys.size}`
    for (const [k, v] of keys)
      if (g.get(k) !== v) return `[${name}] ${k} = ${JSON.stringify(g.get(k))}, expected ${JSON.stringify(v)}`
  }
  return undefined
}

interface IniDoc {
  readonly text: string
  /** Header line index of each section (first opening), for injections. */
  readonly sections: readonly { readonly name: string; readonly keys: readonly string[] }[]
  readonly eol: string
}

const nameArb = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,15}$/)
const valueArb = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom('a=b', 'x:y', '[not a header]', '; not a comment', 'http://u:p@127.0.0.1:1', '%(x)s', ''),
  )
  .map((v) => v.replace(/[\r\n]/g, ' ').trim())

const docArb: fc.Arbitrary<IniDoc> = fc
  .record({
    sections: fc.uniqueArray(
      fc.tuple(nameArb, fc.uniqueArray(fc.tuple(nameArb, valueArb), { maxLength: 5, selector: ([k]) => k })),
      { minLength: 1, maxLength: 5, selector: ([s]) => s },
    ),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    colon: fc.boolean(),
    upper: fc.boolean(),
    bom: fc.boolean(),
    reopen: fc.boolean(),
    indent: fc.constantFrom('', '  ', '\t'),
  })
  .map(({ sections, eol, colon, upper, bom, reopen, indent }) => {
    const cased = (s: string): string => (upper ? s.toUpperCase() : s)
    const lines: string[] = ['; generated', '# comment', '']
    for (const [s, keys] of sections) {
      // A section opened twice is one section: its keys are split over both openings.
      const split = reopen ? Math.ceil(keys.length / 2) : keys.length
      lines.push(`${indent}[ ${cased(s)} ]${indent}`)
      for (const [k, v] of keys.slice(0, split)) lines.push(`${indent}${cased(k)} ${colon ? ':' : '='} ${v}`)
      lines.push('')
      if (split < keys.length) {
        lines.push(`[${s}]`)
        for (const [k, v] of keys.slice(split)) lines.push(`${k}=${v}`)
      }
    }
    return {
      text: (bom ? '\uFEFF' : '') + lines.join(eol),
      sections: sections.map(([name, keys]) => ({ name, keys: keys.map(([k]) => k) })),
      eol,
    }
  })

/** Known faults, each making a well-formed file malformed. */
function injections(doc: IniDoc): fc.Arbitrary<{ text: string; label: string }> {
  const { eol } = doc
  const withKeys = doc.sections.filter((s) => s.keys.length > 0)
  const arbs: fc.Arbitrary<{ text: string; label: string }>[] = [
    nameArb.map((k) => ({ text: `${k} = 1${eol}${doc.text}`, label: 'inject:key-before-section' })),
    fc
      .stringMatching(/^[a-z0-9 _.\-[]{1,20}$/)
      .filter((w) => w.trim() !== '' && !w.trim().startsWith('['))
      .map((w) => ({ text: `${doc.text}${eol}${w}${eol}`, label: 'inject:line-without-separator' })),
    fc.constantFrom('= 1', ' : x', '=').map((l) => ({
      text: `${doc.text}${eol}[${doc.sections[0]?.name ?? 'a'}]${eol}${l}`,
      label: 'inject:empty-key',
    })),
    fc.constantFrom('[]', '[  ]', '[a', '[a]b', '[a]]', '[[a]]', '[a] = 1', '[a] ; c').map((h) => ({
      text: `${doc.text}${eol}${h}${eol}`,
      label: 'inject:bad-header',
    })),
    fc.constant({ text: 'x'.repeat(MAX_INI_CHARS + 1), label: 'inject:oversized' }),
  ]
  if (withKeys.length > 0)
    arbs.push(
      fc
        .tuple(
          fc.constantFrom(...withKeys),
          fc.nat(),
          fc.constantFrom('lower', 'upper', 'mixed' as const),
          fc.boolean(),
        )
        .map(([s, i, casing, reopen]) => {
          const key = s.keys[i % s.keys.length] ?? ''
          const spelled =
            casing === 'lower'
              ? key
              : casing === 'upper'
                ? key.toUpperCase()
                : [...key].map((c, j) => (j % 2 === 0 ? c.toUpperCase() : c)).join('')
          // Given again in a second opening of its section, or in the same section at its end.
          const text = reopen
            ? `${doc.text}${eol}[${s.name.toUpperCase()}]${eol}${spelled} = other${eol}`
            : doc.text.replace(
                new RegExp(`(\\[ ?${s.name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')} ?\\][^\\r\\n]*)`, 'i'),
                `$1${eol}${spelled} = other`,
              )
          return { text, label: `inject:duplicate-key-${casing}` }
        }),
    )
  return fc.oneof(...arbs)
}

/** Cases of an INI reader; `valid` ones come with the model they mean (compare with `iniDiff`). */
export function iniCases(seed: number): fc.Arbitrary<FuzzCase<string>> {
  const docs = fc.sample(docArb, { numRuns: 48, seed })
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  const index = fc.nat({ max: docs.length - 1 })
  const doc = (i: number): IniDoc => docs[i] ?? docs[0]!
  // Built once per document: building arbitraries per case costs more than parsing.
  const injected = docs.map(injections)
  const mutants = docs.map((d) => mutateBytes(encoder.encode(d.text)))
  const judged = (text: string, label: string): FuzzCase<string> => ({
    input: text,
    expect: referenceIni(text) === undefined ? 'invalid' : 'valid',
    label,
  })
  return fc.oneof(
    { weight: 2, arbitrary: index.map((i) => judged(doc(i).text, 'valid')) },
    {
      weight: 3,
      arbitrary: index.chain((i) =>
        (injected[i] ?? injected[0]!).map((m): FuzzCase<string> => ({
          input: m.text,
          expect: 'invalid',
          label: m.label,
        })),
      ),
    },
    {
      weight: 4,
      arbitrary: index.chain((i) =>
        (mutants[i] ?? mutants[0]!).map((m) => judged(decoder.decode(m.value), m.label)),
      ),
    },
    { weight: 1, arbitrary: anyText.map((s) => judged(s, 'arbitrary')) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('[', '=', 'a', ' ', ';'))
        .map(([n, c]) => judged(`[s]${'\n'}${c.repeat(n)}${c === 'a' ? '=' : ''}`, 'long-line')),
    },
  )
}

/** The round-trip check of an INI surface: an accepted valid file must mean what the reference reads. */
export function iniRoundTrip(text: string, value: unknown): string | undefined {
  const model = referenceIni(text)
  return model === undefined ? 'the reference refuses it' : iniDiff(value as IniSections, model)
}
