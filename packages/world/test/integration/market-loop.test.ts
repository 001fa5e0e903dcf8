/**
 * The loop, end to end (issue 17): a world with a genesis family and token-buying users and no
 * buybot. Agents relay the users' traffic and earn MB tokens; the users buy MB with Bitcoin on the
 * agents' market when their balance runs low; an agent pays a provider with Bitcoin it received in
 * such a trade, traced on the chain through the purchase's inputs. Then both sides of an open
 * trade are killed with SIGKILL at once, the user's proxy and the selling agent's daemon; the world
 * and the agent's watchdog start them again, and the trade closes. Every trade in the world is
 * audited at the end. Needs root (namespaces), litecoind and sshd; takes the world lock.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCryptoRng, createMemoryLogger } from '@dolly/base'
import { parseJournalEntry, type JournalEntry } from '@dolly/market'
import { TRADES_FILE } from '@dolly/plebnet'
import {
  runGenesis,
  startWorld,
  traceLoop,
  type LoopTrace,
  type WorldHandle,
  type WorldHost,
} from '@dolly/world'
import { dolly } from './dolly-cli.ts'
import { REPO_ROOT, statusOf } from './genesis-helpers.ts'

/** A world day is a real minute: a lease (30 world days) is half an hour. */
const TIME_SCALE = 1440
const USERS = 3
/** Bootstrap coins: a few servers, so the family soon lives on what its users pay. */
const FUND_SATS = 100_000n
/** Bound of the whole loop (real ms). */
const LOOP_TIMEOUT_MS = 1_200_000

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    const v = await probe().catch(() => undefined)
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 10_000))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** `dolly world audit --json` (amounts as decimal strings). */
interface WorldAudit {
  readonly homes: readonly {
    readonly name: string
    readonly kind: 'user' | 'agent'
    readonly trades: readonly {
      readonly tradeId: string
      readonly role: 'mb' | 'btc'
      readonly outcome: 'open' | 'completed' | 'aborted'
      readonly termsMbBytes: string
      readonly termsSats: string
      readonly journalMbBytes: string
      readonly ledgerMbBytes: string
      readonly chainSats: string
    }[]
  }[]
  readonly pairs: number
  readonly problems: readonly string[]
}

/**
 * A user's trade journal, complete lines only, read without touching the file (the journal's own
 * reader cuts a torn last line off, and the user's proxy may be appending to it right now).
 */
async function journal(home: string): Promise<JournalEntry[]> {
  const text = await readFile(join(home, TRADES_FILE), 'utf8').catch(() => '')
  return text
    .split('\n')
    .slice(0, -1)
    .map((line, i) => parseJournalEntry(line, `${home}/${TRADES_FILE}:${i + 1}`))
}

/** MB a user received in its trades, bytes. */
async function mbReceived(home: string): Promise<bigint> {
  return (await journal(home)).reduce((sum, e) => (e.kind === 'received' ? sum + e.amount : sum), 0n)
}

/** How long to watch the users' journals for a trade to kill a proxy in (real ms). */
const KILL_WINDOW_MS = 600_000

/** Polls the users' journals (every 100 ms) for an open trade in which MB already moved to the user. */
async function caughtMidTrade(
  users: readonly { name: string; home: string }[],
  timeoutMs: number,
): Promise<{ name: string; home: string; tradeId: string }> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    for (const u of users) {
      const open = new Map<string, number>()
      for (const e of await journal(u.home)) {
        const id = e.kind === 'open' || e.kind === 'offered' ? e.terms.tradeId : e.tradeId
        if (e.kind === 'open') open.set(id, 0)
        else if (e.kind === 'closed') open.delete(id)
        else if (e.kind === 'received' && open.has(id)) open.set(id, (open.get(id) ?? 0) + 1)
      }
      for (const [tradeId, received] of open) if (received > 0) return { ...u, tradeId }
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('no user had a trade open with MB moved')
}

/** A process's argv, or undefined once it exited. */
function argvOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
  } catch {
    return undefined
  }
}

/** SIGKILLs the `plebnet proxy` processes whose command line names `home`; returns their pids. */
function killProxyOf(home: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const argv = argvOf(Number(entry))
    if (argv === undefined || !argv.includes('proxy') || argv[argv.indexOf('--home') + 1] !== home) continue
    try {
      process.kill(Number(entry), 'SIGKILL')
      pids.push(Number(entry))
    } catch {
      // It exited meanwhile.
    }
  }
  return pids
}

/** Machine-side pids of the `plebnet … daemon` node processes on a host (not its watchdog shell). */
async function daemonPids(host: WorldHost): Promise<number[]> {
  const pids: number[] = []
  for (const pid of await host.pids()) {
    const argv = argvOf(pid) ?? []
    if (argv.some((a) => a.endsWith('plebnet.js')) && argv.includes('daemon') && !/sh$/.test(argv[0] ?? ''))
      pids.push(pid)
  }
  return pids
}

/** SIGKILLs the daemon on a host; returns the pids killed. */
async function killDaemonOf(host: WorldHost): Promise<number[]> {
  const pids = await daemonPids(host)
  for (const pid of pids) process.kill(pid, 'SIGKILL')
  return pids
}

/** The outcome of a trade in a user's journal, or undefined while it is open. */
async function tradeOutcome(home: string, tradeId: string): Promise<string | undefined> {
  const closed = (await journal(home)).find((e) => e.kind === 'closed' && e.tradeId === tradeId)
  return closed?.kind === 'closed' ? closed.outcome : undefined
}

describe('the loop: relay, sell tokens, buy a server with that Bitcoin', () => {
  let dir: string
  let world: WorldHandle | undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-loop-'))
    world = await startWorld(
      { log: createMemoryLogger(), realNowMs: () => Date.now(), pid: process.pid },
      {
        dir,
        timeScale: TIME_SCALE,
        blockIntervalMin: 10,
        providers: 3,
        repoDir: REPO_ROOT,
        users: USERS,
        freeRiderFraction: 0,
        cheaterFraction: 0,
        userAllowanceSats: 500_000n,
        usersSeed: 'market-loop',
        plebnetCommand: [process.execPath, join(REPO_ROOT, 'packages/plebnet/bin/plebnet.js')],
      },
    )
  }, 180_000)

  afterAll(async () => {
    await world?.stop()
    await rm(dir, { recursive: true, force: true })
  }, 180_000)

  it(
    "an agent's provider payment spends Bitcoin a user paid it for MB tokens it earned relaying",
    async () => {
      const w = world
      if (w?.provisioner === undefined) throw new Error('no hosts in this world')
      await runGenesis(
        {
          provisioner: w.provisioner,
          chain: w.chain,
          log: createMemoryLogger(),
          rng: createCryptoRng(),
          clock: w.clock,
        },
        { worldDir: dir, state: w.state, repoDir: REPO_ROOT, fundSats: FUND_SATS },
      )
      const users = Array.from({ length: USERS }, (_, i) => ({
        name: `user${i + 1}`,
        home: join(dir, 'users', `user${i + 1}`),
      }))
      const trace: LoopTrace = await waitFor(
        'a provider payment funded by a trade',
        async () => {
          const t = await traceLoop(w.chain.rpc, users)
          return t.purchases.length > 0 ? t : undefined
        },
        LOOP_TIMEOUT_MS,
      )
      const purchase = trace.purchases[0]
      if (purchase === undefined) throw new Error('unreachable')
      expect(purchase.providers.length).toBeGreaterThan(0)
      expect(purchase.fromTrades.length).toBeGreaterThan(0)
      // Each trade output it spends is a user's payment in a trade where that user received MB.
      for (const spent of purchase.fromTrades) {
        const payment = trace.tradePayments.find((p) => p.txid === spent.txid && p.vout === spent.vout)
        expect(payment?.spentBy).toBe(purchase.txid)
        const home = users.find((u) => u.name === payment?.user)?.home ?? ''
        expect(await mbReceived(home)).toBeGreaterThan(0n)
      }
      // The sellers' tokens were earned relaying: the agents' ledgers show earnings from circuits.
      const earned = await Promise.all(
        (w.provisioner.list() ?? []).map(async (h) => (await statusOf(w, h.ip))?.tunnels?.payments),
      )
      expect(earned.some((p) => p !== undefined && BigInt(p.earned) > 0n)).toBe(true)
      // kill -9 mid-trade, both sides at once: a user's proxy (its settlement, ledger and wallet in
      // one process) while a trade of its is open with MB already moved, and the daemon of the agent
      // selling in that trade. The world starts the proxy again; the agent's watchdog its daemon, 2 s
      // after. The trade resumes or aborts; the audit below finds nothing paid twice, lost or miscounted.
      const agentsByKey = async (): Promise<Map<string, WorldHost>> => {
        const byKey = new Map<string, WorldHost>()
        for (const h of w.provisioner?.list() ?? []) {
          const key = (await statusOf(w, h.ip))?.publicKey
          if (key !== undefined) byKey.set(key, h)
        }
        return byKey
      }
      let agents = await agentsByKey()
      // A trade with MB moved whose seller is a live agent: the seller of the first one caught may
      // have died since (its lease ended) or not answered its status; then wait for another.
      const pickBy = Date.now() + KILL_WINDOW_MS
      const pick = async (): Promise<{
        victim: Awaited<ReturnType<typeof caughtMidTrade>>
        seller: WorldHost
      }> => {
        for (;;) {
          const caught = await caughtMidTrade(users, Math.max(1, pickBy - Date.now()))
          const opened = (await journal(caught.home)).find(
            (e) => e.kind === 'open' && e.terms.tradeId === caught.tradeId,
          )
          const sellerKey = opened?.kind === 'open' ? opened.terms[opened.terms.mbSeller] : undefined
          let found = sellerKey === undefined ? undefined : agents.get(sellerKey)
          if (found === undefined && sellerKey !== undefined)
            found = (agents = await agentsByKey()).get(sellerKey)
          if (found !== undefined) return { victim: caught, seller: found }
          if (Date.now() > pickBy) throw new Error(`no live agent sells in trade ${caught.tradeId}`)
          await new Promise((r) => setTimeout(r, 1_000))
        }
      }
      const { victim, seller } = await pick()
      const killed = killProxyOf(victim.home)
      expect(killed.length, `no proxy process of ${victim.name}`).toBeGreaterThan(0)
      const sellerDaemons = await killDaemonOf(seller)
      expect(sellerDaemons.length, `no daemon process on ${seller.ip}`).toBeGreaterThan(0)
      const atKill = await tradeOutcome(victim.home, victim.tradeId)
      console.log(
        `kill -9: ${victim.name}'s proxy (pids ${killed.join(',')}) and the daemon on ${seller.ip} (pids ${sellerDaemons.join(',')}) in trade ${victim.tradeId}, ${atKill === undefined ? 'open' : `already ${atKill}`} at the kill`,
      )
      await waitFor(
        `${victim.name}'s proxy restarted`,
        async () => {
          const st = await dolly(['world', 'status', '--dir', dir, '--json'], 60_000)
          const user = (
            JSON.parse(st.stdout) as {
              components: { users: { name: string; state: string; proxyRestarts: number }[] }
            }
          ).components.users.find((u) => u.name === victim.name)
          return user !== undefined && user.proxyRestarts >= 1 && user.state === 'running' ? true : undefined
        },
        300_000,
      )
      const closed = await waitFor(
        `trade ${victim.tradeId} to close after the restart`,
        () => tradeOutcome(victim.home, victim.tradeId),
        600_000,
      )
      expect(['completed', 'aborted']).toContain(closed)
      // The seller's watchdog started its daemon again: a new process on that host.
      const back = seller
      await waitFor(
        `the daemon on ${back.ip} restarted`,
        async () => ((await daemonPids(back)).some((p) => !sellerDaemons.includes(p)) ? true : undefined),
        120_000,
      )
      // Every trade in the world, audited (`dolly world audit`): each user's and each live agent's
      // journal against its own ledger (countersigned transfer blocks), wallet and the chain (outputs
      // to the trade's address), completed trades exact to the byte and the satoshi, then the two
      // sides of each trade against each other. The command exits 1 on any mismatch.
      const run = await dolly(['world', 'audit', '--dir', dir, '--json'], 300_000)
      expect(run.code, `${run.stdout.slice(0, 4000)}\n${run.stderr.slice(0, 2000)}`).toBe(0)
      const audit = JSON.parse(run.stdout) as WorldAudit
      expect(audit.problems).toEqual([])
      expect(audit.homes.filter((h) => h.kind === 'agent' && h.trades.length > 0).length).toBeGreaterThan(0)
      expect(audit.pairs, 'trades seen from both sides').toBeGreaterThan(0)
      let moved = 0
      for (const h of audit.homes)
        for (const r of h.trades) {
          expect(r.role, `${h.name} ${r.tradeId}`).toBe(h.kind === 'user' ? 'btc' : 'mb')
          expect(r.ledgerMbBytes, `${h.name} ${r.tradeId}`).toBe(r.journalMbBytes)
          if (r.outcome === 'completed') {
            expect(r.ledgerMbBytes).toBe(r.termsMbBytes)
            expect(r.chainSats).toBe(r.termsSats)
          }
          if (BigInt(r.ledgerMbBytes) > 0n && BigInt(r.chainSats) > 0n) moved++
        }
      expect(moved).toBeGreaterThan(0)
      // The trade payments the loop traced (read a moment earlier) are among the audited ones.
      for (const u of users) {
        const rows = audit.homes.find((h) => h.kind === 'user' && h.name === u.name)?.trades ?? []
        const traced = trace.tradePayments.filter((p) => p.user === u.name).reduce((a, p) => a + p.sats, 0n)
        expect(
          rows.reduce((a, r) => a + BigInt(r.chainSats), 0n),
          u.name,
        ).toBeGreaterThanOrEqual(traced)
      }
    },
    LOOP_TIMEOUT_MS + KILL_WINDOW_MS + 1_200_000,
  )
})
