/**
 * The INI dialect of `plebnet_setup.cfg` (AGENT.md §4): `[section]`, `key = value`, `;`/`#`
 * comments, no `%` interpolation [fix]; section and key names compare case-insensitively and
 * unknown keys are kept. Pure text in, maps out.
 */

/** Sections of key → value, in file order. */
export type IniSections = ReadonlyMap<string, ReadonlyMap<string, string>>

/** Parses INI text; a line outside any section or without `=`/`:` is ignored (kept by {@link setIniValue}). */
export function parseIniText(text: string): IniSections {
  const out = new Map<string, Map<string, string>>()
  let section: Map<string, string> | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header !== null) {
      const name = (header[1] ?? '').trim().toLowerCase()
      section = out.get(name) ?? new Map<string, string>()
      out.set(name, section)
      continue
    }
    const kv = /^([^=:]+)[=:](.*)$/.exec(line)
    if (kv !== null && section !== undefined)
      section.set((kv[1] ?? '').trim().toLowerCase(), (kv[2] ?? '').trim())
  }
  return out
}

/** Renders sections as INI text. */
export function formatIniText(sections: IniSections): string {
  const parts: string[] = []
  for (const [name, keys] of sections) {
    parts.push(`[${name}]`, ...[...keys].map(([k, v]) => `${k} = ${v}`), '')
  }
  return parts.join('\n')
}

/**
 * `text` with `[section] key` set to `value`: the existing line is replaced, else the key is added at
 * the end of its section (the section is created when absent). Comments and other lines are kept.
 */
export function setIniValue(text: string, section: string, key: string, value: string): string {
  const lines = text === '' ? [] : text.split(/\r?\n/)
  const want = section.toLowerCase()
  let current = ''
  let lastInSection = -1
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    const header = /^\[(.+)\]$/.exec(line)
    if (header !== null) {
      current = (header[1] ?? '').trim().toLowerCase()
      if (current === want) lastInSection = i
      continue
    }
    if (current !== want) continue
    if (line !== '') lastInSection = i
    const kv = /^([^=:]+)[=:]/.exec(line)
    if (kv !== null && (kv[1] ?? '').trim().toLowerCase() === key.toLowerCase()) {
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
