import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parsePrivmsgLine, parseReply, type Reply } from './reply-parser.ts'

/** Every reply form of AGENT.md §11 the tracker reads, byte-exact as the bot sends it, and what it stores. */
const VALID: readonly (readonly [string, Reply])[] = [
  ['My MB balance is: 12.5', { kind: 'metric', metric: 'MB_balance', value: 12.5 }],
  ['My MB balance is: 0', { kind: 'metric', metric: 'MB_balance', value: 0 }],
  // The double space after `BTC balance is:` (§11).
  ['My BTC balance is:  0.00123', { kind: 'metric', metric: 'BTC_balance', value: 0.00123 }],
  ['My BTC balance is:  1e-05', { kind: 'metric', metric: 'BTC_balance', value: 0.00001 }],
  ['My TBTC balance is: 3', { kind: 'metric', metric: 'TBTC_balance', value: 3 }],
  // The legacy typo, as the plotter accepts it.
  ['My BM balance is: 7', { kind: 'metric', metric: 'MB_balance', value: 7 }],
  ['I currently have: 4 matchmakers', { kind: 'metric', metric: 'matchmakers', value: 4 }],
  ['I currently have uploaded: 1536.25 MB', { kind: 'metric', metric: 'uploaded', value: 1536.25 }],
  ['I currently have downloaded: 0.0 MB', { kind: 'metric', metric: 'downloaded', value: 0 }],
  [
    "general: {'host': 'linevast', 'option': 'Basic', 'vpn': True, 'tree': 'plebbot4521.0', 'exitnode': False}",
    {
      kind: 'general',
      general: { host: 'linevast', option: 'Basic', vpn: true, tree: 'plebbot4521.0', exitnode: false },
    },
  ],
  // Python 2's u prefix (§12 drops it).
  [
    "general: {u'host': u'BlueAngelHost', u'option': u'VPS 1', u'vpn': False, u'tree': u'P', u'exitnode': True}",
    {
      kind: 'general',
      general: { host: 'BlueAngelHost', option: 'VPS 1', vpn: false, tree: 'P', exitnode: true },
    },
  ],
  [
    'My lease ends in 3 days + 04:05:06; next child in 1.5 days',
    { kind: 'life', leaseLeftS: 3 * 86_400 + 4 * 3600 + 5 * 60 + 6, nextChildDays: 1.5 },
  ],
  [
    'My lease ends in 0 days + 00:09:59; next child: never',
    { kind: 'life', leaseLeftS: 599, nextChildDays: null },
  ],
  // `unknown` (the agent cannot tell yet, plebnet's bot) stores the lease and no next-child time.
  [
    'My lease ends in 2 days + 00:00:00; next child: unknown',
    { kind: 'life', leaseLeftS: 172_800, nextChildDays: null },
  ],
  ['goodbye: plebbot4521.0.1', { kind: 'goodbye', tree: 'plebbot4521.0.1' }],
]

/** Whitespace variants the new parser tolerates (§12: anchored and whitespace-tolerant). */
const TOLERATED: readonly (readonly [string, Reply])[] = [
  ['  My  MB   balance is:12.5  ', { kind: 'metric', metric: 'MB_balance', value: 12.5 }],
  ['My BTC balance is: 0.5', { kind: 'metric', metric: 'BTC_balance', value: 0.5 }],
  ['My\tTBTC balance\tis:   3', { kind: 'metric', metric: 'TBTC_balance', value: 3 }],
  ['I currently have:   4    matchmakers', { kind: 'metric', metric: 'matchmakers', value: 4 }],
  ['I  currently have uploaded:2MB', { kind: 'metric', metric: 'uploaded', value: 2 }],
  [
    "general:{ 'host' : 'x' ,'option':'o','vpn':False,'tree':'P.0','exitnode':False }",
    { kind: 'general', general: { host: 'x', option: 'o', vpn: false, tree: 'P.0', exitnode: false } },
  ],
]

/** Text that is no tracked reply, or a known reply whose value is unusable, with the code it gets. */
const INVALID: readonly (readonly [string, string])[] = [
  ['', 'VISION_REPLY_UNKNOWN'],
  ['Q: Why did the hipster burn his tongue? A: He ate the pizza before it was cool.', 'VISION_REPLY_UNKNOWN'],
  ['IRC is still running - alive for 00:01:00', 'VISION_REPLY_UNKNOWN'],
  ['!general', 'VISION_REPLY_UNKNOWN'],
  ['I am an online tracker!', 'VISION_REPLY_UNKNOWN'],
  ['No MB wallet found', 'VISION_REPLY_UNKNOWN'],
  // A figure the agent does not know yet is no data point (and no error).
  ['My MB balance is: unknown', 'VISION_REPLY_UNKNOWN'],
  ['My BTC balance is:  unknown', 'VISION_REPLY_UNKNOWN'],
  ['I currently have: unknown matchmakers', 'VISION_REPLY_UNKNOWN'],
  ['I currently have uploaded: unknown MB', 'VISION_REPLY_UNKNOWN'],
  ['My lease end is not known yet', 'VISION_REPLY_UNKNOWN'],
  // Anchored: a reply inside other text is not the reply.
  ['he said My MB balance is: 5', 'VISION_REPLY_UNKNOWN'],
  ['My MB balance is: 5 or so', 'VISION_REPLY_MALFORMED'],
  ['My MB balance is: five', 'VISION_REPLY_MALFORMED'],
  ['My MB balance is:', 'VISION_REPLY_MALFORMED'],
  ['My BTC balance is:  NaN', 'VISION_REPLY_MALFORMED'],
  ['My BTC balance is:  Infinity', 'VISION_REPLY_MALFORMED'],
  ['My MB balance is: 1e999', 'VISION_REPLY_MALFORMED'],
  ['I currently have: many matchmakers', 'VISION_REPLY_MALFORMED'],
  ['I currently have: 2.5 matchmakers', 'VISION_REPLY_MALFORMED'],
  ['I currently have uploaded: 12 GB', 'VISION_REPLY_MALFORMED'],
  ['I currently have downloaded: MB', 'VISION_REPLY_MALFORMED'],
  ['general: not a dict', 'VISION_REPLY_MALFORMED'],
  ["general: {'host': 'x', 'tree': 'P'", 'VISION_REPLY_MALFORMED'],
  ["general: {'host': 'x', 'tree': 'P'} trailing", 'VISION_REPLY_MALFORMED'],
  ["general: {'host': 'x', 'host': 'y', 'tree': 'P'}", 'VISION_REPLY_MALFORMED'],
  ["general: {'host': 1, 'tree': 'P'}", 'VISION_REPLY_MALFORMED'],
  ["general: {'host': 'x', 'tree': 'P', 'vpn': 'yes'}", 'VISION_REPLY_MALFORMED'],
  ["general: {'host': 'x', 'option': 'o', 'vpn': True}", 'VISION_TREE_INVALID'],
  ["general: {'host': 'x', 'tree': 'P..0'}", 'VISION_TREE_INVALID'],
  ["general: {'host': 'x', 'tree': 'P.0 evil'}", 'VISION_TREE_INVALID'],
  ["general: {'host': 'x', 'tree': ''}", 'VISION_TREE_INVALID'],
  ['My lease ends in soon', 'VISION_REPLY_MALFORMED'],
  ['My lease ends in 3 days + 04:65:06; next child: never', 'VISION_REPLY_MALFORMED'],
  ['goodbye: P..1', 'VISION_TREE_INVALID'],
  ['goodbye: ', 'VISION_TREE_INVALID'],
  [`My MB balance is: ${'9'.repeat(600)}`, 'VISION_REPLY_MALFORMED'],
]

describe('parseReply', () => {
  for (const [text, reply] of VALID)
    it(`reads ${JSON.stringify(text)}`, () => expect(parseReply(text)).toEqual({ ok: true, reply }))

  for (const [text, reply] of TOLERATED)
    it(`tolerates the whitespace of ${JSON.stringify(text)}`, () =>
      expect(parseReply(text)).toEqual({ ok: true, reply }))

  for (const [text, code] of INVALID)
    it(`rejects ${JSON.stringify(text.slice(0, 60))} with ${code}`, () => {
      const r = parseReply(text)
      expect(r.ok).toBe(false)
      if (!r.ok) {
        expect(r.code).toBe(code)
        expect(r.reason.length).toBeGreaterThan(0)
      }
    })

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 600 }),
          fc
            .constantFrom('My MB balance is: ', 'general: {', "general: {'host': '", 'My lease ends in ')
            .chain((p) => fc.string({ maxLength: 80 }).map((s) => p + s)),
        ),
        (text) => {
          const r = parseReply(text)
          expect(typeof r.ok).toBe('boolean')
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('reads back any balance it is sent', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), (value) => {
        const r = parseReply(`My BTC balance is:  ${value}`)
        expect(r).toEqual({ ok: true, reply: { kind: 'metric', metric: 'BTC_balance', value } })
      }),
    )
  })
})

describe('parsePrivmsgLine', () => {
  it('takes the sender nick from the prefix, between : and !', () => {
    expect(
      parsePrivmsgLine(':plebbot4521!~plebbot@10.78.0.5 PRIVMSG #plebnet123 :My MB balance is: 3\r\n'),
    ).toEqual({
      nick: 'plebbot4521',
      target: '#plebnet123',
      text: 'My MB balance is: 3',
    })
  })

  it('keeps the double space inside the text', () => {
    expect(parsePrivmsgLine(':a!b@c PRIVMSG #x :My BTC balance is:  1')?.text).toBe('My BTC balance is:  1')
  })

  it('reads a line with IRCv3 tags and a bare nick prefix', () => {
    expect(parsePrivmsgLine('@time=2026-01-01T00:00:00Z :bot PRIVMSG #x :hi')).toEqual({
      nick: 'bot',
      target: '#x',
      text: 'hi',
    })
  })

  it('ignores lines that are no PRIVMSG', () => {
    expect(parsePrivmsgLine('PING :irc.local')).toBeUndefined()
    expect(parsePrivmsgLine(':irc.local 376 watcher :End of MOTD')).toBeUndefined()
    expect(parsePrivmsgLine(':a!b@c NOTICE #x :hi')).toBeUndefined()
    expect(parsePrivmsgLine('')).toBeUndefined()
  })
})
