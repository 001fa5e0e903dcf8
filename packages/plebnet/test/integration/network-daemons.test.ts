import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createQTable, serializeQTable } from '@dolly/learning'
import { parseNetworkSnapshot, type NetworkSnapshot, fileRemoteTables } from '@dolly/overlay'

const PLEBNET = resolve(import.meta.dirname, '..', '..', 'bin', 'plebnet.js')
const children: ChildProcess[] = []
const dirs: string[] = []

afterAll(async () => {
  // SIGTERM first (the daemon stops its components), SIGKILL whatever is still running after 10 s.
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
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [PLEBNET, '--home', home, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('close', (code) => resolvePromise({ code, out }))
  })
}

function daemon(home: string, extra: readonly string[]): void {
  const child = spawn(
    process.execPath,
    [
      PLEBNET,
      '--home',
      home,
      'daemon',
      '--status-listen',
      '127.0.0.1:0',
      '--gossip-listen',
      '127.0.0.1:0',
      ...extra,
    ],
    { stdio: 'ignore' },
  )
  children.push(child)
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

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined || Date.now() > deadline) return value
    await new Promise((r) => setTimeout(r, 500))
  }
}

describe('three plebnet daemons on loopback', () => {
  it('list each other as contacts and carry a Q-table change from one to the others', async () => {
    const root = await mkdtemp(join(tmpdir(), 'dolly-net-daemons-'))
    dirs.push(root)
    const homes = [1, 2, 3].map((i) => join(root, `a${i}`))
    for (const [i, home] of homes.entries()) {
      const setup = await plebnet(home, ['setup', '--testnet', '--tree', `plebbot${i + 1}`, '--no-service'])
      expect(setup.code, setup.out).toBe(0)
    }
    const [h1 = '', h2 = '', h3 = ''] = homes
    daemon(h1, [])
    const first = await until(async () => {
      const s = await snapshot(h1)
      return s !== undefined && s.addrs.length > 0 ? s : undefined
    }, 20_000)
    const bootstrap = first?.addrs[0]
    expect(bootstrap).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
    daemon(h2, ['--bootstrap', bootstrap ?? ''])
    daemon(h3, ['--bootstrap', bootstrap ?? ''])
    const table = createQTable(['alpha', 'beta'])
    await writeFile(
      join(h3, 'qtable.json.tmp'),
      JSON.stringify(
        serializeQTable({
          ...table,
          q: [
            [0.1, 0.9],
            [0.3, 0.4],
          ],
        }),
      ),
    )
    await rename(join(h3, 'qtable.json.tmp'), join(h3, 'qtable.json'))
    const converged = await until(async () => {
      const all = await Promise.all(homes.map(snapshot))
      if (all.some((s) => s === undefined)) return undefined
      const snaps = all as NetworkSnapshot[]
      const ids = snaps.map((s) => s.id)
      const everyoneListed = snaps.every((s) =>
        ids.every((id) => id === s.id || s.contacts.some((c) => c.id === id)),
      )
      const id3 = snaps[2]?.id
      const qtableSeen = snaps
        .slice(0, 2)
        .every((s) => s.contacts.some((c) => c.id === id3 && c.qtableVersion !== undefined))
      return everyoneListed && qtableSeen ? snaps : undefined
    }, 90_000)
    expect(converged).toBeDefined()
    const remote = JSON.parse(await readFile(join(h1, 'remote-qtables.json'), 'utf8')) as {
      entries: { senderId: string; q: number[][] }[]
    }
    expect(remote.entries.find((e) => e.senderId === converged?.[2]?.id)?.q).toEqual([
      [0.1, 0.9],
      [0.3, 0.4],
    ])
    // The learning tick's adapter (another process) reads the daemon's file back, standing included.
    const pending = await fileRemoteTables(h1).pending()
    const fromThird = pending.entries.find((e) => e.senderId === converged?.[2]?.id)
    expect(fromThird?.table.q).toEqual([
      [0.1, 0.9],
      [0.3, 0.4],
    ])
    expect(['family', 'known', 'stranger']).toContain(fromThird?.standing)
    const peers = await plebnet(h2, ['network', 'peers'])
    expect(peers.code).toBe(0)
    expect(peers.out).toContain('plebbot1')
    expect(peers.out).toContain('plebbot3')
    // Each daemon serves the ledger protocol over the overlay: another agent can crawl its chain.
    const crawl = await plebnet(h2, ['ledger', 'crawl', converged?.[0]?.id ?? '', '--json'])
    expect(crawl.code, crawl.out).toBe(0)
    expect(JSON.parse(crawl.out)).toMatchObject({ peer: converged?.[0]?.id, received: 0, rejected: [] })
  }, 180_000)
})
