import { resolve } from 'node:path'
import type { Command } from 'commander'
import { InvalidArgumentError, Option } from 'commander'
import { createPinoLogger, parseBtc, realSleep, type CliIo, type LogLevel } from '@dolly/base'
import { createFamilyCensus, hostTokenReader } from '../genesis/adapters/census.ts'
import { DEFAULT_GENESIS_FUND } from '../genesis/adapters/genesis.ts'
import { renderFamily } from '../genesis/family.ts'
import { DEFAULT_BLOCK_INTERVAL_MIN, DEFAULT_LEASE_DAYS, startWorld } from '../runtime/world.ts'
import { installGenesis, positiveNumber, type WorldCliEnv } from './world.ts'

/** The demo's default pace: one real second is one world hour, so a lease month is 12 real minutes. */
const GENESIS_TIME_SCALE = 3600
/** Real ms between refreshes of the live view. */
const VIEW_REFRESH_MS = 2_000

interface GenesisFlags {
  fund: string
  timeScale: number
  providers: number
  leaseDays: number
  logLevel: LogLevel
  untilGenerations?: number
}

/**
 * Registers `dolly world genesis`: a world in the foreground plus its genesis agent (one host the
 * operator provisions, `plebnet create-child` run on it, the faucet's bootstrap coins), then the
 * family's live view until Ctrl-C, which tears everything down. Genesis needs the world's host
 * provisioner, which lives in the world process, so this command runs the world itself.
 */
export function registerGenesisCommands(program: Command, io: CliIo, env: WorldCliEnv): void {
  const world = program.commands.find((c) => c.name() === 'world')
  if (world === undefined) return
  world
    .command('genesis')
    .description('start the world with a funded genesis agent and watch its family grow (Ctrl-C stops all)')
    .addOption(
      new Option('--fund <btc>', 'bootstrap coins the faucet pays the genesis agent').default(
        DEFAULT_GENESIS_FUND,
      ),
    )
    .addOption(
      new Option('--time-scale <n>', 'world seconds per real second')
        .default(GENESIS_TIME_SCALE)
        .argParser(positiveNumber('--time-scale')),
    )
    .addOption(
      new Option(
        '--lease-days <days>',
        "world days every agent's server is leased for (the shops' billing month and the genesis host's lease)",
      )
        .default(DEFAULT_LEASE_DAYS)
        .argParser(positiveNumber('--lease-days')),
    )
    .addOption(
      new Option('--providers <n>', 'provider shops, 1-4').default(3).argParser((v: string) => {
        const n = Number(v)
        if (!Number.isInteger(n) || n < 1 || n > 4)
          throw new InvalidArgumentError('--providers must be 1 to 4')
        return n
      }),
    )
    .addOption(
      new Option(
        '--until-generations <n>',
        'stop once the family has this many generations (for scripts)',
      ).argParser((v: string) => {
        const n = Number(v)
        if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--until-generations must be ≥ 1')
        return n
      }),
    )
    .addOption(
      new Option('--log-level <level>', 'JSON log level on stderr')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('warn'),
    )
    .action(async (opts: GenesisFlags, cmd: Command) => {
      const fundSats = parseBtc(opts.fund)
      const dir = resolve(String(cmd.optsWithGlobals()['dir']))
      const log = createPinoLogger(
        { clock: { nowMs: env.realNowMs, sleep: realSleep } },
        { level: opts.logLevel },
      )
      const stop = new AbortController()
      const onSignal = (): void => stop.abort()
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      io.out(`world: starting in ${dir} (time scale ${opts.timeScale}×)…`)
      // Ends with the command: the genesis host's lease timer must not keep the process alive.
      const lifetime = new AbortController()
      const handle = await startWorld(
        { log, realNowMs: env.realNowMs, pid: env.pid },
        {
          dir,
          timeScale: opts.timeScale,
          blockIntervalMin: DEFAULT_BLOCK_INTERVAL_MIN,
          providers: opts.providers,
          repoDir: env.repoDir,
          leaseDays: opts.leaseDays,
        },
      )
      try {
        const genesis = await installGenesis(io, env, handle, {
          worldDir: dir,
          log,
          fundSats,
          leaseDays: opts.leaseDays,
          signal: lifetime.signal,
        })
        io.out(
          `genesis: ${genesis.tree} lives on ${genesis.host.ip} (funded ${genesis.fundTxid}). Ctrl-C stops everything.`,
        )
        const census = createFamilyCensus({
          readToken: hostTokenReader(() => handle.provisioner?.list() ?? []),
        })
        let last = ''
        while (!stop.signal.aborted) {
          const agents = await census.poll(handle.provisioner?.list().map((h) => h.ip) ?? [])
          const view = renderFamily(agents)
          if (view !== last) {
            io.out(`\n[world ${new Date(handle.clock.nowMs()).toISOString()}]\n${view}`)
            last = view
          }
          const generations = new Set(agents.map((a) => a.tree.split('.').length)).size
          if (opts.untilGenerations !== undefined && generations >= opts.untilGenerations) break
          await realSleep(VIEW_REFRESH_MS, { signal: stop.signal }).catch(() => undefined)
        }
      } finally {
        lifetime.abort()
        io.out('world: stopping…')
        await handle.stop()
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
        io.out('world: stopped; every host, process and link removed.')
      }
    })
}
