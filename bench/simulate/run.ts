// Fleet simulator benchmark (issue 19): the default scenario with 1,000 and 10,000 founders (and
// more with --sizes) for 365 simulated days, every agent the real createAgent. Each size runs in a
// child process of its own so its peak RSS is its own. Prints wall seconds, CPU seconds,
// agent-days per wall second, peak RSS and how the cost grows from one size to the next (the
// ratio of seconds per agent-day: 1.0 is linear). Goal: 10,000 × 365 in ≤ 60 s on this 2-core
// machine.
//
// The floor beside it, measured in the same run: the secp256k1 work the agents do (each new
// agent's BIP32 keys and addresses, every payment's signatures and the chain's checks of them).
// A child process runs --floor founders in one thread with the wallet's secp256k1 counted, then
// times each operation on this machine; a row's floor is its agent-days × the EC time per
// agent-day ÷ the workers. A fleet of these agents cannot run faster than its floor without doing
// less secp256k1 work.
// Run: npm run bench:simulate [-- --sizes 1000,10000 --days 365 --workers 2 --seed 1 --floor 300 --json]
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { ecc, type Secp256k1 } from '../../packages/wallet/src/hd/ecc.ts'
import { runFleet } from '../../packages/world/src/simulate/fleet/adapters/run-fleet.ts'
import { parseScenario } from '../../packages/world/src/simulate/fleet/scenario.ts'

const arg = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name)
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback
}
const DAYS = Number(arg('--days', '365'))
const WORKERS = Number(arg('--workers', String(Math.min(2, availableParallelism()))))
const SEED = Number(arg('--seed', '1'))
const SIZES = arg('--sizes', '1000,10000').split(',').map(Number)
const ONE = arg('--one', '')
/** Founders of the one-thread run that counts the agents' secp256k1 operations (0: no floor). */
const FLOOR = Number(arg('--floor', '300'))
const FLOOR_CHILD = process.argv.includes('--floor-child')
const GOAL_S = 60

interface Result {
  founders: number
  days: number
  workers: number
  wallS: number
  cpuS: number
  agentDays: number
  agentDaysPerS: number
  ticks: number
  born: number
  peakRssMB: number
}

/** The secp256k1 operations the agents ran per agent-day, and what each costs here. */
interface Floor {
  founders: number
  agentDays: number
  perAgentDay: Record<EcOp, number>
  usPerOp: Record<EcOp, number>
  /** µs of secp256k1 per agent-day: Σ per-agent-day × µs per op. */
  usPerAgentDay: number
}

/** The operations an agent's wallet and its chain pay for (the rest of the interface is checks). */
const EC_OPS = ['pointFromScalar', 'privateAdd', 'sign', 'verify'] as const
type EcOp = (typeof EC_OPS)[number]

/** The default scenario, as `dolly simulate fleet` runs it without `--scenario`. */
function defaultScenario(): ReturnType<typeof parseScenario> {
  const path = fileURLToPath(new URL('../../packages/world/scenarios/default.json', import.meta.url))
  return parseScenario(readFileSync(path, 'utf8'), path)
}

/**
 * µs per call of `op` over `inputs`: the fastest of `rounds` rounds, since a floor must not count
 * the machine's slow moments (this VM's rounds spread by a third).
 */
function timeOp<T>(inputs: readonly T[], op: (x: T) => unknown, rounds = 15): number {
  let best = Infinity
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    for (const x of inputs) op(x)
    best = Math.min(best, ((performance.now() - t0) * 1000) / inputs.length)
  }
  return best
}

/** Times the wallet's own secp256k1 operations on fresh keys (the native build where it loads). */
function timeEc(e: Secp256k1, n = 2000): Record<EcOp, number> {
  const keys: Uint8Array[] = []
  while (keys.length < n) {
    const k = randomBytes(32)
    if (e.isPrivate(k)) keys.push(k)
  }
  const hashes = keys.map(() => randomBytes(32))
  const points = keys.map((k) => e.pointFromScalar(k, true) as Uint8Array)
  const sigs = keys.map((k, i) => e.sign(hashes[i] as Uint8Array, k))
  const idx = keys.map((_, i) => i)
  return {
    pointFromScalar: timeOp(keys, (k) => e.pointFromScalar(k, true)),
    privateAdd: timeOp(idx, (i) => e.privateAdd(keys[i] as Uint8Array, hashes[i] as Uint8Array)),
    sign: timeOp(idx, (i) => e.sign(hashes[i] as Uint8Array, keys[i] as Uint8Array)),
    verify: timeOp(idx, (i) =>
      e.verify(hashes[i] as Uint8Array, points[i] as Uint8Array, sigs[i] as Uint8Array),
    ),
  }
}

/** A child: counts the secp256k1 calls of a one-thread fleet, then times each operation. */
async function measureFloor(founders: number): Promise<Floor> {
  const counts = Object.fromEntries(EC_OPS.map((k) => [k, 0])) as Record<EcOp, number>
  const original = { ...ecc }
  const counted = ecc as unknown as Record<EcOp, (...a: unknown[]) => unknown>
  for (const k of EC_OPS) {
    const f = original[k] as (...a: unknown[]) => unknown
    counted[k] = (...a: unknown[]) => {
      counts[k]++
      return f(...a)
    }
  }
  const s = await runFleet({
    scenario: defaultScenario(),
    seed: SEED,
    days: DAYS,
    founders,
    workers: 1,
  })
  Object.assign(ecc, original)
  const usPerOp = timeEc(ecc)
  const perAgentDay = Object.fromEntries(EC_OPS.map((k) => [k, counts[k] / s.agentDays])) as Record<
    EcOp,
    number
  >
  const usPerAgentDay = EC_OPS.reduce((sum, k) => sum + perAgentDay[k] * usPerOp[k], 0)
  return { founders, agentDays: s.agentDays, perAgentDay, usPerOp, usPerAgentDay }
}

if (FLOOR_CHILD) {
  process.stdout.write(JSON.stringify(await measureFloor(FLOOR)) + '\n')
} else if (ONE !== '') {
  // A child: one size, its numbers as JSON on stdout.
  const founders = Number(ONE)
  const scenario = defaultScenario()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let shown = 0
  const s = await runFleet({
    scenario,
    seed: SEED,
    days: DAYS,
    founders,
    workers: WORKERS,
    onProgress: (done, total) => {
      const now = performance.now()
      if (now - shown > 5000 || done === total) {
        shown = now
        process.stderr.write(
          `  ${founders}: ${done}/${total} families, ${((now - t0) / 1000).toFixed(0)} s\n`,
        )
      }
    },
  })
  const wallS = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const out: Result = {
    founders,
    days: DAYS,
    workers: WORKERS,
    wallS,
    // Worker threads' CPU is this process's CPU.
    cpuS: (cpu.user + cpu.system) / 1e6,
    agentDays: s.agentDays,
    agentDaysPerS: s.agentDays / wallS,
    ticks: s.ticks,
    born: s.born,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }
  process.stdout.write(JSON.stringify(out) + '\n')
} else {
  const child = (args: readonly string[]): string =>
    execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    })
  const common = ['--days', String(DAYS), '--seed', String(SEED)]
  let floor: Floor | undefined
  if (FLOOR > 0) {
    process.stderr.write(`  floor: counting the secp256k1 calls of ${FLOOR} founders in one thread\n`)
    floor = JSON.parse(child(['--floor-child', '--floor', String(FLOOR), ...common])) as Floor
  }
  const results: Result[] = []
  for (const founders of SIZES)
    results.push(
      JSON.parse(child(['--one', String(founders), '--workers', String(WORKERS), ...common])) as Result,
    )
  /** Seconds of wall the row's secp256k1 work takes at least, spread perfectly over its workers. */
  const floorS = (r: Result): number | undefined =>
    floor === undefined ? undefined : (r.agentDays * floor.usPerAgentDay) / 1e6 / r.workers
  if (process.argv.includes('--json'))
    process.stdout.write(
      JSON.stringify({ results: results.map((r) => ({ ...r, ecFloorS: floorS(r) })), floor }) + '\n',
    )
  else {
    console.log(`fleet simulator, default scenario, ${DAYS} days, ${WORKERS} workers, seed ${SEED}`)
    console.log(
      'founders  agent-days     ticks   wall s    cpu s  agent-days/s  peak RSS MB  growth  EC floor s  wall/floor',
    )
    results.forEach((r, i) => {
      const prev = results[i - 1]
      const growth =
        prev === undefined ? '' : (r.wallS / r.agentDays / (prev.wallS / prev.agentDays)).toFixed(2)
      const f = floorS(r)
      console.log(
        `${String(r.founders).padStart(8)}  ${r.agentDays.toFixed(0).padStart(10)}  ${String(r.ticks).padStart(8)}  ${r.wallS.toFixed(1).padStart(7)}  ${r.cpuS.toFixed(1).padStart(7)}  ${r.agentDaysPerS.toFixed(0).padStart(12)}  ${r.peakRssMB.toFixed(0).padStart(11)}  ${growth.padStart(6)}  ${f === undefined ? '' : f.toFixed(1).padStart(10)}  ${f === undefined ? '' : (r.wallS / f).toFixed(1).padStart(10)}`,
      )
    })
    if (floor !== undefined) {
      const ops = EC_OPS.map(
        (k) => `${k} ${floor.perAgentDay[k].toFixed(2)} × ${floor.usPerOp[k].toFixed(1)} µs`,
      ).join(', ')
      console.log(
        `EC floor: ${floor.usPerAgentDay.toFixed(0)} µs of secp256k1 per agent-day (${floor.founders} founders, ${floor.agentDays.toFixed(0)} agent-days counted; per agent-day: ${ops})`,
      )
    }
    const tenK = results.find((r) => r.founders === 10_000)
    if (tenK !== undefined) {
      console.log(
        `goal: 10,000 × ${DAYS} in ≤ ${GOAL_S} s: ${tenK.wallS <= GOAL_S ? 'met' : 'NOT met'} (${tenK.wallS.toFixed(1)} s)`,
      )
      if (floor !== undefined) {
        const budgetUs = (GOAL_S * tenK.workers * 1e6) / tenK.agentDays
        console.log(
          `  the goal leaves ${budgetUs.toFixed(0)} µs of CPU per agent-day on ${tenK.workers} workers; secp256k1 alone takes ${floor.usPerAgentDay.toFixed(0)} µs (${((100 * floor.usPerAgentDay) / budgetUs).toFixed(0)} %), the whole agent ${((tenK.cpuS * 1e6) / tenK.agentDays).toFixed(0)} µs`,
        )
      }
    }
  }
}
