import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { runCli, type CliIo } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { PLEBNET_CLI_EXIT_STATUS } from './exit-status.ts'
import type { NetworkSnapshot } from '@dolly/overlay'
import { registerNetworkCommands } from './network.ts'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

const snapshot: NetworkSnapshot = {
  format: 'dolly-network',
  version: 1,
  id: 'a'.repeat(64),
  peerId: '12D3KooWExample',
  addrs: ['/ip4/127.0.0.1/tcp/8000/p2p/12D3KooWExample'],
  treePath: 'plebbot1.0',
  writtenAtMs: 1_700_000_000_000,
  view: ['b'.repeat(64)],
  contacts: [
    {
      id: 'b'.repeat(64),
      addrs: ['/ip4/127.0.0.2/tcp/8000'],
      treePath: 'plebbot1',
      updatedMs: 1,
      expiresMs: 2,
      inView: true,
      qtableVersion: 5,
    },
  ],
  stats: {
    bytesSent: 10,
    bytesReceived: 20,
    messagesSent: 1,
    shuffles: 2,
    exchanges: 3,
    failedRequests: 0,
    rejected: { NETWORK_REPLAYED: 1 },
  },
}

async function run(home: string, args: string[]) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t) }
  const program = new Command('plebnet').option('--home <dir>', 'home', home)
  registerNetworkCommands(program, io, { nowMs: () => 1_700_000_004_000 })
  const code = await runCli(program, args, io, PLEBNET_CLI_EXIT_STATUS)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('plebnet network', () => {
  it('prints status and peers from the daemon snapshot', async () => {
    const home = await mkdtemp(join(tmpdir(), 'dolly-net-cli-'))
    dirs.push(home)
    await writeFile(join(home, 'network.json'), JSON.stringify(snapshot))
    const status = await run(home, ['network', 'status'])
    expect(status.code).toBe(0)
    expect(status.out).toMatchInlineSnapshot(`
      "network of plebbot1.0: id aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
      peer id 12D3KooWExample
      listening on /ip4/127.0.0.1/tcp/8000/p2p/12D3KooWExample
      contacts 1, view 1, snapshot 4 s old
      sent 10 B in 1 requests, received 20 B; 2 shuffles, 3 exchanges, 0 failed
      rejected: NETWORK_REPLAYED 1"
    `)
    const peers = await run(home, ['network', 'peers', '--json'])
    expect(JSON.parse(peers.out)).toEqual(snapshot.contacts)
    const json = await run(home, ['network', 'status', '--json'])
    expect(JSON.parse(json.out)).toMatchObject({ id: snapshot.id, contacts: 1 })
  })

  it('fails with NETWORK_STATUS_UNAVAILABLE when no daemon wrote a snapshot', async () => {
    const home = await mkdtemp(join(tmpdir(), 'dolly-net-cli-'))
    dirs.push(home)
    const r = await run(home, ['network', 'peers'])
    expect(r.code).toBe(1)
    expect(r.err).toContain('plebnet daemon')
  })
})
