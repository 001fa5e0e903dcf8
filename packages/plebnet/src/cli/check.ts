import type { Command } from 'commander'
import {
  createCryptoRng,
  createNullLogger,
  createSystemClock,
  emit,
  type CliIo,
  type Checkpoint,
  type Clock,
  type Logger,
  type Rng,
} from '@dolly/base'
import type { TickReport } from '../agent/create-agent.ts'

/** What `plebnet check` needs from outside. */
export interface CheckCliDeps {
  readonly rng: Rng
  readonly log: Logger
  readonly realClock: Clock
  readonly env: Readonly<Record<string, string | undefined>>
  readonly checkpoint: Checkpoint
}

function describe(report: TickReport): string {
  if (!report.ran) return 'check: another tick is running (lock held); skipped'
  const lines = [
    `check: ${report.effects.length === 0 ? 'nothing to do' : report.effects.join(' → ')}${report.idle === null ? '' : ` (idle: ${report.idle})`}`,
  ]
  for (const e of report.state?.events.slice(-5) ?? []) lines.push(`  ${e.kind}: ${e.text}`)
  const status = report.status
  if (status !== undefined) {
    const sell = report.sell
    lines.push(
      `earning: ${status.earning}; market: ${status.market}${
        sell === undefined
          ? ''
          : ` (${sell.strategy}, ${sell.rule}${sell.placed === null ? '' : `: ask #${sell.placed.number} for ${sell.placed.sats} sats`})`
      }`,
    )
  }
  return lines.join('\n')
}

/** Registers `plebnet check` (one lifecycle tick, cron compatible; AGENT.md §3.3). */
export function registerCheckCommands(
  program: Command,
  io: CliIo,
  overrides: Partial<CheckCliDeps> = {},
): void {
  program
    .command('check')
    .description(
      'run one lifecycle tick: choose an offer, buy, install bought servers, pay the dowry, end of lease',
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const env = overrides.env ?? process.env
      // The tick's code is loaded when the command runs, so registering it costs nothing.
      const { killCheckpointFromEnv } = await import('../lifecycle/adapters/kill-checkpoint.ts')
      const { runTick } = await import('../lifecycle/adapters/run-tick.ts')
      const report = await runTick(
        {
          rng: overrides.rng ?? createCryptoRng(),
          log: overrides.log ?? createNullLogger(),
          realClock: overrides.realClock ?? createSystemClock(),
          env,
          // DOLLY_KILL_AT arms the kill-point test's SIGKILL; unset, the no-op.
          checkpoint: overrides.checkpoint ?? killCheckpointFromEnv(env),
        },
        String(cmd.optsWithGlobals()['home']),
      )
      emit(io, opts.json, report, () => describe(report))
    })
}
