/**
 * The world's mail sink keeps what arrives as records (`dolly world mail`): envelope, the headers an
 * operator reads (From, To, Subject, Date) and the text body, decoded. Pure: RFC 5322 header
 * unfolding, RFC 2047 encoded words, and quoted-printable or base64 bodies (RFC 2045), UTF-8.
 */

/** One message as the sink stores it (`<world>/mail/<n>.json`). */
export interface MailRecord {
  /** Arrival order in this world, from 1. */
  readonly id: number
  /** Real Unix ms it arrived. */
  readonly receivedAtMs: number
  /** SMTP envelope: `MAIL FROM` and every `RCPT TO`. */
  readonly envelope: { readonly from: string; readonly to: readonly string[] }
  /** The From, To, Subject and Date headers ('' when absent), decoded. */
  readonly from: string
  readonly to: string
  readonly subject: string
  readonly date: string
  /** The text body, decoded (a multipart body is kept as it came). */
  readonly text: string
  /** Size of the raw message, bytes. */
  readonly bytes: number
}

/** Headers and body of a raw message. */
function split(raw: string): { headers: Map<string, string>; body: string } {
  const normal = raw.replace(/\r\n/g, '\n')
  const end = normal.indexOf('\n\n')
  const head = end === -1 ? normal : normal.slice(0, end)
  const body = end === -1 ? '' : normal.slice(end + 2)
  const headers = new Map<string, string>()
  let last: string | undefined
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`)
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    last = line.slice(0, colon).trim().toLowerCase()
    // The first of a repeated header counts (Received: lines are not read).
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim())
    else last = undefined
  }
  return { headers, body }
}

/** Bytes of a quoted-printable text (soft line breaks removed). */
function quotedPrintableBytes(text: string, underscoreIsSpace: boolean): Uint8Array {
  const src = text.replace(/=\r?\n/g, '')
  const out: number[] = []
  for (let i = 0; i < src.length; i++) {
    const c = src[i] ?? ''
    const hex = src.slice(i + 1, i + 3)
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16))
      i += 2
    } else if (c === '_' && underscoreIsSpace) out.push(0x20)
    else out.push(...new TextEncoder().encode(c))
  }
  return Uint8Array.from(out)
}

const utf8 = (bytes: Uint8Array): string => new TextDecoder('utf-8').decode(bytes)

/** A header value with its RFC 2047 encoded words (`=?utf-8?Q?…?=`, `=?utf-8?B?…?=`) decoded. */
export function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? utf8(Uint8Array.from(Buffer.from(data, 'base64')))
        : utf8(quotedPrintableBytes(data, true)),
    )
}

/** The body decoded by its Content-Transfer-Encoding. */
function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'quoted-printable':
      return utf8(quotedPrintableBytes(body, false))
    case 'base64':
      return utf8(Uint8Array.from(Buffer.from(body.replace(/\s+/g, ''), 'base64')))
    default:
      return body
  }
}

/** The record of raw message `raw` that arrived as number `id` at `receivedAtMs` with `envelope`. */
export function mailRecordOf(
  raw: string,
  meta: { readonly id: number; readonly receivedAtMs: number; readonly envelope: MailRecord['envelope'] },
): MailRecord {
  const { headers, body } = split(raw)
  const h = (name: string): string => decodeHeader(headers.get(name) ?? '')
  const type = (headers.get('content-type') ?? 'text/plain').toLowerCase()
  return {
    id: meta.id,
    receivedAtMs: meta.receivedAtMs,
    envelope: meta.envelope,
    from: h('from'),
    to: h('to'),
    subject: h('subject'),
    date: h('date'),
    text: type.startsWith('multipart/')
      ? body
      : decodeBody(body, headers.get('content-transfer-encoding') ?? '7bit').replace(/\n$/, ''),
    bytes: Buffer.byteLength(raw),
  }
}
