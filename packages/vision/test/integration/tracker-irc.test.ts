import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startVision, TRACKER_COMMANDS, type VisionHandle } from '../../src/index.ts'
import { holdNick, startFakeBot, startNgircd, type FakeAgent, type FakeBot, type Ngircd } from './irc-kit.ts'

/**
 * The tracker against a real ngircd (Debian's) on loopback, with fake agents' bots that answer §11's
 * reply strings byte-exact: what the tracker stores, the tree Vision draws from it, a taken nick, a
 * goodbye, the legacy tracker.data import, and a server restart.
 */

const CHANNEL = '#plebnet123'
let dir = ''
let irc: Ngircd
let vision: VisionHandle | undefined
const bots: FakeBot[] = []
let releaseNick: () => void = () => {}

const agent = (nick: string, tree: string, over: Partial<FakeAgent> = {}): FakeAgent => ({
  nick,
  host: 'linevast',
  option: 'Basic',
  vpn: false,
  tree,
  exitnode: false,
  mbBalance: '12.5',
  btcBalance: '0.00123',
  tbtcBalance: '0',
  matchmakers: 3,
  uploadedMb: '100.25',
  downloadedMb: '7',
  ...over,
})

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const getJson = async <T>(url: string): Promise<T> => {
  const res = await fetch(url)
  if (!res.ok) throw new Error(`${url}: ${res.status}`)
  return (await res.json()) as T
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vision-irc-'))
  irc = await startNgircd(join(dir, 'ngircd'))
  releaseNick = await holdNick(irc, 'watcher')
  for (const a of [
    agent('plebbot1001', 'plebbot1001'),
    agent('plebbot2002', 'plebbot1001.0', { host: 'BlueAngelHost', vpn: true, btcBalance: '0.0005' }),
    agent('plebbot3003', 'plebbot1001.0.1', { uploadedMb: '1.5' }),
    agent('plebbot4004', 'plebbot1001.1', { exitnode: true }),
  ])
    bots.push(startFakeBot(irc, CHANNEL, a))
  await Promise.all(bots.map((b) => b.joined))
  // An old tracker's file in the data directory, imported at start (§12), with the legacy typo.
  await mkdir(join(dir, 'data'), { recursive: true })
  await writeFile(
    join(dir, 'data', 'tracker.data'),
    [
      "2018-06-02 13:04:05,678;plebbot0000;general;{'host': 'linevast', 'option': 'Basic', 'vpn': False, 'tree': 'plebbot0000', 'exitnode': False}",
      '2018-06-02 13:04:07,000;plebbot0000;BM_balance;42',
      '',
    ].join('\n'),
  )
  vision = await startVision({
    irc: { host: irc.host, port: irc.port },
    channel: CHANNEL,
    listenHost: '127.0.0.1',
    port: 0,
    dataDir: join(dir, 'data'),
    trackerIntervalS: 3,
    joinWaitMs: 300,
    commandGapMs: 150,
  })
}, 60_000)

afterAll(async () => {
  await vision?.close()
  for (const b of bots) b.stop()
  releaseNick()
  await irc?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('tracker on a real ngircd', () => {
  it('asks every command, stores every reply and draws the tree from the tree paths', async () => {
    const url = vision?.url ?? ''
    const net = await until('four agents in /network', async () => {
      const n = await getJson<{
        nodes: { id: string; label: string }[]
        edges: { from: string; to: string }[]
      }>(`${url}network`)
      return n.nodes.filter((x) => x.id.startsWith('plebbot1001')).length === 4 ? n : undefined
    })
    expect(
      net.edges
        .filter((e) => e.from.startsWith('plebbot1001'))
        .map((e) => `${e.from}>${e.to}`)
        .sort(),
    ).toEqual(['plebbot1001.0>plebbot1001.0.1', 'plebbot1001>plebbot1001.0', 'plebbot1001>plebbot1001.1'])
    expect(net.nodes.find((n) => n.id === 'plebbot1001.0')?.label).toBe('plebbot2002 (blueangelhost)')

    const last = async (key: string, metric: string): Promise<number | undefined> => {
      const points = await getJson<{ x: string; y: number }[]>(`${url}node/${key}/${metric}`)
      return points.at(-1)?.y
    }
    await until('the last reply of a round', () => last('plebbot1001.0.1', 'downloaded'))
    expect(await last('plebbot1001.0', 'BTC_balance')).toBe(0.0005)
    expect(await last('plebbot2002', 'BTC_balance')).toBe(0.0005)
    expect(await last('plebbot1001', 'MB_balance')).toBe(12.5)
    expect(await last('plebbot1001', 'TBTC_balance')).toBe(0)
    expect(await last('plebbot1001', 'matchmakers')).toBe(3)
    expect(await last('plebbot1001.0.1', 'uploaded')).toBe(1.5)
    expect(await last('plebbot1001.0.1', 'downloaded')).toBe(7)
    expect(await getJson(`${url}node/plebbot1001.0/info`)).toEqual({
      id: 'plebbot1001.0',
      children: 1,
      nick: 'plebbot2002',
      dead: false,
      host: 'BlueAngelHost',
      exitnode: false,
      vpn: true,
    })
    // Every bot heard the seven commands of a round, in order, from the tracker.
    for (const b of bots) expect(b.heard.slice(0, 7)).toEqual([...TRACKER_COMMANDS])

    // The next round picks up a changed figure.
    const bot = bots[2] as FakeBot
    bot.agent.uploadedMb = '2.75'
    expect(
      await until('the new upload figure', async () =>
        (await last('plebbot3003', 'uploaded')) === 2.75 ? 2.75 : undefined,
      ),
    ).toBe(2.75)
  }, 60_000)

  it('joins under another nick when watcher is taken', () => {
    const senders = new Set(bots.flatMap((b) => [...b.senders]))
    expect(senders.size).toBe(1)
    expect([...senders][0]).toMatch(/^watcher\d+$/)
  })

  it('imported the legacy tracker.data, BM_balance as MB_balance', async () => {
    const url = vision?.url ?? ''
    expect(await getJson(`${url}node/plebbot0000/MB_balance`)).toEqual([
      { x: '2018-06-02 13:04:07.000', y: 42 },
    ])
  })

  it('marks an agent dead at its goodbye line', async () => {
    const url = vision?.url ?? ''
    ;(bots[3] as FakeBot).say('goodbye: plebbot1001.1')
    const info = await until('the goodbye', async () => {
      const i = await getJson<{ dead: boolean }>(`${url}node/plebbot1001.1/info`)
      return i.dead ? i : undefined
    })
    expect(info).toMatchObject({ dead: true, nick: 'plebbot4004' })
  }, 30_000)

  it('reconnects and keeps tracking after the server restarts', async () => {
    const url = vision?.url ?? ''
    await irc.stop()
    for (const b of bots) b.stop()
    irc = await startNgircd(join(dir, 'ngircd'), irc.port)
    const fresh = startFakeBot(irc, CHANNEL, agent('plebbot5005', 'plebbot1001.0.2', { btcBalance: '0.007' }))
    bots.push(fresh)
    await fresh.joined
    const seen = await until(
      'a reply after the restart',
      async () => {
        const points = await getJson<{ y: number }[]>(`${url}node/plebbot1001.0.2/BTC_balance`)
        return points.length > 0 ? points : undefined
      },
      45_000,
    )
    expect(seen.at(-1)?.y).toBe(0.007)
  }, 60_000)
})
