import { errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { parseHostSpec } from './spec.ts'

describe('parseHostSpec', () => {
  it('accepts a provider spec and keeps the optional bandwidth', () => {
    expect(parseHostSpec({ hostname: 'vps-1.example', rootPassword: 'pw 1!', bandwidthMbit: 10 })).toEqual({
      hostname: 'vps-1.example',
      rootPassword: 'pw 1!',
      bandwidthMbit: 10,
    })
    expect(parseHostSpec({ hostname: 'a', rootPassword: 'b' })).toEqual({ hostname: 'a', rootPassword: 'b' })
  })

  it('keeps contentLink (a user host without a link into the content network)', () => {
    expect(parseHostSpec({ hostname: 'u', rootPassword: 'b', contentLink: false })).toEqual({
      hostname: 'u',
      rootPassword: 'b',
      contentLink: false,
    })
  })

  it.each([
    { hostname: '-bad', rootPassword: 'x' },
    { hostname: 'under_score', rootPassword: 'x' },
    { hostname: 'a'.repeat(64), rootPassword: 'x' },
    { hostname: 'ok', rootPassword: '' },
    { hostname: 'ok', rootPassword: 'colon:inside' },
    { hostname: 'ok', rootPassword: 'new\nline' },
    { hostname: 'ok', rootPassword: 'x', bandwidthMbit: 0 },
    { hostname: 'ok', rootPassword: 'x', bandwidthMbit: 1.5 },
    { hostname: 'ok', rootPassword: 'x', extra: true },
    { hostname: 'ok', rootPassword: 'x', contentLink: 'no' },
  ])('refuses %j with WORLD_HOSTS_INVALID_SPEC', (spec) => {
    let code: string | undefined
    try {
      parseHostSpec(spec)
    } catch (err) {
      code = errorCode(err)
    }
    expect(code).toBe('WORLD_HOSTS_INVALID_SPEC')
  })
})
