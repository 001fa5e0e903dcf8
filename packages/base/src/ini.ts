import { BaseError } from './errors.ts'

/**
 * The one INI dialect of the project (`plebnet_setup.cfg`, AGENT.md §4; `cloudomate.cfg`,
 * CLOUDOMATE.md §10), with its case rules in one place: section and key names compare
 * case-insensitively (they are stored lower-cased, `iniName`), values are kept verbatim (trimmed),
 * `;`/`#` start a comment line, and there is no `%` interpolation. Malformed input is refused with
 * `BASE_INI_MALFORMED`, never skipped: a reader that skips what it does not understand disagrees with
 * one that does not, and that is how a `[wallets] Password =` slipped past a case-sensitive sanitiser
 * to a child (issue 14). Pure text in, maps out.
 */

/** Sections of key → value, names lower-cased, in file order. */
export type IniSections = ReadonlyMap<string, ReadonlyMap<string, string>>

/** The case rule: how a section or key name is compared and stored. */
export function iniName(name: string): string {
  return name.trim().toLowerCase()
}

/** Longest INI text read (UTF-16 code units): a config is a few KiB; this bounds work on hostile input. */
export const MAX_INI_CHARS = 1_000_000

function malformed(line: number, why: string, text: string): BaseError {
  return new BaseError('BASE_INI_MALFORMED', `line ${line}: ${why}`, {
    line,
    // A line may hold a secret (`password = …`): its length helps, its text does not belong in a log.
    length: text.length,
  })
}

/**
 * Parses INI text. A line is blank, a comment (`;` or `#` first), a header `[name]`, or
 * `key = value` / `key: value` (split at the first `=` or `:`) inside a section. A section named
 * twice is one section.
 *
 * @throws BaseError BASE_INI_MALFORMED (details `line`): a key outside any section, a line that is
 * none of the above, an empty section or key name, or a key given twice in a section (in any case:
 * `password` and `Password` are one key, so which one counts would be a guess)
 * @example parseIni('[Wallets]\nPassword = x').get('wallets')?.get('password') === 'x'
 */
export function parseIni(text: string): IniSections {
  if (text.length > MAX_INI_CHARS) {
    throw new BaseError(
      'BASE_INI_MALFORMED',
      `INI text has ${text.length} characters, at most ${MAX_INI_CHARS}`,
      {
        length: text.length,
      },
    )
  }
  const out = new Map<string, Map<string, string>>()
  let section: Map<string, string> | undefined
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    const at = i + 1
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue
    if (line.startsWith('[')) {
      if (!line.endsWith(']'))
        throw malformed(at, 'a section header must be "[name]" alone on its line', line)
      const name = iniName(line.slice(1, -1))
      if (name === '' || name.includes('[') || name.includes(']'))
        throw malformed(at, 'a section name must be non-empty and without brackets', line)
      section = out.get(name) ?? new Map<string, string>()
      out.set(name, section)
      continue
    }
    const eq = line.search(/[=:]/)
    if (eq === -1) throw malformed(at, 'expected "key = value", a "[section]" or a comment', line)
    const key = iniName(line.slice(0, eq))
    if (key === '') throw malformed(at, 'a key must not be empty', line)
    if (section === undefined) throw malformed(at, 'a key must come after a "[section]" header', line)
    if (section.has(key)) throw malformed(at, `key "${key}" is given twice in its section`, line)
    section.set(key, line.slice(eq + 1).trim())
  }
  return out
}

/** `[section] key` of parsed INI, by the case rule; undefined when absent. */
export function iniValue(ini: IniSections, section: string, key: string): string | undefined {
  return ini.get(iniName(section))?.get(iniName(key))
}

/** Renders sections as INI text (`[name]`, `key = value`, a blank line after each section). */
export function formatIni(sections: IniSections): string {
  const parts: string[] = []
  for (const [name, keys] of sections)
    parts.push(`[${name}]`, ...[...keys].map(([k, v]) => `${k} = ${v}`), '')
  return parts.join('\n')
}
