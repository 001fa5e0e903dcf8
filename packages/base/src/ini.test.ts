import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { errorCode } from './errors.ts'
import { formatIni, iniValue, parseIni } from './ini.ts'

describe('parseIni', () => {
  it('reads sections and keys case-insensitively, values verbatim, comments and blank lines skipped', () => {
    const ini = parseIni(
      '\uFEFF; comment\n[Wallets]\r\nPassword = p%w = x\n# other\n\n[GitHub]\nTOKEN: ghp_1\n[wallets]\ntestnet=1\n',
    )
    expect(iniValue(ini, 'wallets', 'password')).toBe('p%w = x')
    expect(iniValue(ini, 'WALLETS', 'Testnet')).toBe('1')
    expect(iniValue(ini, 'github', 'token')).toBe('ghp_1')
    expect([...ini.keys()]).toEqual(['wallets', 'github'])
  })

  const invalid: { name: string; text: string; line: number }[] = [
    { name: 'a key before any section', text: 'password = x\n[wallets]\n', line: 1 },
    { name: 'a line without = or :', text: '[wallets]\njust words\n', line: 2 },
    { name: 'an unclosed header', text: '[wallets\npassword = x\n', line: 1 },
    { name: 'text after a header', text: '[wallets] password = x\n', line: 1 },
    { name: 'an empty section name', text: '[ ]\n', line: 1 },
    { name: 'an empty key', text: '[wallets]\n = x\n', line: 2 },
    { name: 'a key twice in another case', text: '[wallets]\npassword = a\nPassword = b\n', line: 3 },
    { name: 'a key twice across a repeated section', text: '[w]\na = 1\n[W]\nA = 2\n', line: 4 },
  ]
  it.each(invalid)('refuses $name with BASE_INI_MALFORMED at its line', ({ text, line }) => {
    let caught: unknown
    try {
      parseIni(text)
    } catch (err) {
      caught = err
    }
    expect(errorCode(caught)).toBe('BASE_INI_MALFORMED')
    expect((caught as { details: { line: number } }).details.line).toBe(line)
    expect(JSON.stringify(caught)).not.toContain('x\\n')
  })

  it('round-trips what formatIni writes (property)', () => {
    const name = fc.stringMatching(/^[a-z0-9_.-]{1,12}$/)
    const value = fc.string({ maxLength: 40 }).map((v) => v.replace(/[\r\n]/g, ' ').trim())
    fc.assert(
      fc.property(fc.dictionary(name, fc.dictionary(name, value)), (obj) => {
        const sections = new Map(Object.entries(obj).map(([s, keys]) => [s, new Map(Object.entries(keys))]))
        expect(parseIni(formatIni(sections))).toEqual(sections)
      }),
    )
  })

  it('only throws BASE_INI_MALFORMED, whatever the input (property)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(
            '[',
            ']',
            '=',
            ':',
            ';',
            '#',
            '\n',
            '\r',
            ' ',
            'a',
            'B',
            '\uFEFF',
            'İ',
            '\u{1F600}',
          ),
          maxLength: 200,
        }),
        (text) => {
          try {
            parseIni(text)
          } catch (err) {
            expect(errorCode(err)).toBe('BASE_INI_MALFORMED')
          }
        },
      ),
    )
  })
})
