import { spawn, type ChildProcess } from 'node:child_process'
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createNullLogger,
  createSeededRng,
  createSystemClock,
  generateIdentity,
  hexToBytes,
  bytesToHex,
} from '@dolly/base'
import { encodeOrder, signOrder } from '@dolly/market'
import { parseNetworkSnapshot, startLibp2pHost, type Libp2pHost, type NetworkSnapshot } from '@dolly/overlay'
import { createLibp2pMarketChannel } from '../../src/market/adapters/libp2p-market-channel.ts'
import { askMarket } from '../../src/market/channel.ts'
import { peerIdOfHex } from '../../src/tunnels/directory.ts'

// A real `plebnet daemon` on loopback (no namespaces): no world lock needed.

const PLEBNET = resolve(import.meta.dirname, '..', '..', 'bin', 'plebnet.js')
const children: ChildProcess[] = []
const dirs: string[] = []
const hosts: Libp2pHost[] = []

afterAll(async () => {
  for (const h of hosts) await h.stop()
  const exited = children.map((c) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => c.once('exit', () => r())),
  )
  for (const c of children) c.kill('SIGTERM')
  const timer = setTimeout(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  }, 10_000)
  await Promise.all(exited)
  clearTimeout(timer)
  for (const d of dirs) await rm(d, { recursive: true, force: true })
}, 30_000)

function plebnet(home: string, args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [PLEBNET, '--home', home, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('close', (code) => done({ code, out }))
  })
}

async function snapshot(home: string): Promise<NetworkSnapshot | undefined> {
  const text = await readFile(join(home, 'network.json'), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    return parseNetworkSnapshot(JSON.parse(text))
  } catch {
    return undefined
  }
}

describe('plebnet daemon with [market] enabled = 1', () => {
  it('serves a matchmaker on /dolly/market/1.0.0: an order rests and the book lists it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'dolly-market-daemon-'))
    dirs.push(root)
    const home = join(root, 'a1')
    const setup = await plebnet(home, ['setup', '--testnet', '--tree', 'plebbot1', '--no-service'])
    expect(setup.code, setup.out).toBe(0)
    await appendFile(join(home, 'plebnet_setup.cfg'), '\n[market]\nenabled = 1\n')
    const child = spawn(
      process.execPath,
      [PLEBNET, '--home', home, 'daemon', '--status-listen', '127.0.0.1:0', '--gossip-listen', '127.0.0.1:0'],
      { stdio: 'ignore' },
    )
    children.push(child)
    let snap: NetworkSnapshot | undefined
    for (let i = 0; i < 60 && (snap === undefined || snap.addrs.length === 0); i++) {
      await new Promise((r) => setTimeout(r, 500))
      snap = await snapshot(home)
    }
    expect(snap?.addrs.length).toBeGreaterThan(0)
    const daemonKey = hexToBytes(snap?.id ?? '')
    if (daemonKey === undefined) throw new Error('no daemon key')

    const trader = generateIdentity(createSeededRng('market-daemon-trader'))
    const host = await startLibp2pHost(trader, {
      listen: ['/ip4/127.0.0.1/tcp/0'],
      protocols: [],
      log: createNullLogger(),
    })
    hosts.push(host)
    host.learn(daemonKey, snap?.addrs ?? [])
    const channel = createLibp2pMarketChannel({ host, log: createNullLogger() })
    const to = peerIdOfHex(snap?.id ?? '') ?? ''
    const order = signOrder(
      {
        number: 1,
        side: 'ask',
        mbBytes: 10n << 20n,
        sats: 500n,
        timestampMs: createSystemClock().nowMs(),
        timeoutS: 600,
      },
      trader,
    )
    // The daemon's market may start a moment after its network: retry while the protocol is not served yet.
    let answer = await askMarket(channel, to, { t: 'order', order: encodeOrder(order) }).catch(
      () => undefined,
    )
    for (let i = 0; i < 20 && answer === undefined; i++) {
      await new Promise((r) => setTimeout(r, 500))
      answer = await askMarket(channel, to, { t: 'order', order: encodeOrder(order) }).catch(() => undefined)
    }
    expect(answer).toEqual({ t: 'ok' })
    const book = await askMarket(channel, to, { t: 'book?', limit: 10 })
    const me = bytesToHex(trader.publicKey)
    expect(book).toEqual({
      t: 'book',
      bids: [],
      asks: [{ id: `${me}:1`, trader: me, mbBytes: 10n << 20n, sats: 500n, remaining: 10n << 20n }],
    })
    expect(await askMarket(channel, to, { t: 'order', order: encodeOrder(order) })).toEqual({
      t: 'err',
      code: 'MARKET_ORDER_REPLAYED',
    })
  }, 90_000)
})
