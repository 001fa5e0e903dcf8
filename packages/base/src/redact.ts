/**
 * Secrets out of logs and error output (STYLE.md §1.8, the second line of defence behind "never log
 * secrets"): field names that name a secret, and secrets embedded in free text such as an error
 * message (URL userinfo, `password=…` fragments of a query string or an INI file, HTTP credential
 * headers). Pure; used by every Logger and by the CLI runner.
 */

/** What a redacted value, or the secret part of a string, is replaced by. */
export const REDACTED = '[redacted]'

/**
 * A field name as the rules compare it: lower case without separators, so `api_key`, `apiKey`,
 * `X-Api-Key` and `API-KEY` are one name.
 */
export function normaliseFieldName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '')
}

/** Parts that make any name containing them secret (normalised form). */
const SECRET_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'mnemonic',
  'cookie',
  'authorization',
  'credential',
  'apikey',
  'privkey',
  'privatekey',
  'private',
  'xprv',
  'tprv',
] as const

/** Names (normalised) that are secret exactly, or as a suffix (`walletSeed`, `githubToken`, `sshKey`). */
const SECRET_SUFFIXES = ['token', 'seed', 'seedhex', 'key', 'wif', 'auth', 'bearer', 'pwd'] as const

/** Names ending in `key` that hold public material and stay readable in logs. */
const PUBLIC_KEY_RE = /(public|pub|host|peer|client|offer|cache|sort|idempotency)key$/

/**
 * True when a field with this name holds a secret: matched by normalised name, whatever its case or
 * separators (issue 14: `token`, `apiKey`, `key`, `cookie`, `authorization` slipped through).
 */
export function isSecretFieldName(name: string): boolean {
  const n = normaliseFieldName(name)
  if (n === '') return false
  if (SECRET_PARTS.some((part) => n.includes(part))) return true
  if (n.endsWith('key') && PUBLIC_KEY_RE.test(n)) return false
  return SECRET_SUFFIXES.some((suffix) => n.endsWith(suffix))
}

/** Header lines whose whole value is a credential (RFC 9110 §11.6.2, RFC 6265 §4). */
const CREDENTIAL_HEADER_RE = /\b((?:proxy-)?authorization|set-cookie|cookie|x-api-key)(\s*:\s*)[^\r\n]*/gi
/** `Bearer …` / `Basic …` credentials outside a header line (RFC 6750 §2.1, RFC 7617 §2). */
const AUTH_SCHEME_RE = /\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{4,}/g
/**
 * `name=value`, `name: value` and JSON `"name":"value"`: query strings, INI lines (`[wallets]
 * Password = …`), config dumps, JSON bodies. The name must start at a word boundary (the lookbehind),
 * so a long run of name characters (a hex dump) is tried once, not from every offset: without it the
 * match is quadratic, and a logged 100 kB transaction took the logger a minute.
 */
const ASSIGNMENT_RE = /(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]+)("?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,"'}\]]+)/g
/** Names whose assigned value is a secret: they end in a secret word. */
const SECRET_NAME_END_RE =
  /(password|passwd|passphrase|secret|token|api[_-]?key|private[_-]?key|priv[_-]?key|mnemonic|seed|xprv|tprv|wif|credentials?)$/i
/** The scheme of a URL with userinfo; the userinfo itself is matched up to the first `@`. */
const URL_SCHEME_RE = /(?<![A-Za-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)[^\s/@?#]+@/gi

/**
 * `text` with embedded secrets replaced by `[redacted]`: URL userinfo, credential headers and auth
 * schemes, and secret-named assignments. What is around them (host, port, path, other fields) stays,
 * so a message still says what failed.
 *
 * @example scrubSecrets('GET http://u:p@host:1/ failed') === 'GET http://[redacted]@host:1/ failed'
 */
export function scrubSecrets(text: string): string {
  return (
    text
      .replace(CREDENTIAL_HEADER_RE, `$1$2${REDACTED}`)
      .replace(AUTH_SCHEME_RE, `$1$2${REDACTED}`)
      // `scheme://user:password@` or `scheme://token@`: the whole userinfo goes (RFC 3986 §3.2.1).
      .replace(URL_SCHEME_RE, `$1${REDACTED}@`)
      .replace(ASSIGNMENT_RE, (all: string, name: string, sep: string, value: string) =>
        !SECRET_NAME_END_RE.test(name) || value === REDACTED
          ? all
          : `${name}${sep}${value.startsWith('"') ? `"${REDACTED}"` : REDACTED}`,
      )
  )
}
