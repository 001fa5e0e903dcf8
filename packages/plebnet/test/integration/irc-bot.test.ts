import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCryptoRng, createNullLogger, createSystemClock, realSleep } from '@dolly/base'
import { startIrcServer, type IrcServer } from '@dolly/world'
import { createIrcBot, type IrcBot } from '../../src/irc/irc-bot.ts'
import type { IrcSnapshot } from '../../src/irc/irc-replies.ts'
import { connectTcpLink } from '../../src/irc/adapters/tcp-link.ts'
import { CHANNEL, Client } from './irc-client.ts'

// The bot against a real ngircd (Debian's) on 127.0.0.1: a test client in the channel sends the
// commands of AGENT.md §11 and reads the bot's PRIVMSGs off the wire, byte for byte. Loopback only,
// but ngircd is a system binary: run it under the world lock like the other world tests.

const MB = 2n ** 20n

const snapshot: IrcSnapshot = {
  initDate: '14:03:07 03-12-2026',
  mbWallet: 'ab'.repeat(32),
  coinWallet: 'rltc1qworldaddress',
  testnet: false,
  mbBalanceBytes: 1536n * MB,
  coinSats: 123_456n,
  matchmakers: 3,
  uploadedBytes: 21n * MB,
  downloadedBytes: (5n * MB) / 2n,
  helped: 4,
  helpedBy: 2,
  general: { host: 'linevast', option: 'Basic', vpn: false, tree: 'dolly.0.1', exitnode: true },
  life: { leaseRemainingMs: 2 * 86_400_000 + 3_723_000, nextChildDays: 1.25 },
  qtable: {
    offers: ['linevast_basic', 'twosync_small'],
    q: [
      [0, 0.5],
      [1e-5, 2],
    ],
  },
}

/** What the commands must answer, byte-exact. */
const EXPECTED: Array<[string, string]> = [
  ['!init', 'My init date is: 14:03:07 03-12-2026'],
  ['!joke', 'Q: Why did the hipster burn his tongue? A: He ate the pizza before it was cool.'],
  ['!MB_wallet', `My MB wallet is: ${'ab'.repeat(32)}`],
  ['!BTC_wallet', 'My BTC wallet is: rltc1qworldaddress'],
  ['!TBTC_wallet', 'No TBTC wallet found'],
  ['!MB_balance', 'My MB balance is: 1536.00'],
  ['!BTC_balance', 'My BTC balance is:  0.00123456'],
  ['!TBTC_balance', 'My TBTC balance is: 0.00000000'],
  ['!matchmakers', 'I currently have: 3 matchmakers'],
  ['!uploaded', 'I currently have uploaded: 21.00 MB'],
  ['!downloaded', 'I currently have downloaded: 2.50 MB'],
  ['!helped', 'I currently have helped: 4 peers'],
  ['!helped_by', 'I am currently helped by: 2 peers'],
  [
    '!general',
    "general: {'host': 'linevast', 'option': 'Basic', 'vpn': False, 'tree': 'dolly.0.1', 'exitnode': True}",
  ],
  ['!life', 'My lease ends in 2 days + 01:02:03; next child in 1.3 days'],
]

let dir: string
let server: IrcServer
const clients: Client[] = []
const bots: IrcBot[] = []

function startBot(port: number, nick: string, persisted: string[] = [], heartbeatMs = 60_000): IrcBot {
  const bot = createIrcBot(
    {
      clock: createSystemClock(),
      rng: createCryptoRng(),
      log: createNullLogger(),
      connect: connectTcpLink,
      snapshot: () => Promise.resolve(snapshot),
      persistNick: (n) => {
        persisted.push(n)
        return Promise.resolve()
      },
    },
    {
      host: '127.0.0.1',
      port,
      channel: CHANNEL,
      nick,
      nickDef: 'plebbot',
      heartbeatMs,
      reconnectMinMs: 200,
      reconnectMaxMs: 1_000,
      queue: { capacity: 40, burst: 5, intervalMs: 250 },
    },
  )
  bots.push(bot)
  return bot
}

async function waitJoined(bot: IrcBot, timeoutMs = 15_000): Promise<void> {
  for (let waited = 0; waited <= timeoutMs; waited += 25) {
    if (bot.state().joined) return
    await realSleep(25)
  }
  throw new Error(`the bot did not join in ${timeoutMs} ms: ${JSON.stringify(bot.state())}`)
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dolly-irc-'))
  server = await startIrcServer({ dir: join(dir, 'irc'), listen: ['127.0.0.1'], penalties: false })
})

afterAll(async () => {
  for (const c of clients) c.close()
  for (const b of bots) await b.stop()
  await server?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('the IRC bot against a real ngircd', () => {
  it('joins after the MOTD and answers every command byte-exact, !qtables rows 3 s apart', async () => {
    const bot = startBot(server.port, 'plebbot4521', [], 4_000)
    await bot.start()
    await waitJoined(bot)
    const watcher = await Client.open(server.port, 'watcher')
    clients.push(watcher)
    const start = watcher.lines.length
    for (const [command] of EXPECTED) watcher.send(`PRIVMSG ${CHANNEL} :${command}`)
    watcher.send(`PRIVMSG ${CHANNEL} :!alive`)
    await watcher.waitFor((l) => l.includes(':I am alive, for '), 20_000, start)
    const said = watcher.said('plebbot4521', start).filter((t) => !t.startsWith('IRC is still running'))
    expect(said.slice(0, EXPECTED.length)).toEqual(EXPECTED.map(([, reply]) => reply))
    expect(said[EXPECTED.length]).toMatch(/^I am alive, for 0 days \+ 00:00:\d\d$/)

    // !qtables<N> with the startup nick's number: header and two rows, 3 s apart.
    const before = watcher.lines.length
    watcher.send(`PRIVMSG ${CHANNEL} :!qtables4521`)
    watcher.send(`PRIVMSG ${CHANNEL} :!qtables1`)
    await watcher.waitFor((l) => l.includes(':twosync1 '), 15_000, before)
    const pad = (s: string): string => s.padEnd(20)
    expect(watcher.said('plebbot4521', before).filter((t) => !t.startsWith('IRC is still'))).toEqual([
      [pad('-'), pad('linevast1'), 'twosync1'].join(' '),
      [pad('linevast1'), pad('0.0'), '0.5'].join(' '),
      [pad('twosync1'), pad('1e-05'), '2.0'].join(' '),
    ])
    // The heartbeat came every 4 s meanwhile.
    expect(
      watcher.said('plebbot4521', start).some((t) => /^IRC is still running - alive for 00:00:\d\d$/.test(t)),
    ).toBe(true)
  }, 45_000)

  it('posts the error line when a handler throws, and for other components', async () => {
    const watcher = clients[0] as Client
    const bot = bots[0] as IrcBot
    const before = watcher.lines.length
    watcher.send(`PRIVMSG ${CHANNEL} :!error`)
    await watcher.waitFor((l) => l.includes(':A error occurred in IRCbot '), 10_000, before)
    bot.postError('reporter', 'disk full')
    await watcher.waitFor((l) => l.endsWith(':A error occurred in reporter disk full'), 10_000, before)
    expect(watcher.said('plebbot4521', before).filter((t) => !t.startsWith('IRC is still'))).toEqual([
      'Let me create an error ...',
      'A error occurred in IRCbot This is a test error raised by !error',
      'A error occurred in reporter disk full',
    ])
  }, 20_000)

  it('survives a flood of commands: answers a bounded number, then still answers', async () => {
    const watcher = clients[0] as Client
    const bot = bots[0] as IrcBot
    // ngircd reads a few commands per second from each client, so the flood comes from many.
    const flooders = await Promise.all(
      Array.from({ length: 8 }, (_, i) => Client.open(server.port, `flooder${i}`)),
    )
    clients.push(...flooders)
    const before = watcher.lines.length
    for (let i = 0; i < 25; i++) for (const f of flooders) f.send(`PRIVMSG ${CHANNEL} :!joke`)
    const floodSeen = async (): Promise<void> => {
      for (let waited = 0; waited < 30_000; waited += 100) {
        if (watcher.lines.slice(before).filter((l) => / PRIVMSG #plebnet123 :!joke$/.test(l)).length >= 200)
          return
        await realSleep(100)
      }
      throw new Error('the flood did not reach the channel')
    }
    await floodSeen()
    expect(bot.state().connected).toBe(true)
    // A reply finding the send queue full is dropped: ask until the backlog has drained.
    let answered = false
    for (let i = 0; i < 15 && !answered; i++) {
      watcher.send(`PRIVMSG ${CHANNEL} :!init`)
      answered = await watcher
        .waitFor((l) => l.endsWith(':My init date is: 14:03:07 03-12-2026'), 3_000, before)
        .then(() => true)
        .catch(() => false)
    }
    expect(answered).toBe(true)
    const jokes = watcher.said('plebbot4521', before).filter((t) => t.startsWith('Q: ')).length
    expect(jokes).toBeGreaterThan(0)
    expect(jokes).toBeLessThan(200)
    expect(bot.state().commandsDropped).toBeGreaterThan(0)
  }, 60_000)

  it('takes another nick when its nick is held, persists it and answers under it', async () => {
    const holder = await Client.open(server.port, 'plebbot7777', false)
    clients.push(holder)
    const persisted: string[] = []
    const watcher = clients[0] as Client
    const joinedFrom = watcher.lines.length
    const bot = startBot(server.port, 'plebbot7777', persisted)
    await bot.start()
    await waitJoined(bot)
    const nick = bot.state().nick
    await watcher.waitFor((l) => l.startsWith(`:${nick}!`) && l.includes(' JOIN '), 10_000, joinedFrom)
    expect(nick).toMatch(/^plebbot\d{4,5}$/)
    expect(nick).not.toBe('plebbot7777')
    expect(persisted).toEqual([nick])
    const before = watcher.lines.length
    watcher.send(`PRIVMSG ${CHANNEL} :!general`)
    await watcher.waitFor((l) => l.startsWith(`:${nick}!`) && l.includes(':general: '), 10_000, before)
    // !qtables<N> keeps the startup nick's number.
    watcher.send(`PRIVMSG ${CHANNEL} :!qtables7777`)
    await watcher.waitFor((l) => l.startsWith(`:${nick}!`) && l.includes(':-  '), 10_000, before)
    await bot.stop()
  }, 30_000)

  it('reconnects and rejoins after the server restarts', async () => {
    const bot = bots[0] as IrcBot
    const sessions = bot.state().sessions
    for (const c of clients) c.close()
    clients.length = 0
    const port = server.port
    await server.stop()
    await realSleep(300)
    expect(bot.state().connected).toBe(false)
    server = await startIrcServer({ dir: join(dir, 'irc'), listen: ['127.0.0.1'], port, penalties: false })
    await waitJoined(bot, 20_000)
    expect(bot.state().sessions).toBeGreaterThan(sessions)
    const watcher = await Client.open(server.port, 'watcher2')
    clients.push(watcher)
    const before = watcher.lines.length
    watcher.send(`PRIVMSG ${CHANNEL} :!BTC_balance`)
    await watcher.waitFor((l) => l.endsWith(':My BTC balance is:  0.00123456'), 10_000, before)
  }, 40_000)
})
