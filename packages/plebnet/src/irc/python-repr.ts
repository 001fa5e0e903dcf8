/**
 * Python's `repr` of the values the original bot printed (AGENT.md §11 `!general` is a Python dict
 * repr, `!qtables` cells are `str(float)`), so trackers written for the original read ours. Pure.
 */

/** `repr(str)`: single quotes unless the text holds a `'` and no `"`; backslash escapes as Python 3. */
export function pyStr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0
    if (ch === '\\') out += '\\\\'
    else if (ch === quote) out += `\\${quote}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += ch
  }
  return out + quote
}

/** `repr(bool)`. */
export function pyBool(value: boolean): string {
  return value ? 'True' : 'False'
}

/**
 * `repr(float)` (= `str(float)` in Python 3): the shortest digits that round-trip (JavaScript's
 * too), written in exponent form when the exponent is below −4 or at least 16 (`1e-05`, `1e+16`),
 * else positionally with at least one decimal (`0.0`, `2.5`, `100.0`).
 */
export function pyFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan'
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf'
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0'
  const [mantissa = '0', expText = '0'] = value.toExponential().split('e')
  const exp = Number(expText)
  const sign = mantissa.startsWith('-') ? '-' : ''
  const digits = mantissa.replace('-', '').replace('.', '')
  if (exp < -4 || exp >= 16) {
    const m = digits.length === 1 ? digits : `${digits[0] ?? ''}.${digits.slice(1)}`
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0')
  const fraction = digits.slice(exp + 1)
  return `${sign}${whole}.${fraction === '' ? '0' : fraction}`
}
