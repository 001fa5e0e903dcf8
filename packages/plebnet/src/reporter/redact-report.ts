import { REDACTED, scrubSecrets } from '@dolly/base'

/**
 * Redaction of an error report before it leaves the agent (AGENT.md §14 [fix]: the original uploaded
 * the whole log as a public gist). On top of base's `scrubSecrets` (URL userinfo, credential headers,
 * `password=…`-style assignments) it removes e-mail addresses, PEM private-key blocks, extended
 * private keys, `root_password`-style values in any spelling, and every literal secret the agent knows
 * it holds (its GitHub token, SMTP and wallet passwords, children's root passwords). Pure.
 */

/** An e-mail address (RFC 5322 dot-atom local part, a dotted domain). */
const EMAIL_RE =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+/g
/** A PEM block holding a private key (`-----BEGIN … PRIVATE KEY-----` … `-----END …-----`). */
const PEM_PRIVATE_RE =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g
/** BIP32 extended private keys (`xprv…`, `tprv…`) and GitHub token formats (`ghp_…`, `github_pat_…`). */
const KEY_STRING_RE =
  /\b(?:[xtyzuv]prv[1-9A-HJ-NP-Za-km-z]{100,112}|gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})\b/g
/**
 * Names whose value is a secret in any separator style (`root_password: x`, `rootPassword=x`,
 * `"api-key": "x"`, `token x`), a second pass after scrubSecrets for forms it does not match.
 */
const NAMED_SECRET_RE =
  /(?<![A-Za-z0-9])((?:root[_-]?)?pass(?:word|wd|phrase)|secret|token|api[_-]?key|private[_-]?key|priv[_-]?key|smtp[_-]?password|mnemonic|seed)(?![A-Za-z0-9])("?\s*[=:]\s*|\s+(?:is\s+)?)("[^"]*"|'[^']*'|[^\s"',;&}\]]+)/gi
/** Literal secrets shorter than this are not replaced on their own (a 2-character password would eat the text). */
const MIN_LITERAL_CHARS = 4

/**
 * `text` with every secret it holds replaced by `[redacted]`; `secrets` are literal values to remove
 * wherever they occur (the agent's own credentials).
 *
 * @example redactReport('mail ops@example.org, token=abc') === 'mail [redacted], token=[redacted]'
 */
export function redactReport(text: string, secrets: readonly string[] = []): string {
  let out = text
  // Longest first, so a secret that contains another goes whole.
  for (const secret of [...new Set(secrets)].sort((a, b) => b.length - a.length)) {
    if (secret.length < MIN_LITERAL_CHARS) continue
    out = out.split(secret).join(REDACTED)
  }
  out = scrubSecrets(out)
    .replace(PEM_PRIVATE_RE, REDACTED)
    .replace(KEY_STRING_RE, REDACTED)
    .replace(EMAIL_RE, REDACTED)
    .replace(NAMED_SECRET_RE, (all: string, name: string, sep: string, value: string) =>
      value === REDACTED || value === `"${REDACTED}"` || value.startsWith('[redacted')
        ? all
        : `${name}${sep}${value.startsWith('"') ? `"${REDACTED}"` : REDACTED}`,
    )
  return out
}
