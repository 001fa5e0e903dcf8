// A long world run (issue 17's "done when"): starts `dolly world up --detach --genesis --users N`,
// samples the world's control endpoint (the family census, the users) every 20 real s for
// --minutes, reads every payment the shops, API and VPN providers received from the chain, stops
// the world and prints what the family did: births and deaths per world day, generations, the
// population over time, what it spent on servers against its 100,000-sat bootstrap (and on which
// world day the bootstrap was spent), births after that, and the sats its agents received in
// market trades; and the trade audit at the end (`dolly world audit`: every trade's journals vs
// ledgers vs chain, both sides). The samples, the chain capture and the audit are kept in --out, and
// --analyze DIR prints the report of a kept run again.
//
// At 2,880× a world day is 30 real s: 45 real minutes are three world months. On two cores a dozen
// agent daemons saturate the machine; run nothing else beside it (it takes the world lock).
// Run: node bench/world/run.ts [--minutes 47] [--users 6] [--users-seed 17] [--time-scale 2880]
//        [--dir /tmp/dolly-world-run] [--out tmp/out/world-run] [--json]
//      node bench/world/run.ts --analyze tmp/out/world-run [--json]
import { spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const arg = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name)
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback
}
if (process.argv.includes('--help')) {
  process.stdout.write(
    'usage: node bench/world/run.ts [--minutes 47] [--users 6] [--users-seed 17] [--time-scale 2880] [--dir D] [--out O] [--json]\n' +
      '       node bench/world/run.ts --analyze O [--json]\n',
  )
  process.exit(0)
}
const JSON_OUT = process.argv.includes('--json')
const ANALYZE = arg('--analyze', '')
const OUT = ANALYZE !== '' ? ANALYZE : arg('--out', 'tmp/out/world-run')
const SAMPLE_MS = 20_000
/** The genesis agent's bootstrap (`dolly world up --genesis`'s default funding). */
const BOOTSTRAP_SATS = 100_000n
const DAY_MS = 86_400_000

interface TimeScale {
  readonly scale: number
  readonly epochRealMs: number
  readonly epochWorldMs: number
}
interface WorldJson {
  readonly timeScale: TimeScale
  readonly controlUrl: string
  readonly chain: { readonly rpcUrl: string; readonly rpcUser: string; readonly rpcPassword: string }
}
interface Settlement {
  readonly completed: number
  readonly aborted: number
  readonly satsReceived: string
  readonly mbSoldBytes: string
}
interface SampledAgent {
  readonly tree: string
  readonly alive: boolean
  readonly provider: string | null
  readonly market?: { readonly settlement: Settlement | null }
}
interface SampledUser {
  readonly name: string
  readonly freeRider: boolean
  readonly goodBytes: number
  readonly buyer?: {
    readonly satsPaid: string
    readonly fundedSats: string
    readonly tradesCompleted: number
  }
}
interface Sample {
  readonly realMs: number
  readonly worldMs: number
  readonly agents: readonly SampledAgent[]
  readonly users: readonly SampledUser[]
}
/** A payment a provider's wallet received (a purchase), with its block's real time. */
interface ProviderPayment {
  readonly provider: string
  readonly sats: string
  readonly realMs: number
}
interface Capture {
  readonly state: WorldJson
  readonly payments: readonly ProviderPayment[]
}

/** What the analysis reads of `dolly world audit --json`. */
interface AuditJson {
  readonly homes: readonly { readonly trades: readonly unknown[] }[]
  readonly pairs: number
  readonly completed: number
  readonly aborted: number
  readonly open: number
  readonly problems: readonly string[]
}

const worldNowMs = (ts: TimeScale, realMs: number): number =>
  Math.floor(ts.epochWorldMs + (realMs - ts.epochRealMs) * ts.scale)
const coinsToSats = (coins: number): bigint => BigInt(Math.round(Math.abs(coins) * 1e8))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs the repository's `dolly`; true when it exited 0. */
const DOLLY_BIN = fileURLToPath(new URL('../../packages/world/bin/dolly.js', import.meta.url))

function dolly(args: readonly string[]): boolean {
  const r = spawnSync(process.execPath, [DOLLY_BIN, ...args], { stdio: ['ignore', 'inherit', 'inherit'] })
  return r.status === 0
}

async function rpc<T>(state: WorldJson, method: string, params: unknown[], wallet?: string): Promise<T> {
  const auth = Buffer.from(`${state.chain.rpcUser}:${state.chain.rpcPassword}`).toString('base64')
  const res = await fetch(state.chain.rpcUrl + (wallet === undefined ? '' : `wallet/${wallet}`), {
    method: 'POST',
    headers: { authorization: `Basic ${auth}` },
    body: JSON.stringify({ jsonrpc: '1.0', id: 1, method, params }),
    signal: AbortSignal.timeout(60_000),
  })
  const body = (await res.json()) as { result: T; error: unknown }
  if (body.error !== null && body.error !== undefined)
    throw new Error(`${method}: ${JSON.stringify(body.error)}`)
  return body.result
}

/** Every receive of the world's provider wallets (`provider-<name>`): what the family paid them. */
async function capturePayments(state: WorldJson): Promise<ProviderPayment[]> {
  const out: ProviderPayment[] = []
  for (const wallet of await rpc<string[]>(state, 'listwallets', [])) {
    if (!wallet.startsWith('provider-')) continue
    for (let skip = 0; ; skip += 1000) {
      const page = await rpc<{ category: string; amount: number; time: number; blocktime?: number }[]>(
        state,
        'listtransactions',
        ['*', 1000, skip, true],
        wallet,
      )
      for (const t of page) {
        if (t.category !== 'receive') continue
        const provider = wallet.slice('provider-'.length)
        out.push({ provider, sats: String(coinsToSats(t.amount)), realMs: (t.blocktime ?? t.time) * 1000 })
      }
      if (page.length < 1000) break
    }
  }
  return out
}

async function run(): Promise<void> {
  const minutes = Number(arg('--minutes', '47'))
  const dir = arg('--dir', '/tmp/dolly-world-run')
  mkdirSync(OUT, { recursive: true })
  const samplesFile = join(OUT, 'samples.jsonl')
  writeFileSync(samplesFile, '')
  const up = dolly([
    'world',
    'up',
    '--detach',
    '--genesis',
    '--time-scale',
    arg('--time-scale', '2880'),
    '--users',
    arg('--users', '6'),
    '--users-seed',
    arg('--users-seed', '17'),
    '--dir',
    dir,
  ])
  try {
    if (!up) throw new Error(`dolly world up failed (see above); nothing was sampled`)
    const state = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as WorldJson
    const endAt = Date.now() + minutes * 60_000
    while (Date.now() < endAt) {
      const t0 = Date.now()
      try {
        const res = await fetch(new URL('status', state.controlUrl), { signal: AbortSignal.timeout(60_000) })
        const body = (await res.json()) as { agents?: SampledAgent[]; users?: SampledUser[] }
        const sample: Sample = {
          realMs: t0,
          worldMs: worldNowMs(state.timeScale, t0),
          agents: body.agents ?? [],
          users: body.users ?? [],
        }
        appendFileSync(samplesFile, JSON.stringify(sample) + '\n')
        const day = (sample.worldMs - state.timeScale.epochWorldMs) / DAY_MS
        const alive = sample.agents.filter((a) => a.alive).length
        process.stderr.write(`world day ${day.toFixed(1)}: ${alive} alive of ${sample.agents.length} seen\n`)
      } catch (err) {
        process.stderr.write(`sample failed: ${(err as Error).message}\n`)
      }
      await sleep(Math.max(0, SAMPLE_MS - (Date.now() - t0)))
    }
    // Every trade audited while the world still runs (the audit reads the chain): users' homes all,
    // agents' only on hosts still up (a dead agent's home went with its host).
    const audit = spawnSync(process.execPath, [DOLLY_BIN, 'world', 'audit', '--dir', dir, '--json'], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    writeFileSync(join(OUT, 'audit.json'), audit.stdout)
    const capture: Capture = { state, payments: await capturePayments(state) }
    writeFileSync(join(OUT, 'chain.json'), JSON.stringify(capture) + '\n')
  } finally {
    // Also after a failed start: down stops whatever part of the world came up.
    if (!dolly(['world', 'down', '--dir', dir])) process.stderr.write(`world down failed in ${dir}\n`)
  }
}

/** The report of a kept run (`samples.jsonl` and `chain.json` in OUT). */
function analyze(): Record<string, unknown> {
  for (const f of ['chain.json', 'samples.jsonl'])
    if (!existsSync(join(OUT, f))) {
      process.stderr.write(`no ${f} in ${OUT}: not a finished world run (run without --analyze first)\n`)
      process.exit(2)
    }
  const capture = JSON.parse(readFileSync(join(OUT, 'chain.json'), 'utf8')) as Capture
  const samples = readFileSync(join(OUT, 'samples.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Sample)
  const ts = capture.state.timeScale
  const dayOf = (worldMs: number): number => (worldMs - ts.epochWorldMs) / DAY_MS
  const round1 = (n: number): number => Math.round(n * 10) / 10

  const payments = capture.payments
    .map((p) => ({ ...p, day: dayOf(worldNowMs(ts, p.realMs)) }))
    .sort((a, b) => a.day - b.day)
  let spent = 0n
  let bootstrapSpentDay: number | null = null
  const spentByProvider: Record<string, string> = {}
  for (const p of payments) {
    spent += BigInt(p.sats)
    spentByProvider[p.provider] = String(BigInt(spentByProvider[p.provider] ?? '0') + BigInt(p.sats))
    if (bootstrapSpentDay === null && spent >= BOOTSTRAP_SATS) bootstrapSpentDay = p.day
  }

  // The census per agent: first seen, last seen alive, dead at the end, its last settlement.
  const agents = new Map<
    string,
    {
      generation: number
      firstDay: number
      lastAliveDay: number | null
      dead: boolean
      settlement: Settlement | null
    }
  >()
  const population: Record<number, number> = {}
  for (const s of samples) {
    const day = dayOf(s.worldMs)
    population[Math.floor(day)] = s.agents.filter((a) => a.alive).length
    for (const a of s.agents) {
      // dolly.0 is the genesis agent, dolly.0.1 its second child, dolly.0.1.0 that child's first.
      const r = agents.get(a.tree) ?? {
        generation: a.tree.split('.').length - 2,
        firstDay: day,
        lastAliveDay: null,
        dead: false,
        settlement: null,
      }
      if (a.alive) r.lastAliveDay = day
      r.dead = !a.alive
      r.settlement = a.market?.settlement ?? r.settlement
      agents.set(a.tree, r)
    }
  }
  const all = [...agents.values()]
  const born = all.filter((a) => a.generation >= 1)
  const generations: Record<number, number> = {}
  for (const a of all) generations[a.generation] = (generations[a.generation] ?? 0) + 1
  const total = (pick: (s: Settlement) => string | number): bigint =>
    all.reduce((sum, a) => sum + (a.settlement === null ? 0n : BigInt(pick(a.settlement))), 0n)
  const last = samples.at(-1)
  const users = last?.users ?? []
  // `dolly world audit --json` at the end: the audit, or (exit 1) the error document carrying it.
  const auditText = existsSync(join(OUT, 'audit.json')) ? readFileSync(join(OUT, 'audit.json'), 'utf8') : ''
  const auditDoc =
    auditText === ''
      ? undefined
      : (JSON.parse(auditText) as AuditJson | { error: { details: { audit?: AuditJson } } })
  const audit =
    auditDoc === undefined ? undefined : 'error' in auditDoc ? auditDoc.error.details.audit : auditDoc
  return {
    worldDays: last === undefined ? 0 : round1(dayOf(last.worldMs)),
    samples: samples.length,
    bootstrapSats: String(BOOTSTRAP_SATS),
    spentOnProvidersSats: String(spent),
    providerPayments: payments.length,
    spentByProvider,
    bootstrapSpentOnDay: bootstrapSpentDay === null ? null : round1(bootstrapSpentDay),
    births: born.length,
    birthsAfterBootstrapSpent:
      bootstrapSpentDay === null ? 0 : born.filter((a) => a.firstDay > (bootstrapSpentDay ?? 0)).length,
    deaths: all.filter((a) => a.dead).length,
    aliveAtEnd: last?.agents.filter((a) => a.alive).length ?? 0,
    generations,
    tradeSatsReceivedByAgents: String(total((s) => s.satsReceived)),
    mbSoldBytes: String(total((s) => s.mbSoldBytes)),
    tradesCompleted: Number(total((s) => s.completed)),
    tradesAborted: Number(total((s) => s.aborted)),
    usersSatsPaid: String(users.reduce((sum, u) => sum + BigInt(u.buyer?.satsPaid ?? '0'), 0n)),
    usersFundedSats: String(users.reduce((sum, u) => sum + BigInt(u.buyer?.fundedSats ?? '0'), 0n)),
    usersGoodBytes: users.reduce((sum, u) => sum + u.goodBytes, 0),
    audit:
      audit === undefined
        ? null
        : {
            homes: audit.homes.filter((h) => h.trades.length > 0).length,
            completed: audit.completed,
            aborted: audit.aborted,
            open: audit.open,
            seenFromBothSides: audit.pairs,
            problems: audit.problems.length,
            firstProblems: audit.problems.slice(0, 5),
          },
    populationByDay: population,
    birthsByDay: born.map((a) => round1(a.firstDay)).sort((a, b) => a - b),
    deathsByDay: all
      .filter((a) => a.dead && a.lastAliveDay !== null)
      .map((a) => round1(a.lastAliveDay ?? 0))
      .sort((a, b) => a - b),
    paymentsByDay: payments.map((p) => [round1(p.day), p.provider, p.sats]),
  }
}

function print(r: Record<string, unknown>): void {
  if (JSON_OUT) {
    process.stdout.write(JSON.stringify(r) + '\n')
    return
  }
  const population = r['populationByDay'] as Record<number, number>
  const days = Object.keys(population).map(Number)
  const every = Math.max(1, Math.ceil(days.length / 18))
  console.log(`world run: ${String(r['worldDays'])} world days, ${String(r['samples'])} samples`)
  for (const key of Object.keys(r)) {
    if (['populationByDay', 'birthsByDay', 'deathsByDay', 'paymentsByDay'].includes(key)) continue
    console.log(`  ${key.padEnd(28)} ${JSON.stringify(r[key])}`)
  }
  console.log('  population (world day: alive)')
  console.log(
    '   ' +
      days
        .filter((d, i) => i % every === 0 || i === days.length - 1)
        .map((d) => `${d}:${population[d] ?? 0}`)
        .join('  '),
  )
  console.log(`  births on world days  ${(r['birthsByDay'] as number[]).join(' ')}`)
  console.log(`  deaths on world days  ${(r['deathsByDay'] as number[]).join(' ')}`)
}

if (ANALYZE === '') await run()
print(analyze())
