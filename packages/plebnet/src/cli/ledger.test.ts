import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Command } from 'commander'
import { createSeededRng, createVirtualClock, runCli, type CliIo } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { PLEBNET_CLI_EXIT_STATUS } from './exit-status.ts'
import { loadOrCreateIdentity, generateIdentity, bytesToHex } from '@dolly/base'
import {
  createMemoryNetwork,
  openSqliteLedgerStore,
  createExpectations,
  createLedger,
  createLedgerProtocol,
} from '@dolly/ledger'
import { registerLedgerCommands, type LedgerCliDeps } from './ledger.ts'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})
const MiB = 1n << 20n

async function run(home: string, args: string[], deps: Partial<LedgerCliDeps> = {}) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t) }
  const program = new Command('plebnet').option('--home <dir>', 'home', home)
  registerLedgerCommands(program, io, {
    clock: createVirtualClock(1_700_000_000_000),
    rng: createSeededRng('cli'),
    ...deps,
  })
  const code = await runCli(program, args, io, PLEBNET_CLI_EXIT_STATUS)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** A home whose agent was paid 3 MiB + 512 bytes by a peer and paid 1 MiB back. */
async function homeWithBlocks() {
  const home = join(await mkdtemp(join(tmpdir(), 'dolly-ledger-cli-')), 'home')
  dirs.push(join(home, '..'))
  const me = await loadOrCreateIdentity(home, createSeededRng('cli-me'))
  const peer = generateIdentity(createSeededRng('cli-peer'))
  const clock = createVirtualClock(1_700_000_000_000)
  const store = openSqliteLedgerStore(join(home, 'state.sqlite'))
  const peerStore = openSqliteLedgerStore(':memory:')
  const myExpectations = createExpectations({ clock })
  const theirExpectations = createExpectations({ clock })
  const mine = createLedger({ store, signer: me, clock }, { policy: myExpectations })
  const theirs = createLedger({ store: peerStore, signer: peer, clock }, { policy: theirExpectations })
  for (const [from, to, toExpects, up, down] of [
    [theirs, mine, myExpectations, 0n, 3n * MiB + 512n],
    [mine, theirs, theirExpectations, 0n, MiB],
  ] as const) {
    if (!toExpects.expect(from.publicKey, { ref: 'payment', upBytes: down, downBytes: up }).ok)
      throw new Error('expectation table full')
    const proposal = from.proposeBandwidth(to.publicKey, up, down)
    const agreed = to.agree(proposal)
    if (!agreed.ok) throw new Error(agreed.code)
    from.add(agreed.agreement)
  }
  store.close()
  return { home, me, peer, peerStore, theirs }
}

describe('plebnet ledger', () => {
  it('shows the balance in MB with the exact byte count', async () => {
    const { home, peerStore } = await homeWithBlocks()
    const human = await run(home, ['ledger', 'balance'])
    expect(human.code).toBe(0)
    expect(human.out.split('\n').slice(1).join('\n')).toMatchInlineSnapshot(`
      "balance:    2 MB (2,097,664 bytes)
      blocks:     2"
    `)
    const json = await run(home, ['ledger', 'balance', '--json'])
    expect(JSON.parse(json.out)).toMatchObject({ balanceMb: '2', balanceBytes: '2097664', latestSeq: 2 })
    peerStore.close()
  })

  it('lists blocks of its own chain and of another stored chain', async () => {
    const { home, peer, peerStore } = await homeWithBlocks()
    const own = await run(home, ['ledger', 'blocks'])
    expect(own.out).toMatch(
      /^#1 agreement of [0-9a-f]{16}…#1: up 3,146,240 B, down 0 B, balance 3,146,240 B\n#2 proposal to [0-9a-f]{16}…: up 0 B, down 1,048,576 B, balance 2,097,664 B$/,
    )
    const theirs = await run(home, ['ledger', 'blocks', '--pk', bytesToHex(peer.publicKey), '--json'])
    expect(
      JSON.parse(theirs.out).blocks.map(
        (b: { sequenceNumber: number; kind: string }) => `${b.sequenceNumber}:${b.kind}`,
      ),
    ).toEqual(['1:proposal', '2:agreement'])
    expect((await run(home, ['ledger', 'blocks', '--limit', '0'])).code).toBe(2)
    expect((await run(home, ['ledger', 'blocks', '--pk', 'zz'])).code).toBe(2)
    peerStore.close()
  })

  it('verifies the store, and fails with LEDGER_STORE_CORRUPT after tampering', async () => {
    const { home, peerStore } = await homeWithBlocks()
    const ok = await run(home, ['ledger', 'verify'])
    expect(ok.code).toBe(0)
    expect(ok.out).toMatch(/4 blocks in 2 chains, 0 problems, 0 fraud proofs kept$/)
    const db = new DatabaseSync(join(home, 'state.sqlite'))
    const row = db.prepare('SELECT id, block FROM ledger_blocks ORDER BY id LIMIT 1').get()!
    const bytes = new Uint8Array(row['block'] as Uint8Array)
    bytes[bytes.byteLength - 1]! ^= 1
    db.prepare('UPDATE ledger_blocks SET block = ? WHERE id = ?').run(bytes, row['id'] as number)
    db.close()
    const bad = await run(home, ['ledger', 'verify', '--json'])
    expect(bad.code).toBe(1)
    expect(bad.out).toContain('LEDGER_STORE_CORRUPT')
    peerStore.close()
  })

  it('creates identity.key 0600 on first use in an empty home', async () => {
    const home = join(await mkdtemp(join(tmpdir(), 'dolly-ledger-cli-')), 'fresh')
    dirs.push(join(home, '..'))
    const result = await run(home, ['ledger', 'balance', '--json'])
    expect(JSON.parse(result.out)).toMatchObject({ balanceBytes: '0', latestSeq: 0 })
    expect((await stat(join(home, 'identity.key'))).mode & 0o777).toBe(0o600)
  })

  it('offers crawl only with a transport, and crawls a peer\u2019s chain through it', async () => {
    const { home, peer, theirs, peerStore } = await homeWithBlocks()
    expect((await run(home, ['ledger', 'crawl', bytesToHex(peer.publicKey)])).code).toBe(2)
    const network = createMemoryNetwork()
    const clock = createVirtualClock(1_700_000_000_000)
    const server = createLedgerProtocol({
      ledger: theirs,
      store: peerStore,
      transport: network.transport(peer.publicKey),
      clock,
    })
    server.start()
    for (let i = 0; i < 3; i++)
      theirs.proposeBandwidth(generateIdentity(createSeededRng(`x${i}`)).publicKey, 0n, MiB)
    const crawled = await run(home, ['ledger', 'crawl', bytesToHex(peer.publicKey), '--json'], {
      transportFor: (id) => network.transport(id.publicKey),
    })
    expect(crawled.code).toBe(0)
    expect(JSON.parse(crawled.out)).toMatchObject({ received: 3, latestSeq: 5, rejected: [] })
    server.stop()
    peerStore.close()
  })
})
