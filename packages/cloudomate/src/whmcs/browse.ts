/**
 * Opening shop pages the way a browser would: solving (or reporting) the JavaScript cookie challenge,
 * and reading the shop's own error box (CLOUDOMATE.md §4 step 4, §8).
 */
import * as cheerio from 'cheerio'
import type { AbortOptions } from '@dolly/base'
import { CloudomateError } from '../errors.ts'
import type { HttpSession, Page } from '../http/session.ts'
import { classifyShopMessages, isChallengePage, solveCharCodeChallenge } from './classify.ts'
import type { WhmcsShopConfig } from './shop-config.ts'

/**
 * GETs a shop page; on a challenge page, computes the cookie (when the shop's config allows) and
 * loads the page again.
 *
 * @throws CloudomateError CLOUDOMATE_CHALLENGE_REQUIRED
 */
export async function openShopPage(
  session: HttpSession,
  shop: WhmcsShopConfig,
  url: string,
  options: AbortOptions = {},
): Promise<Page> {
  const page = await session.get(url, options)
  if (!isChallengePage(page.body)) return page
  const solved = shop.challenge === 'charcodes' ? solveCharCodeChallenge(page.body) : undefined
  if (solved === undefined) {
    throw new CloudomateError(
      'CLOUDOMATE_CHALLENGE_REQUIRED',
      `${shop.name} shows a JavaScript/cookie challenge at ${url}; enable the shop's challenge hook or buy elsewhere`,
      { provider: shop.name, url },
    )
  }
  await session.setCookie(solved.name, solved.value, url)
  const again = await session.get(url, options)
  if (isChallengePage(again.body)) {
    throw new CloudomateError(
      'CLOUDOMATE_CHALLENGE_REQUIRED',
      `${shop.name} still shows its challenge after the computed cookie; the challenge changed`,
      { provider: shop.name, url },
    )
  }
  return again
}

/** The messages of a WHMCS error box (`div.checkout-error-feedback`, `div.errorbox`, `div.alert-danger`). */
export function errorBoxMessages(html: string): readonly string[] {
  const $ = cheerio.load(html)
  const box = $('div.checkout-error-feedback, div.errorbox, div.alert.alert-danger')
    .filter((_, el) => !/\bhidden\b/.test($(el).attr('class') ?? ''))
    .first()
  if (box.length === 0) return []
  const items = box
    .find('li')
    .toArray()
    .map((li) => $(li).text().trim())
    .filter((t) => t !== '')
  return items.length > 0 ? items : [box.text().replace(/\s+/g, ' ').trim()]
}

/** Throws the typed error for a shop's messages (§8 classifier). */
export function shopRefused(
  shop: WhmcsShopConfig,
  step: string,
  messages: readonly string[],
): CloudomateError {
  const code = classifyShopMessages(messages)
  return new CloudomateError(code, `${shop.name} refused the ${step}: ${messages.join(' | ')}`, {
    provider: shop.name,
    step,
    messages,
  })
}
