// Fleet simulator benchmark (issue 19): the default scenario with 1,000 and 10,000 founders (and
// more with --sizes) for 365 simulated days, every agent the real createAgent. Each size runs in a
// child process of its own so its peak RSS is its own. Prints wall seconds, CPU seconds,
// agent-days per wall second, peak RSS and how the cost grows from one size to the next (the
// ratio of seconds per agent-day: 1.0 is linear). Goal: 10,000 × 365 in ≤ 60 s on this 2-core
// machine.
// Run: npm run bench:simulate [-- --sizes 1000,10000 --days 365 --workers 2 --seed 1 --json]
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
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

if (ONE !== '') {
  // A child: one size, its numbers as JSON on stdout.
  const founders = Number(ONE)
  const path = fileURLToPath(new URL('../../packages/world/scenarios/default.json', import.meta.url))
  const scenario = parseScenario(readFileSync(path, 'utf8'), path)
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
  const results: Result[] = []
  for (const founders of SIZES) {
    const text = execFileSync(
      process.execPath,
      [
        fileURLToPath(import.meta.url),
        '--one',
        String(founders),
        '--days',
        String(DAYS),
        '--workers',
        String(WORKERS),
        '--seed',
        String(SEED),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
    )
    results.push(JSON.parse(text) as Result)
  }
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(results) + '\n')
  else {
    console.log(`fleet simulator, default scenario, ${DAYS} days, ${WORKERS} workers, seed ${SEED}`)
    console.log('founders  agent-days     ticks   wall s    cpu s  agent-days/s  peak RSS MB  growth')
    results.forEach((r, i) => {
      const prev = results[i - 1]
      const growth =
        prev === undefined ? '' : (r.wallS / r.agentDays / (prev.wallS / prev.agentDays)).toFixed(2)
      console.log(
        `${String(r.founders).padStart(8)}  ${r.agentDays.toFixed(0).padStart(10)}  ${String(r.ticks).padStart(8)}  ${r.wallS.toFixed(1).padStart(7)}  ${r.cpuS.toFixed(1).padStart(7)}  ${r.agentDaysPerS.toFixed(0).padStart(12)}  ${r.peakRssMB.toFixed(0).padStart(11)}  ${growth}`,
      )
    })
    const tenK = results.find((r) => r.founders === 10_000)
    if (tenK !== undefined)
      console.log(
        `goal: 10,000 × ${DAYS} in ≤ ${GOAL_S} s: ${tenK.wallS <= GOAL_S ? 'met' : 'NOT met'} (${tenK.wallS.toFixed(1)} s)`,
      )
  }
}
