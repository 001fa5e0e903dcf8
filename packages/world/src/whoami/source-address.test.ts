import { describe, expect, it } from 'vitest'
import { normalizeSourceAddress, whoamiReply } from './source-address.ts'

describe('normalizeSourceAddress', () => {
  it('unwraps IPv4-mapped IPv6 addresses', () => {
    expect(normalizeSourceAddress('::ffff:10.77.3.5')).toBe('10.77.3.5')
    expect(normalizeSourceAddress('::FFFF:127.0.0.1')).toBe('127.0.0.1')
  })

  it('keeps plain IPv4 and real IPv6 addresses', () => {
    expect(normalizeSourceAddress('10.77.3.7')).toBe('10.77.3.7')
    expect(normalizeSourceAddress('fe80::1')).toBe('fe80::1')
  })

  it('says unknown when the socket has no address (already closed)', () => {
    expect(normalizeSourceAddress(undefined)).toBe('unknown')
    expect(whoamiReply(undefined, undefined)).toEqual({ ip: 'unknown', port: null })
  })
})
