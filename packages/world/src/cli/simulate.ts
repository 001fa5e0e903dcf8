import { readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { createSeededRng, toJsonSafe, type CliIo } from '@dolly/base'
import type { Command } from 'commander'
import { z } from 'zod'
import { WorldError } from '../errors.ts'
import {
  LEARNING_DEMO_DEFAULTS,
  runLearningDemo,
  type DemoEvent,
  type DemoSummary,
} from '../simulate/learning-demo.ts'
import { runFleet } from '../simulate/fleet/adapters/run-fleet.ts'
import { parseScenario } from '../simulate/fleet/scenario.ts'
import { writeReport } from '../simulate/report/index.ts'
import { summaryJson, summaryToReport, type FleetSummary } from '../simulate/fleet/summary.ts'

/** The scenario in the repo that `simulate fleet` runs without `--scenario`. */
export const DEFAULT_SCENARIO_PATH = new URL('../../scenarios/default.json', import.meta.url)

const intArg = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))

const learningArgs = z.strictObject({
  agents: intArg(1, 1000),
  ticks: intArg(1, 100_000),
  seed: intArg(0, 4_294_967_295),
  tickHours: intArg(1, 24),
  maxAgents: intArg(1, 5000),
  json: z.boolean().optional(),
  summaryOnly: z.boolean().optional(),
})

const fleetArgs = z.strictObject({
  agents: intArg(1, 1_000_000),
  days: intArg(1, 3650),
  seed: intArg(0, 4_294_967_295),
  workers: intArg(1, 256),
  scenario: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
  report: z.string().min(1).optional(),
  json: z.boolean().optional(),
})

function invalidOption(command: string, error: z.ZodError): WorldError {
  const issue = error.issues[0]
  return new WorldError(
    'WORLD_INVALID_OPTION',
    `simulate ${command}: --${String(issue?.path[0] ?? '?')}: ${issue?.message ?? 'invalid'}`,
    { issues: error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) },
  )
}

/** The fleet summary for people: the headline numbers and the deaths by cause. */
function humanFleet(s: FleetSummary): string {
  const causes = Object.entries(s.deathsByCause)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ')
  const errors = Object.entries(s.tickErrors)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ')
  return [
    `fleet ${s.scenario}: ${s.families} founders, ${s.days} days, seed ${s.seed}`,
    `  ${s.born} born, ${s.died} died (${causes || 'none'}), ${s.alive} alive, max generation ${s.maxGeneration}`,
    `  ${Math.round(s.agentDays)} agent-days, ${s.ticks} ticks${errors === '' ? '' : ` (failed: ${errors})`}`,
    `  purchases ${s.purchases} (${s.purchaseFailures} never active), spent ${s.satsSpent} sat`,
    `  MB earned ${Math.round(s.mbEarned)}, sold ${Math.round(s.mbSold)} for ${s.satsEarned} sat`,
  ].join('\n')
}

function human(e: DemoEvent | DemoSummary): string {
  switch (e.event) {
    case 'earn_mb_tokens':
      return `t=${e.tick} earn_mb_tokens ${e.agent} +${e.mb} MB`
    case 'sold_mb_tokens':
      return `t=${e.tick} sold_mb_tokens ${e.agent} ${e.mb} MB for ${e.sats} sat`
    case 'node_replication':
      return `t=${e.tick} node_replication ${e.parent} -> ${e.child} on ${e.offer} for ${e.priceSats} sat (dowry ${e.dowrySats} sat, generation ${e.generation})`
    case 'purchase_failed':
      return `t=${e.tick} purchase_failed ${e.agent} lost ${e.lostSats} sat on ${e.offer}`
    case 'node_death':
      return `t=${e.tick} node_death ${e.agent} (generation ${e.generation}, children ${e.children}, ${e.btcSats} sat to ${e.heir ?? 'nobody'})`
    case 'summary': {
      const purchases = Object.entries(e.purchases)
        .map(([id, p]) => `${id} ${p.ok} ok / ${p.failed} failed`)
        .join(', ')
      const favourites = Object.entries(e.favourites)
        .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
        .map(([id, n]) => `${id} ${n}`)
        .join(', ')
      const strategies = Object.entries(e.strategies)
        .sort((x, y) => (x[0] < y[0] ? -1 : 1))
        .map(([id, n]) => `${id} ${n}`)
        .join(', ')
      return [
        `summary: ${e.ticks} ticks (${Number(e.simulatedDays.toFixed(1))} days): ${e.alive} alive, ${e.born} born, ${e.died} died, max generation ${e.maxGeneration}`,
        `  MB earned ${e.mbEarned}, sold ${e.mbSold} for ${e.satsEarned} sat`,
        `  purchases: ${purchases}`,
        `  favourite offers of the living: ${favourites || 'none'}`,
        `  strategies of the living: ${strategies || 'none'}`,
      ].join('\n')
    }
    default: {
      const never: never = e
      return never
    }
  }
}

/**
 * Registers `dolly simulate …`: `simulate learning` runs the in-process learning demo and prints
 * its events (`--json`: one JSON object per line, bigints as strings) and a summary. Deterministic
 * per `--seed`.
 */
export function registerSimulateCommands(program: Command, io: CliIo): void {
  const simulate = program.command('simulate').description('Run agents in virtual time, in this process.')
  simulate
    .command('learning')
    .description(
      'Agents earn, sell, choose offers by QD-learning, replicate and die; prints events and a summary.',
    )
    .option('--agents <n>', 'root agents at the start', '20')
    .option('--ticks <n>', 'ticks to run', '500')
    .option('--seed <n>', 'seed of the run (same seed, same output)', '1')
    .option('--tick-hours <h>', 'virtual hours per tick', String(LEARNING_DEMO_DEFAULTS.tickHours))
    .option('--max-agents <n>', 'population cap', String(LEARNING_DEMO_DEFAULTS.maxAgents))
    .option('--summary-only', 'print only the summary')
    .option('--json', 'machine-readable output (JSON lines)')
    .action((raw: Record<string, unknown>) => {
      const parsed = learningArgs.safeParse(raw)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        throw new WorldError(
          'WORLD_INVALID_OPTION',
          `simulate learning: --${String(issue?.path[0] ?? '?')}: ${issue?.message ?? 'invalid'}`,
          {
            issues: parsed.error.issues.map((i) => ({
              path: i.path.map(String).join('.'),
              message: i.message,
            })),
          },
        )
      }
      const args = parsed.data
      const print = (e: DemoEvent | DemoSummary): void =>
        io.out(args.json === true ? JSON.stringify(toJsonSafe(e)) : human(e))
      const summary = runLearningDemo(
        {
          ...LEARNING_DEMO_DEFAULTS,
          agents: args.agents,
          ticks: args.ticks,
          tickHours: args.tickHours,
          maxAgents: args.maxAgents,
        },
        createSeededRng(args.seed),
        (e) => {
          if (args.summaryOnly !== true) print(e)
        },
      )
      print(summary)
    })

  simulate
    .command('fleet')
    .description(
      'Families of real agents (createAgent over memory adapters) in a modelled environment for simulated days.',
    )
    .option('--agents <n>', 'founders at the start (one family each)', '100')
    .option('--days <n>', 'simulated days', '365')
    .option('--seed <n>', 'seed of the run (same seed, same output)', '1')
    .option(
      '--workers <n>',
      'worker threads (each claims the next family until none is left)',
      String(Math.min(2, availableParallelism())),
    )
    .option('--scenario <file>', 'scenario JSON (default: packages/world/scenarios/default.json)')
    .option(
      '--out <dir>',
      'write events.jsonl, summary.json, report-input.json and the report (index.html, SVGs) there',
    )
    .option('--report <dir>', 'the same as --out')
    .option('--json', 'print the summary as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = fleetArgs.safeParse(raw)
      if (!parsed.success) throw invalidOption('fleet', parsed.error)
      const { report: reportDir, ...rest } = parsed.data
      if (reportDir !== undefined && rest.out !== undefined && reportDir !== rest.out)
        throw new WorldError(
          'WORLD_INVALID_OPTION',
          `simulate fleet: --report ${reportDir} and --out ${rest.out} name two directories; give one`,
          {},
        )
      const args = { ...rest, ...(reportDir === undefined ? {} : { out: reportDir }) }
      const source = args.scenario ?? DEFAULT_SCENARIO_PATH.pathname
      let text: string
      try {
        text = readFileSync(args.scenario ?? DEFAULT_SCENARIO_PATH, 'utf8')
      } catch (err) {
        throw new WorldError('WORLD_SCENARIO_INVALID', `${source}: ${(err as Error).message}`, {})
      }
      const scenario = parseScenario(text, source)
      const started = performance.now()
      let lastShown = 0
      const summary = await runFleet({
        scenario,
        seed: args.seed,
        days: args.days,
        founders: args.agents,
        workers: args.workers,
        ...(args.out === undefined ? {} : { outDir: args.out }),
        onProgress: (done, total) => {
          const now = performance.now()
          if (now - lastShown < 1000 && done !== total) return
          lastShown = now
          io.err(`simulate fleet: ${done}/${total} families, ${((now - started) / 1000).toFixed(1)} s`)
        },
      })
      if (args.out !== undefined) {
        const report = summaryToReport(summary)
        writeFileSync(join(args.out, 'report-input.json'), JSON.stringify(report) + '\n')
        const written = await writeReport(args.out, report)
        io.err(`simulate fleet: report ${join(args.out, 'index.html')} (${written.files.length} files)`)
      }
      io.out(args.json === true ? JSON.stringify(summaryJson(summary)) : humanFleet(summary))
    })
}
