/** Resolving links scraped from shop pages, pure. */
import { CloudomateError } from '../errors.ts'

/**
 * The absolute URL of a scraped `href` relative to the page it was found on. `new URL` throws an
 * uncoded TypeError on junk such as `http://[`; a shop page is untrusted input, so that becomes a
 * coded error the caller backs off on.
 *
 * @throws CloudomateError CLOUDOMATE_SHOP_CHANGED when the link is not a URL
 */
export function resolveHref(href: string, pageUrl: string): URL {
  try {
    return new URL(href, pageUrl)
  } catch (err) {
    throw new CloudomateError(
      'CLOUDOMATE_SHOP_CHANGED',
      `the shop page ${pageUrl} links to ${JSON.stringify(href.slice(0, 200))}, which is not a URL`,
      { pageUrl, href: href.slice(0, 200) },
      { cause: err },
    )
  }
}
