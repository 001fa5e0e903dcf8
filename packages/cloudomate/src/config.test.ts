import { describe, expect, it } from 'vitest'
import { errorCode } from '@dolly/base'
import { formatIni, parseIni, resolveSettings } from './config.ts'

describe('cloudomate.cfg', () => {
  it('keeps % in values (no interpolation) and reads keys case-insensitively', () => {
    const ini = parseIni(
      '[User]\nEmail = a@b.nl\nPassword = 50%off%s\n; comment\n[server]\nrootpw: Root%pw\n',
    )
    expect(resolveSettings(ini, 'bluecloud')).toEqual({
      email: 'a@b.nl',
      password: '50%off%s',
      root_password: 'Root%pw',
    })
  })

  it('lets a CLI flag beat the provider section, and the provider section beat the generic one', () => {
    const ini = parseIni('[user]\nemail = generic@x.nl\nfirstname = Gen\n[bluecloud]\nemail = shop@x.nl\n')
    expect(resolveSettings(ini, 'bluecloud')).toMatchObject({ email: 'shop@x.nl', firstname: 'Gen' })
    expect(resolveSettings(ini, 'bluecloud', { email: 'flag@x.nl' })).toMatchObject({ email: 'flag@x.nl' })
    expect(resolveSettings(ini, 'other')).toMatchObject({ email: 'generic@x.nl' })
  })

  it('reads the 2017 thesis camelCase aliases', () => {
    const ini = parseIni('[User]\nfirstName = Pleb\nlastName = Net\n[Address]\ncountryCode = NL\n')
    expect(resolveSettings(ini, 'x')).toEqual({ firstname: 'Pleb', lastname: 'Net', countrycode: 'NL' })
  })

  it('rejects a key outside any section', () => {
    let code: string | undefined
    try {
      parseIni('email = a@b')
    } catch (err) {
      code = errorCode(err)
    }
    expect(code).toBe('CLOUDOMATE_CONFIG_MALFORMED')
  })

  it('round-trips what it writes', () => {
    const text = formatIni({ user: { email: 'a@b.nl', password: 'p%w' }, server: { hostname: 'h.nl' } })
    expect(resolveSettings(parseIni(text), 'x')).toEqual({
      email: 'a@b.nl',
      password: 'p%w',
      hostname: 'h.nl',
    })
  })
})
