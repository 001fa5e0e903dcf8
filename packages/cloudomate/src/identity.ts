/**
 * Per-purchase identities generated offline (CLOUDOMATE.md §11): opt-in only, never written over the
 * user's config. Passwords are ≥ 16 alphanumeric characters from the injected (CSPRNG) Rng, so no `%`
 * can trip an INI parser.
 */
import type { Rng } from '@dolly/base'
import type { Settings } from './settings.ts'

/** Length of generated account and root passwords (§11: ≥ 16). */
export const GENERATED_PASSWORD_LENGTH = 20

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

// Small Faker-style locale tables (the thesis used NL identities; PlebNet's children also DE).
const LOCALES = [
  {
    cc: 'NL',
    first: ['Daan', 'Sanne', 'Lucas', 'Emma', 'Bram'],
    last: ['de Vries', 'Jansen', 'Bakker', 'Visser'],
    city: 'Delft',
    state: 'Zuid-Holland',
    street: 'Mekelweg',
    zip: () => '2628 CD',
    phone: '+31 6',
  },
  {
    cc: 'DE',
    first: ['Lukas', 'Anna', 'Felix', 'Lea', 'Jonas'],
    last: ['Müller', 'Schmidt', 'Weber', 'Fischer'],
    city: 'Leipzig',
    state: 'Sachsen',
    street: 'Karl-Liebknecht-Straße',
    zip: () => '04107',
    phone: '+49 151 ',
  },
] as const

const pick = <T>(rng: Rng, items: readonly T[]): T => {
  const item = items[rng.int(items.length)]
  if (item === undefined) throw new RangeError('pick from an empty list')
  return item
}

/** A random alphanumeric password of `length` characters, unbiased (rejection-free: 62 < 2^48). */
export function generatePassword(rng: Rng, length = GENERATED_PASSWORD_LENGTH): string {
  let out = ''
  for (let i = 0; i < length; i++) out += ALNUM[rng.int(ALNUM.length)]
  return out
}

const ascii = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase()

/**
 * A generated identity. `mailbox` is the operator's mailbox (`me@example.org`); the identity gets a
 * plus-alias of it so mail still reaches the operator; without one, `domain` names a catch-all.
 */
export function generateIdentity(rng: Rng, mail: { mailbox?: string; domain?: string } = {}): Settings {
  const locale = pick(rng, LOCALES)
  const first = pick(rng, locale.first)
  const last = pick(rng, locale.last)
  const tag = `${ascii(first)}.${ascii(last)}${rng.int(10_000)}`
  const email =
    mail.mailbox !== undefined && mail.mailbox.includes('@')
      ? `${mail.mailbox.slice(0, mail.mailbox.indexOf('@'))}+${tag}${mail.mailbox.slice(mail.mailbox.indexOf('@'))}`
      : `${tag}@${mail.domain ?? 'example.org'}`
  const digits = (n: number) => Array.from({ length: n }, () => String(rng.int(10))).join('')
  return {
    firstname: first,
    lastname: last,
    email,
    username: `${ascii(first)}${ascii(last)}`,
    companyname: '',
    phonenumber: `${locale.phone}${digits(8)}`,
    password: generatePassword(rng),
    address: `${locale.street} ${1 + rng.int(120)}`,
    city: locale.city,
    state: locale.state,
    countrycode: locale.cc,
    zipcode: locale.zip(),
    root_password: generatePassword(rng),
    ns1: 'ns1',
    ns2: 'ns2',
    hostname: `${ascii(first)}${rng.int(1000)}.example.org`.replace(/^(\d)/, 'h$1'),
  }
}
