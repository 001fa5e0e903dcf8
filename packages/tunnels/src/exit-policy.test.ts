import { errorCode } from '@dolly/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createRealExitPolicy,
  createWorldExitPolicy,
  decideExit,
  parsePolicyRule,
  type ExitDecision,
} from './exit-policy.ts'
import { formatIp, parseIp } from './ip.ts'

const ip = (text: string): NonNullable<ReturnType<typeof parseIp>> => {
  const p = parseIp(text)
  if (p === undefined) throw new Error(`test address ${text} does not parse`)
  return p
}
const verdict = (d: ExitDecision): string => (d.allowed ? 'allow' : d.reason)

describe('real-mode exit policy (Tor reduced policy by default)', () => {
  const policy = createRealExitPolicy({ ownAddresses: ['203.0.114.7', '2a01:4f8::7'] })
  const tcp: [string, number, string][] = [
    ['8.8.8.8', 443, 'allow'],
    ['8.8.8.8', 80, 'allow'],
    ['93.184.216.34', 22, 'allow'],
    ['8.8.8.8', 25, 'rule'],
    ['8.8.8.8', 6881, 'rule'],
    ['8.8.8.8', 8333, 'allow'],
    ['127.0.0.1', 80, 'reserved'],
    ['127.255.255.254', 443, 'reserved'],
    ['10.0.0.1', 443, 'reserved'],
    ['10.255.255.255', 443, 'reserved'],
    ['172.16.0.1', 443, 'reserved'],
    ['172.31.255.255', 443, 'reserved'],
    ['172.32.0.1', 443, 'allow'],
    ['192.168.1.1', 443, 'reserved'],
    ['169.254.169.254', 80, 'reserved'],
    ['100.64.0.1', 443, 'reserved'],
    ['0.0.0.0', 443, 'reserved'],
    ['224.0.0.1', 443, 'reserved'],
    ['239.255.255.250', 443, 'reserved'],
    ['255.255.255.255', 443, 'reserved'],
    ['198.18.0.1', 443, 'reserved'],
    ['::1', 80, 'reserved'],
    ['::', 80, 'reserved'],
    ['fe80::1', 443, 'reserved'],
    ['fc00::1', 443, 'reserved'],
    ['fd12:3456::1', 443, 'reserved'],
    ['ff02::1', 443, 'reserved'],
    ['::ffff:127.0.0.1', 80, 'reserved'],
    ['::ffff:10.0.0.1', 80, 'reserved'],
    ['::ffff:8.8.8.8', 443, 'allow'],
    ['64:ff9b::7f00:1', 80, 'reserved'],
    ['2001:4860:4860::8888', 443, 'allow'],
    ['2001:db8::1', 443, 'reserved'],
    ['203.0.114.7', 443, 'own-address'],
    ['2a01:4f8::7', 443, 'own-address'],
  ]
  it.each(tcp)('TCP %s port %i: %s', (addr, port, expected) => {
    expect(verdict(decideExit(policy, ip(addr), port, 'tcp'))).toBe(expected)
  })

  const udp: [string, number, string][] = [
    ['8.8.8.8', 53, 'allow'],
    ['8.8.8.8', 443, 'allow'],
    ['1.2.3.4', 6881, 'allow'],
    ['1.2.3.4', 123, 'rule'],
    ['1.2.3.4', 0, 'rule'],
    ['192.168.1.1', 6881, 'reserved'],
  ]
  it.each(udp)('UDP %s port %i: %s', (addr, port, expected) => {
    expect(verdict(decideExit(policy, ip(addr), port, 'udp'))).toBe(expected)
  })

  it('applies custom rules first-match, and never lets a rule open a reserved block', () => {
    const custom = createRealExitPolicy({
      tcpRules: ['reject 1.2.3.0/24:*', 'accept *:*', 'accept 127.0.0.0/8:*'],
    })
    expect(verdict(decideExit(custom, ip('1.2.3.4'), 443, 'tcp'))).toBe('rule')
    expect(verdict(decideExit(custom, ip('1.2.4.4'), 25, 'tcp'))).toBe('allow')
    expect(verdict(decideExit(custom, ip('127.0.0.1'), 80, 'tcp'))).toBe('reserved')
    const v6 = createRealExitPolicy({ tcpRules: ['accept [2001:4860::]/32:443', 'reject *:*'] })
    expect(verdict(decideExit(v6, ip('2001:4860:4860::8888'), 443, 'tcp'))).toBe('allow')
    expect(verdict(decideExit(v6, ip('2001:4861::1'), 443, 'tcp'))).toBe('rule')
  })

  it.each([
    'allow *:80',
    'accept *',
    'accept *:0',
    'accept *:80-70',
    'accept 1.2.3.4/33:80',
    'accept 1.2.3:80',
    'accept *:99999',
  ])('refuses the malformed rule %j', (line) => {
    expect(
      errorCode(
        (() => {
          try {
            parsePolicyRule(line)
          } catch (err) {
            return err
          }
          return undefined
        })(),
      ),
    ).toBe('TUNNEL_CELL_MALFORMED')
  })
})

describe('world-mode exit policy', () => {
  const policy = createWorldExitPolicy(['10.77.0.0/16', '127.0.0.1/32'])
  it.each([
    ['10.77.3.4', 'allow'],
    ['127.0.0.1', 'allow'],
    ['::ffff:10.77.0.1', 'allow'],
    ['127.0.0.2', 'not-content-network'],
    ['10.78.0.1', 'not-content-network'],
    ['8.8.8.8', 'not-content-network'],
    ['::1', 'not-content-network'],
  ])('%s: %s', (addr, expected) => {
    expect(verdict(decideExit(policy, ip(addr), 80, 'tcp'))).toBe(expected)
    expect(verdict(decideExit(policy, ip(addr), 6881, 'udp'))).toBe(expected)
  })
})

describe('IP parsing', () => {
  it.each([
    '010.0.0.1',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.-1',
    '::1%eth0',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    'example.org',
    '',
    ' 1.2.3.4',
  ])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined()
  })
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['[fe80::1]', 'fe80::1'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['1::', '1::'],
  ])('formats %s canonically as %s', (text, canonical) => {
    expect(formatIp(ip(text))).toBe(canonical)
  })
})

describe('real-mode invariants (property)', () => {
  it('no rule list ever opens loopback, private or link-local IPv4, plain or IPv4-mapped', () => {
    const blocks: [number, number, number][] = [
      [127, 0, 8],
      [10, 0, 8],
      [172, 16, 12],
      [192, 168, 16],
      [169, 254, 16],
    ]
    fc.assert(
      fc.property(
        fc.constantFrom(...blocks),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 65535 }),
        fc.boolean(),
        (block, noise, port, mapped) => {
          const [a, b, bits] = block
          const base = ((a << 24) | (b << 16)) >>> 0
          const mask = bits === 32 ? 0 : 0xffffffff >>> bits
          const n = (base | (noise & mask)) >>> 0
          const quad = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
          const policy = createRealExitPolicy({ tcpRules: ['accept *:*'], udpRules: ['accept *:*'] })
          const target = ip(mapped ? `::ffff:${quad}` : quad)
          expect(decideExit(policy, target, port, 'tcp').allowed).toBe(false)
          expect(decideExit(policy, target, port, 'udp').allowed).toBe(false)
        },
      ),
    )
  })
})
