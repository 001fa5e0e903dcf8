/** The e-mails a shop sends (their client-area copies): welcome, order, invoice, payment, server details. */
import { formatBtc } from '@dolly/base'
import { esc } from './html.ts'
import { formatUsd } from './pricing.ts'

/** Subject and HTML body of one e-mail. */
export interface MailContent {
  readonly subject: string
  readonly html: string
}

const frame = (name: string, company: string, body: string): string =>
  `<p>Dear ${esc(name)},</p>\n${body}\n<p>Thanks &amp; have a nice day!<br>${esc(company)} - Staff.</p>`

/** The account welcome mail. */
export function accountWelcomeMail(company: string, name: string, email: string): MailContent {
  return {
    subject: 'Welcome',
    html: frame(
      name,
      company,
      `<p>Thank you for signing up with us. Your new account has been setup and you can now login to our client area using the details below.</p><p>Email Address: ${esc(email)}<br>Password: Your chosen password</p>`,
    ),
  }
}

/** The order confirmation. */
export function orderConfirmationMail(
  company: string,
  name: string,
  orderId: number,
  product: string,
  cents: number,
): MailContent {
  return {
    subject: 'Order Confirmation',
    html: frame(
      name,
      company,
      `<p>We have received your order and will be processing it shortly. The details of the order are below:</p><p>Order Number: <b>${orderId}</b></p><p>Product/Service: ${esc(product)}<br>Amount: ${formatUsd(cents)}</p>`,
    ),
  }
}

/** The invoice mail. */
export function invoiceMail(
  company: string,
  name: string,
  invoiceNum: number,
  cents: number,
  sats: bigint,
): MailContent {
  return {
    subject: 'Customer Invoice',
    html: frame(
      name,
      company,
      `<p>This is a notice that an invoice has been generated.</p><p>Invoice #${invoiceNum}<br>Amount Due: ${formatUsd(cents)} (${formatBtc(sats, { trim: true })} BTC)</p>`,
    ),
  }
}

/** The payment confirmation. */
export function paymentMail(company: string, name: string, invoiceNum: number, sats: bigint): MailContent {
  return {
    subject: 'Invoice Payment Confirmation',
    html: frame(
      name,
      company,
      `<p>This is a payment receipt for Invoice ${invoiceNum}.</p><p>Amount: ${formatBtc(sats, { trim: true })} BTC<br>Status: Paid</p>`,
    ),
  }
}

/** The server-ready mail with IP and root password, in CrownCloud's "Main IP: / Root Password:" layout. */
export function serverReadyMail(
  company: string,
  name: string,
  hostname: string,
  ip: string,
  rootPassword: string,
): MailContent {
  return {
    subject: `${company} - New VPS Information`,
    html: frame(
      name,
      company,
      `<p>We are pleased to tell you that the virtual server you ordered has now been set up and is operational.</p>
<p>VPS Details<br>=============================<br>Hostname: ${esc(hostname)}<br>Main IP: ${esc(ip)}<br>Username: root<br>Root Password: ${esc(rootPassword)}<br><br>You can access your server using any SSH client.</p>`,
    ),
  }
}

/** The suspension notice. */
export function suspensionMail(company: string, name: string, hostname: string, reason: string): MailContent {
  return {
    subject: 'Service Suspension Notification',
    html: frame(
      name,
      company,
      `<p>This is a notification that your service ${esc(hostname)} has now been suspended. The reason for this suspension is: ${esc(reason)}</p>`,
    ),
  }
}
