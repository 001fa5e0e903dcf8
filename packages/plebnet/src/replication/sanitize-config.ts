/**
 * The sanitised copy of `plebnet_setup.cfg` a child gets (AGENT.md §4, "Children get a sanitised copy"):
 * the parent's credentials are dropped, runtime flags are reset, and the child gets its own wallet
 * passphrase. Pure text in, text out; comments and unknown keys are kept.
 */

/** Keys removed unless the parent's `install.share_secrets` is `1`. */
const SHAREABLE_SECRETS: readonly (readonly [string, RegExp])[] = [
  ['github', /^(username|password|token)$/],
  ['postcard', /^smtp_/],
]
/** Keys a child never inherits: its own passphrase replaces the parent's. */
const NEVER_INHERITED: readonly (readonly [string, RegExp])[] = [['wallets', /^password$/]]
/** Runtime values reset to `0` in the child's copy. */
const RESET_TO_ZERO: readonly (readonly [string, RegExp])[] = [
  ['wallets', /^(initiate_once|testnet_created)$/],
  ['vpn', /^(installed|running|pid)$/],
]

const matches = (rules: readonly (readonly [string, RegExp])[], section: string, key: string): boolean =>
  rules.some(([s, re]) => s === section && re.test(key))

/**
 * Sanitises `cfgText` for a child and sets `[wallets] password` to `childWalletPassword`.
 *
 * @example sanitizeConfig('[github]\ntoken = x\n', 'pw') // '[github]\n[wallets]\npassword = pw\n'
 */
export function sanitizeConfig(cfgText: string, childWalletPassword: string): string {
  const lines = cfgText.split(/\r?\n/)
  let section = ''
  let share = false
  for (const raw of lines) {
    const header = /^\s*\[(.+)\]\s*$/.exec(raw)
    if (header !== null) section = (header[1] ?? '').trim()
    const kv = /^\s*([^=:#;[]+?)\s*[=:]\s*(.*)$/.exec(raw)
    if (section === 'install' && kv?.[1] === 'share_secrets') share = kv[2]?.trim() === '1'
  }
  const out: string[] = []
  section = ''
  let walletsSeen = false
  for (const raw of lines) {
    const header = /^\s*\[(.+)\]\s*$/.exec(raw)
    if (header !== null) {
      if (section === 'wallets' && !walletsSeen) {
        // Right after the section's last line, before the blank lines that separate sections.
        let at = out.length
        while (at > 0 && out[at - 1]?.trim() === '') at -= 1
        out.splice(at, 0, `password = ${childWalletPassword}`)
        walletsSeen = true
      }
      section = (header[1] ?? '').trim()
      out.push(raw)
      continue
    }
    const kv = /^\s*([^=:#;[]+?)\s*[=:]\s*(.*)$/.exec(raw)
    if (kv !== null) {
      const key = kv[1] ?? ''
      if (matches(NEVER_INHERITED, section, key)) continue
      if (!share && matches(SHAREABLE_SECRETS, section, key)) continue
      if (matches(RESET_TO_ZERO, section, key)) {
        out.push(`${key} = 0`)
        continue
      }
    }
    out.push(raw)
  }
  if (section === 'wallets' && !walletsSeen) {
    while (out.length > 0 && out[out.length - 1] === '') out.pop()
    out.push(`password = ${childWalletPassword}`)
    walletsSeen = true
  }
  if (!walletsSeen) {
    while (out.length > 0 && out[out.length - 1] === '') out.pop()
    out.push('[wallets]', `password = ${childWalletPassword}`)
  }
  while (out.length > 0 && out[out.length - 1]?.trim() === '') out.pop()
  return `${out.join('\n').replace(/^\n+/, '')}\n`
}
