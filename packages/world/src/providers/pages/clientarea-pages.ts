/** Client-area pages: login, services table, product details (SolusVM), e-mail list and e-mail view. */
import { dmyDate, isoDate, isoDateTime, longDate } from '../calendar.ts'
import { esc, hidden } from '../html.ts'
import { cycleLabel, formatUsd } from '../pricing.ts'
import { serviceIp, serviceStatusLabel, type Service } from '../service.ts'
import type { Email } from '../store.ts'
import type { TemplateName } from '../types.ts'

/** The login page (`.logincontainer form`, posting to `dologin.php`). */
export function loginBody(token: string, incorrect: boolean): string {
  return `<div class="logincontainer"><div class="header-lined"><h1>Login</h1></div>
${incorrect ? '<div class="alert alert-danger">Login Details Incorrect. Please try again.</div>' : ''}
<form method="post" action="dologin.php" class="login-form" role="form">${hidden('token', token)}
<div class="form-group"><label for="inputEmail">Email Address</label><input type="email" name="username" class="form-control" id="inputEmail" /></div>
<div class="form-group"><label for="inputPassword">Password</label><input type="password" name="password" class="form-control" id="inputPassword" /></div>
<input id="login" type="submit" class="btn btn-primary" value="Login" /></form></div>`
}

/** Due date of a service: the end of its lease once active, else its creation date. */
function nextDueMs(s: Service): number {
  return s.state.kind === 'active' ? s.state.leaseEndMs : s.createdMs
}

/** `clientarea.php?action=services`: `table#tableServicesList` (5 columns in six, 4 + `data-url` in lagom). */
export function servicesBody(template: TemplateName, services: readonly Service[]): string {
  const rows = services
    .map((s) => {
      const status = serviceStatusLabel(s.state)
      const url = `clientarea.php?action=productdetails&amp;id=${s.id}`
      const first = `<td><strong>${esc(s.productName)}</strong><br /><a href="http://${esc(s.hostname)}" target="_blank">${esc(s.hostname)}</a></td>
<td class="text-center">${formatUsd(s.recurringCents)}<br />${cycleLabel(s.billingCycle)}</td>
<td class="text-center"><span class="hidden">${isoDate(nextDueMs(s))}</span>${dmyDate(nextDueMs(s))}</td>
<td class="text-center"><span class="label status status-${status.toLowerCase()}">${status}</span></td>`
      return template === 'six'
        ? `<tr onclick="clickableSafeRedirect(event, '${url}', false)">${first}
<td class="responsive-edit-button" style="display: none;"><a href="${url}" class="btn btn-block btn-info">Manage Product</a></td></tr>`
        : `<tr data-url="${url}">${first}</tr>`
    })
    .join('\n')
  const extraHead =
    template === 'six' ? '<th class="responsive-edit-button" style="display: none;"></th>' : ''
  return `<div class="table-container clearfix"><table id="tableServicesList" class="table table-list">
<thead><tr><th>Product/Service</th><th>Pricing</th><th>Next Due Date</th><th>Status</th>${extraHead}</tr></thead>
<tbody>${rows}</tbody></table></div>`
}

/** `clientarea.php?action=productdetails&id=N`: `div#domain` rows and the SolusVM `vserverid`. */
export function productDetailsBody(s: Service): string {
  const ip = serviceIp(s.state)
  const row = (label: string, value: string): string =>
    `<div class="row"><div class="col-sm-5 text-right"><strong>${esc(label)}</strong></div><div class="col-sm-7 text-left">${value}</div></div>`
  const status = serviceStatusLabel(s.state)
  return `<div class="product-details clearfix"><div class="product-status product-status-${status.toLowerCase()}">
<h3>${esc(s.productName)}</h3><div class="product-status-text">${status}</div></div>
<div class="tab-content product-details-tab-container"><div class="tab-pane fade in active text-center" id="domain">
${row('Hostname', esc(s.hostname))}
${ip === null ? '' : row('Primary IP', esc(ip))}
${row('Nameservers', `ns1.${esc(s.hostname)}<br/>ns2.${esc(s.hostname)}`)}
</div></div>
<script type="text/javascript">var vserverid = ${s.id};</script>
<div id="solusvmpro-data" data-vserverid="${s.id}"></div></div>`
}

/** `clientarea.php?action=emails`: `table#tableEmailsList`, ids in `viewemail.php?id=N`. */
export function emailsBody(emails: readonly Email[]): string {
  const rows = [...emails]
    .sort((a, b) => b.sentMs - a.sentMs || b.id - a.id)
    .map(
      (e) => `<tr onclick="popupWindow('viewemail.php?id=${e.id}', 'emailWin', '650', '450')">
<td class="text-center"><span class="hidden">${isoDateTime(e.sentMs)}</span>${esc(longDate(e.sentMs))}</td>
<td>${esc(e.subject)}</td>
<td class="text-center"><input type="button" class="btn btn-info btn-sm" value="View Message" onclick="popupWindow('viewemail.php?id=${e.id}', 'emailWin', '650', '450', 'scrollbars=1,')"/></td></tr>`,
    )
    .join('\n')
  return `<div class="table-container clearfix"><table id="tableEmailsList" class="table table-list">
<thead><tr><th>Date Sent</th><th>Message Subject</th><th>&nbsp;</th></tr></thead><tbody>${rows}</tbody></table></div>`
}

/** `viewemail.php?id=N`: the stored copy of one e-mail. */
export function emailView(company: string, email: Email): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8" /><title>${esc(company)} - ${esc(email.subject)}</title></head><body>
<div class="popup-header-padding"><h2>${esc(email.subject)}</h2></div>
<table border="0" cellpadding="0" cellspacing="0" width="100%" id="templateBody"><tbody><tr><td valign="top" class="bodyContent">
${email.html}
</td></tr></tbody></table></body></html>`
}
