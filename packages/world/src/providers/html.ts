/** HTML building blocks shared by every world page: escaping and the two WHMCS-like page shells. */
import type { TemplateName } from './types.ts'

/** Escapes text for element content and double-quoted attributes. */
export function esc(text: string | number): string {
  return String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/** A hidden input. */
export function hidden(name: string, value: string | number): string {
  return `<input type="hidden" name="${esc(name)}" value="${esc(value)}" />`
}

/**
 * The error box of each template: standard_cart (six) uses a Bootstrap `alert-danger`, the older
 * and third-party themes the classic `errorbox` (CLOUDOMATE.md §4 step 4).
 */
export function errorBox(
  template: TemplateName,
  errors: readonly string[],
  context: 'checkout' | 'generic',
): string {
  if (errors.length === 0) return ''
  const items = errors.map((e) => `<li>${esc(e)}</li>`).join('')
  if (template === 'six') {
    const extra = context === 'checkout' ? ' checkout-error-feedback' : ''
    return `<div class="alert alert-danger${extra}" role="alert"><p>Please correct the following errors before continuing:</p><ul>${items}</ul></div>`
  }
  return `<div class="errorbox"><strong><span class="title">The following errors occurred:</span></strong><ul>${items}</ul></div>`
}

/** Wraps page content in the template's shell (head, navigation, footer). */
export function layout(
  template: TemplateName,
  company: string,
  title: string,
  body: string,
  loggedIn: boolean,
): string {
  const account = loggedIn
    ? '<a href="clientarea.php">My Account</a> | <a href="logout.php">Logout</a>'
    : '<a href="clientarea.php">Login</a>'
  if (template === 'six') {
    return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8" /><title>${esc(title)} - ${esc(company)}</title>
<link href="templates/six/css/all.min.css" rel="stylesheet"></head>
<body data-phone-cc-input="1">
<section id="header"><div class="container"><ul class="top-nav"><li>${account}</li></ul>
<a href="index.php" class="logo">${esc(company)}</a></div></section>
<section id="main-body"><div class="container"><div class="row"><div class="main-content">
${body}
</div></div></div></section>
<section id="footer"><div class="container"><p>Copyright &copy; ${esc(company)}. All Rights Reserved.</p></div></section>
</body></html>`
  }
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8" /><title>${esc(company)} | ${esc(title)}</title>
<link href="templates/lagom/assets/css/theme.css" rel="stylesheet"></head>
<body class="lagom lagom-layout-top">
<div class="app-nav"><div class="navbar-brand">${esc(company)}</div><div class="app-nav-menu">${account}</div></div>
<div class="app-main"><div class="main-body"><div class="container">
<h1 class="main-header-title">${esc(title)}</h1>
${body}
</div></div></div>
<div class="main-footer"><p>${esc(company)} &middot; Powered by WHMCompleteSolution</p></div>
</body></html>`
}
