import type { Command } from 'commander'
import {
  createCryptoRng,
  createNullLogger,
  createSystemClock,
  emit,
  errorCode,
  type CliIo,
  type Clock,
  type Logger,
  type Rng,
} from '@dolly/base'
import { CREATE_CHILD_USAGE, parseCreateChildArgs } from '../replication/create-child-args.ts'
import { createChildExitCode } from '../replication/errors.ts'

/** What `create-child` needs from outside; tests inject a seeded Rng or a recording exit. */
export interface CreateChildCliDeps {
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  readonly env: Readonly<Record<string, string | undefined>>
  /** Ends the process with AGENT.md §8's exit code (1 usage, 2 SSH, 3 install, 4 setup). */
  readonly exit: (code: number) => void
}

/** Registers `plebnet create-child` with the original's flags (AGENT.md §8) and its exit codes. */
export function registerCreateChildCommands(
  program: Command,
  io: CliIo,
  overrides: Partial<CreateChildCliDeps> = {},
): void {
  program
    .command('create-child')
    .description('install a child agent on a server over SSH (-i IP -p PASSWORD; --help for all flags)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'the original create-child.sh flags')
    .action(async (argv: string[], _opts: unknown, cmd: Command) => {
      const clock = overrides.clock ?? createSystemClock()
      const deps = {
        clock,
        rng: overrides.rng ?? createCryptoRng(),
        log: overrides.log ?? createNullLogger(),
        env: overrides.env ?? process.env,
      }
      const exit = overrides.exit ?? ((code: number) => process.exit(code))
      const json = argv.includes('--json')
      try {
        const args = parseCreateChildArgs(argv)
        if (args.help) {
          io.out(CREATE_CHILD_USAGE)
          return
        }
        const home = String(cmd.optsWithGlobals()['home'])
        // The work is loaded when the command runs, so registering it costs nothing.
        const { runCreateChild } = await import('../replication/adapters/create-child-runner.ts')
        const report = await runCreateChild(
          {
            ...deps,
            setUp: async (testnet) => {
              const { runSetup } = await import('./setup.ts')
              const { installService } = await import('../daemon/adapters/service.ts')
              await runSetup(
                { clock: deps.clock, rng: deps.rng, env: deps.env, installService },
                { home, testnet, exitNode: false, service: false },
              )
            },
          },
          home,
          args,
        )
        emit(io, json, report, () =>
          [
            `child ${report.tree} is alive on ${report.ip} (heartbeat at ${new Date(report.status.heartbeatAtMs ?? 0).toISOString()})`,
            `identity ${report.status.publicKey}; pushed ${report.bytesPushed} bytes${report.resumedFromBytes > 0 ? ` (resumed at ${report.resumedFromBytes})` : ''} in ${report.totalMs} ms`,
            ...report.steps.map(
              (s) =>
                `  ${s.step.padEnd(9)} ${String(s.ms).padStart(6)} ms${s.skipped ? '  (already done)' : ''}`,
            ),
          ].join('\n'),
        )
      } catch (err) {
        const code = errorCode(err)
        const message = err instanceof Error ? err.message : String(err)
        if (json) io.out(JSON.stringify({ error: { code, message } }, null, 2))
        else io.err(code === undefined ? `error: ${message}` : `error ${code}: ${message}`)
        exit(createChildExitCode(code))
      }
    })
}
