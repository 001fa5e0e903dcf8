import { appendFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryLogger, createSystemClock, runCli, type CliIo } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { PLEBNET_CLI_EXIT_STATUS } from '../../cli/exit-status.ts'
import { buildPlebnetProgram } from '../../cli/program.ts'
import { buildDaemon } from '../../daemon/adapters/agent-daemon.ts'
import { CONFIG_FILE } from '../../daemon/adapters/agent-home.ts'
import type { Daemon } from '../../daemon/daemon.ts'

const dirs: string[] = []
const daemons: Daemon[] = []
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop()
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

async function run(home: string, args: string[]) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t) }
  const code = await runCli(buildPlebnetProgram(io, { home }), args, io, PLEBNET_CLI_EXIT_STATUS)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** A set-up agent's daemon on loopback, its market on or off. */
async function startDaemon(market: boolean): Promise<{ home: string; host: string }> {
  const root = await mkdtemp(join(tmpdir(), 'dolly-market-daemon-'))
  dirs.push(root) // the temp dir itself, not only the home inside it (which left it behind)
  const home = join(root, 'home')
  expect((await run(home, ['--home', home, 'setup', '--testnet', '--no-service'])).code).toBe(0)
  await appendFile(join(home, CONFIG_FILE), `\n[market]\nenabled = ${market ? 1 : 0}\n`)
  const daemon = await buildDaemon(
    { clock: createSystemClock(), log: createMemoryLogger() },
    { home, statusListen: '127.0.0.1:0', gossipListen: '127.0.0.1:0' },
  )
  daemons.push(daemon)
  await daemon.start()
  return { home, host: (daemon.url ?? '').replace('http://', '') }
}

describe("the daemon's market in its status API (issue 17, real daemon on loopback)", () => {
  it('with [market] enabled: the status has the block, and book, orders and trades answer', async () => {
    const { home, host } = await startDaemon(true)
    const status = await run(home, ['--home', home, 'status', '--host', host, '--json'])
    expect(status.code).toBe(0)
    expect(JSON.parse(status.out).market).toEqual({
      // The ledger is open (an empty one: no tokens yet), no orders, no trades, no wallet before the first tick.
      mbBalanceBytes: '0',
      orders: [],
      lastTrade: null,
      settlement: null,
      matchmaker: { bids: 0, asks: 0, accepted: 0, refused: 0, matches: 0, dropped: 0 },
    })
    const human = await run(home, ['--home', home, 'status', '--host', host])
    expect(human.out).toContain('market: 0.00 MB')
    expect(human.out).toContain('  matchmaker: book 0 bid(s), 0 ask(s)')
    for (const sub of ['book', 'orders', 'trades']) {
      const r = await run(home, ['--home', home, 'market', sub, '--host', host, '--json'])
      expect(r.code, `${sub}: ${r.err}`).toBe(0)
      expect(JSON.parse(r.out), sub).toEqual([])
    }
    expect((await run(home, ['--home', home, 'market', 'book', '--host', host])).out).toBe(
      'the book is empty',
    )
  }, 60_000)

  it('with [market] enabled = 0: no block, and the market commands say MARKET_VIEW_DISABLED', async () => {
    const { home, host } = await startDaemon(false)
    const status = await run(home, ['--home', home, 'status', '--host', host, '--json'])
    expect(JSON.parse(status.out)).not.toHaveProperty('market')
    for (const sub of ['book', 'orders', 'trades']) {
      const r = await run(home, ['--home', home, 'market', sub, '--host', host])
      expect(r.code, sub).toBe(1)
      expect(r.err, sub).toContain('MARKET_VIEW_DISABLED')
    }
  }, 60_000)
})
