import { describe, expect, it } from 'vitest'
import { createNullLogger, createSeededRng, createVirtualClock, type VirtualClock } from '@dolly/base'
import { createIrcBot, privmsgLine, type IrcBot, type IrcLink } from './irc-bot.ts'
import { isOwnJoin } from './irc-protocol.ts'
import type { IrcSnapshot } from './irc-replies.ts'
import { isDollyError } from './test-helpers.ts'

const snapshot: IrcSnapshot = {
  initDate: '00:00:00 01-01-2026',
  mbWallet: null,
  coinWallet: null,
  testnet: false,
  mbBalanceBytes: 0n,
  coinSats: 5n,
  matchmakers: 0,
  uploadedBytes: 0n,
  downloadedBytes: 0n,
  helped: 0,
  helpedBy: 0,
  general: { host: 'h', option: 'o', vpn: false, tree: 't', exitnode: false },
  life: null,
  qtable: {
    offers: ['a_1', 'b_1'],
    q: [
      [0, 1],
      [2, 3],
    ],
  },
}

/** A server side of a memory link: what the bot wrote, and a way to send it lines. */
interface FakeServer {
  readonly written: string[]
  send(line: string): void
  hangUp(): void
}

function harness(clock: VirtualClock, opts: { refuse?: number } = {}) {
  const servers: FakeServer[] = []
  let refusals = opts.refuse ?? 0
  const persisted: string[] = []
  const reported: unknown[] = []
  const bot: IrcBot = createIrcBot(
    {
      clock,
      rng: createSeededRng('bot'),
      log: createNullLogger(),
      connect() {
        if (refusals > 0) {
          refusals -= 1
          return Promise.reject(new Error('ECONNREFUSED'))
        }
        const written: string[] = []
        let listener: ((line: string) => void) | undefined
        const { promise: closed, resolve } = Promise.withResolvers<void>()
        const link: IrcLink = {
          write: (line) => void written.push(line),
          onLine: (l) => void (listener = l),
          close: resolve,
          closed,
        }
        servers.push({ written, send: (line) => listener?.(line), hangUp: resolve })
        return Promise.resolve(link)
      },
      snapshot: () => Promise.resolve(snapshot),
      persistNick: (nick) => {
        persisted.push(nick)
        return Promise.resolve()
      },
      reportError: (component, err) => void reported.push({ component, err }),
    },
    {
      host: '127.0.0.1',
      port: 6667,
      channel: '#c',
      nick: 'plebbot4521',
      nickDef: 'plebbot',
      heartbeatMs: 60_000,
      queue: { capacity: 20, burst: 5, intervalMs: 1_000 },
      maxPendingCommands: 5,
    },
  )
  return { bot, servers, persisted, reported }
}

const settle = async (clock: VirtualClock): Promise<void> => {
  await clock.advance(0)
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

const said = (server: FakeServer | undefined): string[] =>
  (server?.written ?? [])
    .filter((l) => l.startsWith('PRIVMSG #c :'))
    .map((l) => l.slice('PRIVMSG #c :'.length))

describe('the IRC bot over a memory link and a virtual clock', () => {
  it('registers, joins after the MOTD, answers and beats every irc.timeout seconds', async () => {
    const clock = createVirtualClock(1_000)
    const { bot, servers } = harness(clock)
    await bot.start()
    await settle(clock)
    const s = servers[0]
    expect(s?.written).toEqual([
      'NICK plebbot4521',
      'USER plebbot4521 plebbot4521 plebbot4521 : Plebbot version 2.15',
    ])
    s?.send('PING :x')
    s?.send(':srv 376 plebbot4521 :End of MOTD command')
    await settle(clock)
    expect(s?.written.slice(2)).toEqual(['PONG :x', 'JOIN #c'])
    s?.send(':w!w@h PRIVMSG #c :!BTC_balance')
    await settle(clock)
    expect(said(s)).toEqual(['My BTC balance is:  0.00000005'])
    await clock.advance(60_000)
    await settle(clock)
    expect(said(s).at(-1)).toBe('IRC is still running - alive for 00:01:00')
    await clock.advance(60_000)
    await settle(clock)
    expect(said(s).at(-1)).toBe('IRC is still running - alive for 00:02:00')
    expect(said(s).filter((l) => l.startsWith('IRC is still running'))).toHaveLength(2)
    await bot.stop()
  })

  it('sends !qtables rows 3 s apart', async () => {
    const clock = createVirtualClock(0)
    const { bot, servers } = harness(clock)
    await bot.start()
    await settle(clock)
    const s = servers[0]
    s?.send(':srv 422 plebbot4521 :MOTD File is missing')
    s?.send(':w!w@h PRIVMSG #c :!qtables4521')
    await settle(clock)
    expect(said(s)).toHaveLength(1)
    await clock.advance(2_999)
    await settle(clock)
    expect(said(s)).toHaveLength(1)
    await clock.advance(1)
    await settle(clock)
    expect(said(s)).toHaveLength(2)
    await clock.advance(3_000)
    await settle(clock)
    expect(said(s)).toHaveLength(3)
    await bot.stop()
  })

  it('survives a flood of commands: bounded replies, the rest dropped and counted', async () => {
    const clock = createVirtualClock(0)
    const { bot, servers } = harness(clock)
    await bot.start()
    await settle(clock)
    const s = servers[0]
    s?.send(':srv 376 plebbot4521 :End')
    for (let i = 0; i < 1_000; i++) s?.send(':w!w@h PRIVMSG #c :!joke')
    await settle(clock)
    const burst = said(s).length
    expect(burst).toBeLessThanOrEqual(5)
    await clock.advance(60_000)
    await settle(clock)
    const total = said(s).filter((l) => l.startsWith('Q: ')).length
    // At most the pending commands plus the queue's capacity were ever answered; the rest dropped.
    expect(total).toBeLessThanOrEqual(5 + 20)
    expect(bot.state().commandsDropped).toBeGreaterThan(900)
    // Still alive: a later command is answered.
    await clock.advance(120_000)
    s?.send(':w!w@h PRIVMSG #c :!init')
    await settle(clock)
    await clock.advance(5_000)
    await settle(clock)
    expect(said(s).at(-1)).toBe('My init date is: 00:00:00 01-01-2026')
    await bot.stop()
  })

  it('reports a handler exception and posts the error line', async () => {
    const clock = createVirtualClock(0)
    const { bot, servers, reported } = harness(clock)
    await bot.start()
    await settle(clock)
    const s = servers[0]
    s?.send(':srv 376 plebbot4521 :End')
    s?.send(':w!w@h PRIVMSG #c :!error')
    await settle(clock)
    expect(said(s)).toEqual([
      'Let me create an error ...',
      'A error occurred in IRCbot This is a test error raised by !error',
    ])
    expect(reported).toHaveLength(1)
    expect(isDollyError((reported[0] as { err: unknown }).err, 'IRC_TEST_ERROR')).toBe(true)
    bot.postError('reporter', 'disk full\nsecond line')
    await settle(clock)
    expect(said(s).at(-1)).toBe('A error occurred in reporter disk full second line')
    await bot.stop()
  })

  it('takes a new nick on a collision and persists it', async () => {
    const clock = createVirtualClock(0)
    const { bot, servers, persisted } = harness(clock)
    await bot.start()
    await settle(clock)
    const s = servers[0]
    s?.send(':srv 433 * plebbot4521 :Nickname already in use')
    await settle(clock)
    const nick = bot.state().nick
    expect(nick).not.toBe('plebbot4521')
    expect(persisted).toEqual([nick])
    expect(s?.written.slice(2)).toEqual([
      `NICK ${nick}`,
      `USER ${nick} ${nick} ${nick} : Plebbot version 2.15`,
    ])
    s?.send(`:srv 376 ${nick} :End`)
    await settle(clock)
    expect(s?.written.at(-1)).toBe('JOIN #c')
    await bot.stop()
  })

  it('reconnects with growing backoff after refusals and after the server hangs up', async () => {
    const clock = createVirtualClock(0)
    const { bot, servers } = harness(clock, { refuse: 3 })
    await bot.start()
    await settle(clock)
    expect(servers).toHaveLength(0)
    // Backoff ceilings 1 s, 2 s, 4 s (jittered to half or more): connected within 7 s, not before 3.5 s.
    await clock.advance(3_400)
    await settle(clock)
    expect(servers).toHaveLength(0)
    await clock.advance(3_600)
    await settle(clock)
    expect(servers).toHaveLength(1)
    servers[0]?.send(':srv 376 plebbot4521 :End')
    await settle(clock)
    servers[0]?.hangUp()
    await settle(clock)
    expect(bot.state().connected).toBe(false)
    await clock.advance(1_000)
    await settle(clock)
    expect(servers).toHaveLength(2)
    expect(servers[1]?.written[0]).toBe('NICK plebbot4521')
    expect(bot.state().sessions).toBe(2)
    await bot.stop()
    expect(clock.pending()).toBe(0)
  })

  it('cuts a PRIVMSG to the 512-byte line limit', () => {
    const line = privmsgLine('#c', 'é'.repeat(600))
    expect(new TextEncoder().encode(`${line}\r\n`).length).toBeLessThanOrEqual(512)
    expect(line.startsWith('PRIVMSG #c :éé')).toBe(true)
  })
})

describe('isOwnJoin', () => {
  it("recognizes the server's echo of the bot's own JOIN, whatever the case, and nothing else", () => {
    expect(
      isOwnJoin(':plebbot4521!~plebbot4521@127.0.0.1 JOIN :#plebnet123', 'plebbot4521', '#plebnet123'),
    ).toBe(true)
    expect(isOwnJoin(':PlebBot4521!u@h JOIN #PlebNet123', 'plebbot4521', '#plebnet123')).toBe(true)
    expect(isOwnJoin(':opwatch!~o@127.0.0.1 JOIN :#plebnet123', 'plebbot4521', '#plebnet123')).toBe(false)
    expect(isOwnJoin(':plebbot4521!u@h JOIN :#other', 'plebbot4521', '#plebnet123')).toBe(false)
    expect(
      isOwnJoin(':plebbot4521!u@h PRIVMSG #plebnet123 :JOIN #plebnet123', 'plebbot4521', '#plebnet123'),
    ).toBe(false)
    expect(
      isOwnJoin(
        ':irc.dolly.world 366 plebbot4521 #plebnet123 :End of NAMES list',
        'plebbot4521',
        '#plebnet123',
      ),
    ).toBe(false)
  })
})
