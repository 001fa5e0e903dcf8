/**
 * A small XML well-formedness check (no DTDs, no namespaces checked), enough to prove that the
 * report's SVG files and its XHTML-compatible page parse: one root element, tags nested and closed,
 * attributes quoted and unique, `<` and `&` only as markup or references, no forbidden characters.
 */

/** Outcome of {@link checkWellFormed}: the root and every element name in document order, or where it breaks. */
export type WellFormed =
  | { readonly ok: true; readonly root: string; readonly elements: readonly string[] }
  | { readonly ok: false; readonly reason: string; readonly offset: number }

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y
const SPACE = /[ \t\r\n]*/y
const ATTRIBUTE = /([A-Za-z_:][A-Za-z0-9_:.-]*)[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')/y
const REFERENCE = /&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/y
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/

/**
 * Whether `text` is a well-formed XML document.
 *
 * @example checkWellFormed('<a><b/></a>') // { ok: true, root: 'a', elements: ['a', 'b'] }
 */
export function checkWellFormed(text: string): WellFormed {
  const fail = (reason: string, offset: number): WellFormed => ({ ok: false, reason, offset })
  const bad = FORBIDDEN.exec(text)
  if (bad) return fail(`forbidden character U+${(bad[0].codePointAt(0) ?? 0).toString(16)}`, bad.index)
  const stack: string[] = []
  const elements: string[] = []
  let root = ''
  let i = 0
  while (i < text.length) {
    const lt = text.indexOf('<', i)
    const end = lt < 0 ? text.length : lt
    const chunk = checkText(text, i, end)
    if (chunk !== undefined) return fail(chunk.reason, chunk.offset)
    if (stack.length === 0 && text.slice(i, end).trim() !== '')
      return fail('text outside the root element', i)
    if (lt < 0) break
    i = lt
    if (text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4)
      if (close < 0 || text.slice(i + 4, close).includes('--')) return fail('bad comment', i)
      i = close + 3
    } else if (text.startsWith('<![CDATA[', i)) {
      const close = text.indexOf(']]>', i)
      if (close < 0 || stack.length === 0) return fail('bad CDATA section', i)
      i = close + 3
    } else if (text.startsWith('<?', i)) {
      const close = text.indexOf('?>', i)
      if (close < 0) return fail('unclosed processing instruction', i)
      i = close + 2
    } else if (text.startsWith('<!DOCTYPE', i)) {
      const close = text.indexOf('>', i)
      if (close < 0 || root !== '' || text.slice(i, close).includes('[')) return fail('bad DOCTYPE', i)
      i = close + 1
    } else if (text.startsWith('</', i)) {
      NAME.lastIndex = i + 2
      const name = NAME.exec(text)?.[0]
      if (name === undefined) return fail('bad end tag', i)
      SPACE.lastIndex = i + 2 + name.length
      SPACE.exec(text)
      if (text[SPACE.lastIndex] !== '>') return fail(`bad end tag </${name}`, i)
      if (stack.pop() !== name) return fail(`</${name}> does not close the open element`, i)
      i = SPACE.lastIndex + 1
    } else {
      NAME.lastIndex = i + 1
      const name = NAME.exec(text)?.[0]
      if (name === undefined) return fail("'<' that starts no tag", i)
      if (stack.length === 0 && root !== '') return fail('a second root element', i)
      if (root === '') root = name
      elements.push(name)
      let at = i + 1 + name.length
      const seen = new Set<string>()
      for (;;) {
        SPACE.lastIndex = at
        SPACE.exec(text)
        const spaced = SPACE.lastIndex > at
        at = SPACE.lastIndex
        if (text.startsWith('/>', at)) {
          at += 2
          break
        }
        if (text[at] === '>') {
          stack.push(name)
          at += 1
          break
        }
        ATTRIBUTE.lastIndex = at
        const attr = spaced ? ATTRIBUTE.exec(text) : null
        if (attr === null) return fail(`bad attribute in <${name}>`, at)
        const [all, attrName = '', dq, sq] = attr
        if (seen.has(attrName)) return fail(`duplicate attribute ${attrName} in <${name}>`, at)
        seen.add(attrName)
        const value = dq ?? sq ?? ''
        if (value.includes('<')) return fail(`'<' in attribute ${attrName}`, at)
        const ref = checkText(value, 0, value.length)
        if (ref !== undefined) return fail(`${ref.reason} in attribute ${attrName}`, at)
        at += all.length
      }
      i = at
    }
  }
  if (stack.length > 0) return fail(`<${stack[stack.length - 1] ?? ''}> is never closed`, text.length)
  if (root === '') return fail('no root element', 0)
  return { ok: true, root, elements }
}

/** A bare `&` (not starting a reference) or `]]>` in `text[from..to)`, if any. */
function checkText(text: string, from: number, to: number): { reason: string; offset: number } | undefined {
  let amp = text.indexOf('&', from)
  while (amp >= 0 && amp < to) {
    REFERENCE.lastIndex = amp
    if (!REFERENCE.test(text)) return { reason: "'&' that starts no reference", offset: amp }
    amp = text.indexOf('&', amp + 1)
  }
  const cdataEnd = text.indexOf(']]>', from)
  if (cdataEnd >= 0 && cdataEnd < to) return { reason: "']]>' in text", offset: cdataEnd }
  return undefined
}
