/**
 * Classifies a shop's own error messages into typed errors (CLOUDOMATE.md §8), so an agent backs off
 * the right way: a fraud block for a day, a banned mailbox domain by changing the domain, and so on.
 */
import type { CloudomateErrorCode } from '../errors.ts'

const RULES: readonly (readonly [RegExp, CloudomateErrorCode])[] = [
  [
    /e-?mail address provider|don'?t allow users with the e-?mail|e-?mail domain/i,
    'CLOUDOMATE_EMAIL_REJECTED',
  ],
  [/fraud/i, 'CLOUDOMATE_FRAUD_BLOCKED'],
  [/captcha/i, 'CLOUDOMATE_CAPTCHA_REQUIRED'],
  [/out of stock|sold out/i, 'CLOUDOMATE_OUT_OF_STOCK'],
  [
    /verify your e-?mail|verification e-?mail|confirm your e-?mail/i,
    'CLOUDOMATE_EMAIL_VERIFICATION_REQUIRED',
  ],
  [/too many open transactions/i, 'CLOUDOMATE_GATEWAY_RATE_LIMITED'],
]

/** The error code for a shop's messages; CLOUDOMATE_SHOP_ERROR when none of the known quirks matches. */
export function classifyShopMessages(messages: readonly string[]): CloudomateErrorCode {
  const text = messages.join('\n')
  for (const [re, code] of RULES) if (re.test(text)) return code
  return 'CLOUDOMATE_SHOP_ERROR'
}

/**
 * True for a "JavaScript Disabled … security service" challenge page (BlueAngelHost, thesis fig. 5.2)
 * instead of the page asked for.
 */
export function isChallengePage(html: string): boolean {
  return /JavaScript Disabled/i.test(html) && /security service|enable JavaScript/i.test(html)
}

/**
 * The 2017 solution for the character-code cookie challenge: the page's script builds the cookie
 * from `var c = [..]` char codes and reloads; returns the cookie name and value, or undefined when the
 * page has another kind of challenge.
 */
export function solveCharCodeChallenge(html: string): { name: string; value: string } | undefined {
  const codes = /var c = \[([\d,\s]+)\]/.exec(html)
  const name = /document\.cookie = '([A-Za-z0-9_]+)=/.exec(html)
  if (codes?.[1] === undefined || name?.[1] === undefined) return undefined
  const chars = codes[1]
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 32 && n < 127)
  return { name: name[1], value: String.fromCharCode(...chars) }
}
