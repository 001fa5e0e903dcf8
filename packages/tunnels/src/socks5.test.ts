import { errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import {
  encodeReply,
  encodeUdpDatagram,
  parseGreeting,
  parseRequest,
  parseUdpDatagram,
  SOCKS_REPLY,
  socksReplyFor,
} from './socks5.ts'

const hex = (s: string): Uint8Array => Buffer.from(s.replace(/\s/g, ''), 'hex')
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (err) {
    return errorCode(err)
  }
  return undefined
}

describe('SOCKS5 codec (RFC 1928)', () => {
  it('waits for a whole greeting, then reads whether no-auth is offered', () => {
    expect(parseGreeting(hex('05')).done).toBe(false)
    expect(parseGreeting(hex('0502 00')).done).toBe(false)
    expect(parseGreeting(hex('0502 0002'))).toEqual({
      done: true,
      value: { noAuthOffered: true },
      consumed: 4,
    })
    expect(parseGreeting(hex('0501 02'))).toEqual({
      done: true,
      value: { noAuthOffered: false },
      consumed: 3,
    })
  })

  it.each([
    ['IPv4 CONNECT', '05 01 00 01 7f000001 0050', { command: 'connect', host: '127.0.0.1', port: 80 }],
    [
      'domain CONNECT',
      `05 01 00 03 0b ${Buffer.from('example.org').toString('hex')} 01bb`,
      { command: 'connect', host: 'example.org', port: 443 },
    ],
    [
      'IPv6 CONNECT',
      '05 01 00 04 00000000000000000000000000000001 0050',
      { command: 'connect', host: '::1', port: 80 },
    ],
    ['UDP ASSOCIATE', '05 03 00 01 00000000 0000', { command: 'udp-associate', host: '0.0.0.0', port: 0 }],
    [
      'an unknown command',
      '05 09 00 01 7f000001 0050',
      { command: 'unsupported', host: '127.0.0.1', port: 80 },
    ],
  ])('parses %s', (_name, bytes, value) => {
    const r = parseRequest(hex(bytes))
    expect(r).toEqual({ done: true, value, consumed: hex(bytes).length })
  })

  it('needs more bytes for a truncated request', () => {
    expect(parseRequest(hex('05 01 00 01 7f00')).done).toBe(false)
    expect(parseRequest(hex('05 01 00 03 0b 6578')).done).toBe(false)
  })

  it.each([
    ['SOCKS4', '04 01 00 01 7f000001 0050', 'TUNNEL_SOCKS_MALFORMED'],
    ['reserved byte set', '05 01 01 01 7f000001 0050', 'TUNNEL_SOCKS_MALFORMED'],
    ['address type 9', '05 01 00 09 7f000001 0050', 'TUNNEL_SOCKS_UNSUPPORTED'],
    ['empty domain', '05 01 00 03 00 0050', 'TUNNEL_SOCKS_MALFORMED'],
    [
      'domain with a slash',
      `05 01 00 03 03 ${Buffer.from('a/b').toString('hex')} 0050`,
      'TUNNEL_SOCKS_MALFORMED',
    ],
  ])('rejects %s', (_name, bytes, code) => {
    expect(codeOf(() => parseRequest(hex(bytes)))).toBe(code)
  })

  it('rejects a greeting of the wrong version or with no methods', () => {
    expect(codeOf(() => parseGreeting(hex('0401 00')))).toBe('TUNNEL_SOCKS_MALFORMED')
    expect(codeOf(() => parseGreeting(hex('0500')))).toBe('TUNNEL_SOCKS_MALFORMED')
  })

  it('encodes replies with the bound address', () => {
    expect(Buffer.from(encodeReply(SOCKS_REPLY.NOT_ALLOWED)).toString('hex')).toBe('05020001000000000000')
    expect(
      Buffer.from(encodeReply(0, { family: 4, bytes: Uint8Array.of(127, 0, 0, 1) }, 1080)).toString('hex'),
    ).toBe('050000017f0000010438')
  })

  it('round-trips UDP datagrams and refuses fragments', () => {
    const framed = encodeUdpDatagram(
      { host: '10.0.0.1', port: 53, data: hex('abcd') },
      { family: 4, bytes: Uint8Array.of(10, 0, 0, 1) },
    )
    expect(Buffer.from(framed).toString('hex')).toBe('0000000 10a000001 0035 abcd'.replace(/\s/g, ''))
    const back = parseUdpDatagram(framed)
    expect([back.host, back.port, Buffer.from(back.data).toString('hex')]).toEqual(['10.0.0.1', 53, 'abcd'])
    const named = parseUdpDatagram(
      encodeUdpDatagram({ host: 'dht.test', port: 6881, data: new Uint8Array(0) }, undefined),
    )
    expect([named.host, named.port, named.data.length]).toEqual(['dht.test', 6881, 0])
    expect(codeOf(() => parseUdpDatagram(hex('000001 01 0a000001 0035')))).toBe('TUNNEL_SOCKS_UNSUPPORTED')
    expect(codeOf(() => parseUdpDatagram(hex('0100')))).toBe('TUNNEL_SOCKS_MALFORMED')
  })

  it('answers an exit-policy refusal with 0x02 and maps the other codes', () => {
    expect(socksReplyFor('TUNNEL_EXIT_POLICY')).toBe(0x02)
    expect(socksReplyFor('TUNNEL_EXIT_REFUSED')).toBe(0x05)
    expect(socksReplyFor('TUNNEL_DNS_FAILED')).toBe(0x04)
    expect(socksReplyFor('TUNNEL_NO_PATH')).toBe(0x03)
    expect(socksReplyFor(undefined)).toBe(0x01)
  })
})
