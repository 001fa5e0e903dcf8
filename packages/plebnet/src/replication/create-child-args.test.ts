import { errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { parseCreateChildArgs } from './create-child-args.ts'
import { createChildExitCode } from './errors.ts'
import { isValidIp } from './ip.ts'

describe('create-child arguments', () => {
  it("parses the original script's flags, including -conf and -cred with two values", () => {
    expect(
      parseCreateChildArgs([
        '-i',
        '10.0.0.2',
        '-p',
        'pw',
        '-t',
        '-e',
        '-conf',
        'c.ovpn',
        'own_config.ovpn',
        '-cred',
        'c.conf',
        'own_credentials.conf',
      ]),
    ).toEqual({
      ip: '10.0.0.2',
      password: 'pw',
      testnet: true,
      exitNode: true,
      config: { src: 'c.ovpn', dest: 'own_config.ovpn' },
      credentials: { src: 'c.conf', dest: 'own_credentials.conf' },
      source: { kind: 'genome' },
      json: false,
      help: false,
    })
  })

  it('accepts long forms, --opt=value and the code sources', () => {
    const args = parseCreateChildArgs([
      '--ip=::1',
      '--password',
      'a b',
      '--release',
      '1.2.3',
      '--json',
      '--status-port',
      '9000',
    ])
    expect(args).toMatchObject({
      ip: '::1',
      password: 'a b',
      source: { kind: 'release', version: '1.2.3' },
      json: true,
      statusPort: 9000,
    })
    expect(parseCreateChildArgs(['-i', '1.2.3.4', '-p', 'x', '-b', 'develop']).source).toEqual({
      kind: 'branch',
      ref: 'develop',
    })
    expect(parseCreateChildArgs(['-i', '1.2.3.4', '-p', 'x', '--strategy', 'constant_sell']).strategy).toBe(
      'constant_sell',
    )
    expect(parseCreateChildArgs(['-i', '1.2.3.4', '-p', 'x']).strategy).toBeUndefined()
    expect(() => parseCreateChildArgs(['-i', '1.2.3.4', '-p', 'x', '--strategy', 'hodl'])).toThrow(
      /--strategy must be one of constant_sell, /,
    )
    expect(parseCreateChildArgs(['-h']).help).toBe(true)
    expect(parseCreateChildArgs(['-i', '1.2.3.4', '-p', 'x', '--self']).source).toEqual({ kind: 'self' })
    expect(
      parseCreateChildArgs(['-i', '1.2.3.4', '-p', 'x', '--release-url', 'http://10.78.1.1:8080']).releaseUrl,
    ).toBe('http://10.78.1.1:8080')
    expect(parseCreateChildArgs(['-i', '1.2.3.4', '-p', 'x', '--lease-end', '1795920000']).leaseEndS).toBe(
      1_795_920_000,
    )
  })

  it.each([
    [[], 'REPLICATION_USAGE'],
    [['-i', '1.2.3.4'], 'REPLICATION_USAGE'],
    [['-i', '1.2.3.4', '-p'], 'REPLICATION_USAGE'],
    [['-i', '1.2.3.4', '-p', 'x', '--bogus'], 'REPLICATION_USAGE'],
    [['-i', '1.2.3.4', '-p', 'x', '-conf', 'only-one'], 'REPLICATION_USAGE'],
    [['-i', '1.2.3.4', '-p', 'x', '-conf', 'a', '../etc/passwd'], 'REPLICATION_USAGE'],
    [['-i', '1.2.3.4', '-p', 'x', '--self', '--release', '1.0.0'], 'REPLICATION_USAGE'],
    [['-i', '1.2.3.4', '-p', 'x', '-i', '1.2.3.5'], 'REPLICATION_USAGE'],
    [['-i', '1.2.3.4', '-p', 'x', '--status-port', '70000'], 'REPLICATION_USAGE'],
    [['-i', '1.2.3.4', '-p', 'x', '--lease-end', '2026-11-30'], 'REPLICATION_USAGE'],
    [['-i', '1.2.3.4', '-p', 'x', '--lease-end', '-5'], 'REPLICATION_USAGE'],
    [['-i', '256.1.1.1', '-p', 'x'], 'REPLICATION_IP_INVALID'],
    [['-i', 'example.com', '-p', 'x'], 'REPLICATION_IP_INVALID'],
  ])('refuses %j with %s', (argv, code) => {
    let got: string | undefined
    try {
      parseCreateChildArgs(argv)
    } catch (err) {
      got = errorCode(err)
    }
    expect(got).toBe(code)
  })

  it.each([
    ['10.77.3.2', true],
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['1.2.3', false],
    ['01.2.3.4', false],
    ['1.2.3.256', false],
    ['::1', true],
    ['2001:db8::8a2e:370:7334', true],
    ['::ffff:10.0.0.1', true],
    ['1::2::3', false],
    ['2001:db8:0:0:0:0:0:0:1', false],
    ['fe80::1%eth0', false],
  ])('validates IP %s as %s', (ip, ok) => {
    expect(isValidIp(ip)).toBe(ok)
  })

  it.each([
    ['REPLICATION_USAGE', 1],
    ['REPLICATION_SSH_AUTH_FAILED', 2],
    ['REPLICATION_SSH_UNREACHABLE', 2],
    ['REPLICATION_HOST_KEY_CHANGED', 2],
    ['REPLICATION_REMOTE_FAILED', 3],
    ['REPLICATION_SERVER_OCCUPIED', 3],
    ['REPLICATION_CHECKSUM_MISMATCH', 3],
    ['REPLICATION_SETUP_FAILED', 4],
    ['REPLICATION_HEARTBEAT_TIMEOUT', 4],
    [undefined, 3],
  ])('maps %s to exit %d (AGENT.md §8)', (code, exit) => {
    expect(createChildExitCode(code)).toBe(exit)
  })
})
