import { errorCode, formatIni, iniName, parseIni, type IniSections } from '@dolly/base'
import { LifecycleError } from '../lifecycle/errors.ts'

/**
 * `plebnet_setup.cfg` (AGENT.md §4) in the project's one INI dialect (`@dolly/base` `parseIni`:
 * names case-insensitive, no `%` interpolation [fix], malformed lines refused), plus a line-keeping
 * editor for `plebnet conf setup`.
 */

export type { IniSections }

/**
 * Parses `plebnet_setup.cfg` text.
 *
 * @throws LifecycleError LIFECYCLE_CONFIG_INVALID (details `line`) for malformed INI
 */
export function parseIniText(text: string): IniSections {
  try {
    return parseIni(text)
  } catch (err) {
    if (errorCode(err) !== 'BASE_INI_MALFORMED') throw err
    const line = (err as { details?: { line?: unknown } }).details?.line
    throw new LifecycleError(
      'LIFECYCLE_CONFIG_INVALID',
      `plebnet_setup.cfg: ${(err as Error).message}; fix the file or rewrite it with plebnet conf setup`,
      { line },
      { cause: err },
    )
  }
}

/** Renders sections as INI text. */
export function formatIniText(sections: IniSections): string {
  return formatIni(sections)
}

/**
 * `text` with `[section] key` set to `value`: the existing line is replaced, else the key is added at
 * the end of its section (the section is created when absent). Comments and other lines are kept.
 * Names match by the dialect's case rule (`iniName`), as the reader does.
 */
export function setIniValue(text: string, section: string, key: string, value: string): string {
  const lines = text === '' ? [] : text.split(/\r?\n/)
  const want = iniName(section)
  const wantKey = iniName(key)
  let current = ''
  let lastInSection = -1
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    const header = /^\[(.+)\]$/.exec(line)
    if (header !== null) {
      current = iniName(header[1] ?? '')
      if (current === want) lastInSection = i
      continue
    }
    if (current !== want) continue
    if (line !== '') lastInSection = i
    const kv = /^([^=:]+)[=:]/.exec(line)
    if (kv !== null && !line.startsWith(';') && !line.startsWith('#') && iniName(kv[1] ?? '') === wantKey) {
      lines[i] = `${key} = ${value}`
      return lines.join('\n')
    }
  }
  if (lastInSection === -1) {
    while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop()
    return [...lines, ...(lines.length > 0 ? [''] : []), `[${section}]`, `${key} = ${value}`, ''].join('\n')
  }
  lines.splice(lastInSection + 1, 0, `${key} = ${value}`)
  return lines.join('\n')
}
