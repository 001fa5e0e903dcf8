/**
 * Validation of the WHMCS checkout/registration form (`form#frmCheckout`), pure: field rules with
 * WHMCS's own messages, then the shop's quirks (banned e-mail domains, MaxMind-like fraud block).
 */
import type { GatewayKind, Quirks } from './types.ts'

/** The new-client fields of the checkout form. */
export interface Registration {
  readonly firstname: string
  readonly lastname: string
  readonly email: string
  readonly companyname: string
  readonly address1: string
  readonly city: string
  readonly state: string
  readonly postcode: string
  readonly country: string
  readonly phonenumber: string
  readonly password: string
}

/** Outcome of a checkout submission. */
export type CheckoutResult =
  | {
      readonly ok: true
      readonly customer:
        { kind: 'new'; registration: Registration } | { kind: 'existing'; email: string; password: string }
    }
  | {
      readonly ok: false
      readonly reason: 'invalid' | 'email-banned' | 'fraud' | 'duplicate-email'
      readonly errors: readonly string[]
    }

/** What the validator needs to know about the shop's past. */
export interface CheckoutContext {
  readonly gateway: GatewayKind
  readonly quirks: Quirks
  readonly nowMs: number
  /** World times of earlier registrations from the submitting IP. */
  readonly registrationsFromIp: readonly number[]
  readonly emailTaken: (email: string) => boolean
}

/** The message of the banned-domain quirk, verbatim from BlueAngelHost (thesis fig. 5.1). */
export const BANNED_EMAIL_MESSAGE =
  "We don't allow users with the email address provider you entered. Please try another email address."

/** The message of the fraud block (MaxMind screening). */
export const FRAUD_MESSAGE =
  'Unfortunately, your order has been flagged as potentially fraudulent by our fraud checks and cannot be accepted. Please contact our support team.'

const EMAIL_RE = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/
const PHONE_RE = /^\+?[0-9 ().-]{6,20}$/

const text = (form: ReadonlyMap<string, string>, name: string): string => (form.get(name) ?? '').trim()

/** Validates a submitted checkout form; pure. */
export function validateCheckout(form: ReadonlyMap<string, string>, ctx: CheckoutContext): CheckoutResult {
  const errors: string[] = []
  if (text(form, 'paymentmethod') !== ctx.gateway) errors.push('You must select a valid payment method')
  if (form.get('accepttos') === undefined) errors.push('You must accept our Terms of Service')
  if (text(form, 'custtype') === 'existing') {
    const email = text(form, 'loginemail')
    const password = form.get('loginpassword') ?? ''
    if (email === '' || password === '') errors.push('Login Details Incorrect. Please try again.')
    if (errors.length > 0) return { ok: false, reason: 'invalid', errors }
    return { ok: true, customer: { kind: 'existing', email, password } }
  }
  const required: readonly [string, string][] = [
    ['firstname', 'You did not enter your first name'],
    ['lastname', 'You did not enter your last name'],
    ['email', 'You did not enter your email address'],
    ['address1', 'You did not enter your address (line 1)'],
    ['city', 'You did not enter your city'],
    ['state', 'You did not enter your state'],
    ['postcode', 'You did not enter your postcode'],
    ['phonenumber', 'You did not enter your phone number'],
  ]
  for (const [field, message] of required) if (text(form, field) === '') errors.push(message)
  const email = text(form, 'email').toLowerCase()
  if (email !== '' && !EMAIL_RE.test(email)) errors.push('The email address you entered was not valid')
  if (!/^[A-Z]{2}$/.test(text(form, 'country')))
    errors.push('Please choose your country from the drop down box')
  const phone = text(form, 'phonenumber')
  if (phone !== '' && !PHONE_RE.test(phone)) errors.push('Your phone number is not valid')
  const password = form.get('password') ?? ''
  if (password === '') errors.push('You did not enter a password')
  else if (password !== (form.get('password2') ?? '')) errors.push('The passwords you entered did not match')
  else if (password.length < 6) errors.push('Your password must be at least 6 characters long')
  if (errors.length > 0) return { ok: false, reason: 'invalid', errors }

  const domain = email.slice(email.indexOf('@') + 1)
  if (ctx.quirks.bannedEmailDomains.some((d) => d.toLowerCase() === domain)) {
    return { ok: false, reason: 'email-banned', errors: [BANNED_EMAIL_MESSAGE] }
  }
  if (ctx.emailTaken(email)) {
    return {
      ok: false,
      reason: 'duplicate-email',
      errors: ['A user already exists with that email address. Please login to place an order.'],
    }
  }
  const block = ctx.quirks.fraudBlock
  if (block !== null) {
    const recent = ctx.registrationsFromIp.filter((t) => ctx.nowMs - t < block.windowMs).length
    if (recent >= block.maxRegistrations) return { ok: false, reason: 'fraud', errors: [FRAUD_MESSAGE] }
  }
  return {
    ok: true,
    customer: {
      kind: 'new',
      registration: {
        firstname: text(form, 'firstname'),
        lastname: text(form, 'lastname'),
        email,
        companyname: text(form, 'companyname'),
        address1: text(form, 'address1'),
        city: text(form, 'city'),
        state: text(form, 'state'),
        postcode: text(form, 'postcode'),
        country: text(form, 'country'),
        phonenumber: phone,
        password,
      },
    },
  }
}
