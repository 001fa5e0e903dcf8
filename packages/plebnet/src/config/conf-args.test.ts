import { describe, expect, it } from 'vitest'
import { parseConfSetupArgs } from './conf-args.ts'

describe('conf setup arguments', () => {
  it('maps the original short and long flags to cfg keys, skipping empty values', () => {
    expect(parseConfSetupArgs(['-ic', '#chan', '--irc_port=7000', '-gt', '', '-ga', '1'])).toEqual([
      { section: 'irc', key: 'channel', value: '#chan' },
      { section: 'irc', key: 'port', value: '7000' },
      { section: 'github', key: 'active', value: '1' },
    ])
  })

  it('refuses unknown flags, missing values and non-0/1 booleans', () => {
    for (const argv of [['-x', '1'], ['-ic'], ['-l', 'yes']]) {
      expect(() => parseConfSetupArgs(argv)).toThrow(
        expect.objectContaining({ code: 'LIFECYCLE_CONFIG_INVALID' }),
      )
    }
  })
})
