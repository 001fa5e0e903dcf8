/**
 * Text for XML and HTML output: `escapeXml` makes any string safe as element text or a quoted
 * attribute value, so a series named `</svg><script>` stays text.
 */

// Characters XML 1.0 forbids anywhere (C0 controls other than tab, LF and CR; U+FFFE and U+FFFF),
// and lone surrogates, which cannot be encoded as UTF-8.
const INVALID_XML_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/**
 * `text` escaped for XML/HTML text and attribute values; characters XML cannot carry become U+FFFD.
 *
 * @example escapeXml('a < b & "c"') // 'a &lt; b &amp; &quot;c&quot;'
 */
export function escapeXml(text: string): string {
  return text.replace(INVALID_XML_CHARS, '\uFFFD').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c)
}

/** `text` cut to at most `max` code points, with an ellipsis when cut (never splits a surrogate pair). */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text)
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`
}
