import { describe, expect, it } from 'vitest'
import { NO_QUIRKS } from './catalog.ts'
import { BANNED_EMAIL_MESSAGE, FRAUD_MESSAGE, validateCheckout, type CheckoutContext } from './checkout.ts'

const valid: Record<string, string> = {
  custtype: 'new',
  firstname: 'Pleb',
  lastname: 'Net',
  email: 'Pleb@Example.org',
  phonenumber: '+31 612345678',
  address1: 'Mekelweg 4',
  city: 'Delft',
  state: 'ZH',
  postcode: '2628CD',
  country: 'NL',
  password: 'hunter2hunter2',
  password2: 'hunter2hunter2',
  paymentmethod: 'bitpay',
  accepttos: 'on',
}
const ctx: CheckoutContext = {
  gateway: 'bitpay',
  quirks: {
    ...NO_QUIRKS,
    bannedEmailDomains: ['mailinator.com'],
    fraudBlock: { maxRegistrations: 2, windowMs: 1000 },
  },
  nowMs: 10_000,
  registrationsFromIp: [],
  emailTaken: (email) => email === 'taken@example.org',
}
const form = (over: Record<string, string | undefined>): Map<string, string> => {
  const m = new Map(Object.entries(valid))
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) m.delete(k)
    else m.set(k, v)
  }
  return m
}

describe('checkout validation', () => {
  it('accepts a complete registration and lower-cases the e-mail', () => {
    const r = validateCheckout(form({}), ctx)
    expect(r.ok && r.customer.kind === 'new' && r.customer.registration.email).toBe('pleb@example.org')
  })

  it.each([
    [{ firstname: '' }, 'invalid', 'You did not enter your first name'],
    [{ email: 'nope' }, 'invalid', 'The email address you entered was not valid'],
    [{ country: 'Netherlands' }, 'invalid', 'Please choose your country from the drop down box'],
    [{ password2: 'other' }, 'invalid', 'The passwords you entered did not match'],
    [{ accepttos: undefined }, 'invalid', 'You must accept our Terms of Service'],
    [{ paymentmethod: 'coinpayments' }, 'invalid', 'You must select a valid payment method'],
    [{ phonenumber: 'call me' }, 'invalid', 'Your phone number is not valid'],
    [{ email: 'bot@mailinator.com' }, 'email-banned', BANNED_EMAIL_MESSAGE],
    [
      { email: 'taken@example.org' },
      'duplicate-email',
      'A user already exists with that email address. Please login to place an order.',
    ],
  ] as const)('refuses %o as %s', (over, reason, message) => {
    const r = validateCheckout(form(over), ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.reason).toBe(reason)
      expect(r.errors).toContain(message)
    }
  })

  it('blocks the registration past the limit within the window only', () => {
    expect(validateCheckout(form({}), { ...ctx, registrationsFromIp: [9_500, 9_900] })).toMatchObject({
      ok: false,
      reason: 'fraud',
      errors: [FRAUD_MESSAGE],
    })
    expect(validateCheckout(form({}), { ...ctx, registrationsFromIp: [8_000, 9_900] }).ok).toBe(true)
  })
})
