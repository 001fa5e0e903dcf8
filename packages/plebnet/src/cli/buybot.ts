import type { Command } from 'commander'
import { createPinoLogger, createSystemClock, type CliIo, type Clock, type Logger } from '@dolly/base'
import { ReplicationError } from '../replication/errors.ts'

/** The original's defaults (ALGORITHMS.md §5.7): a round every 300 s, bids 10 s apart. */
const DEFAULT_EVERY_S = '300'
const DEFAULT_GAP_S = '10'
/** A mirrored bid stands a world day, the longest an order may. */
const DEFAULT_BID_TIMEOUT_S = '86400'
const MAX_BID_TIMEOUT_S = 86_400
/** How often the progress line is printed while running (real ms). */
const REPORT_MS = 5_000

/** What `plebnet buybot` needs from outside. */
export interface BuybotCliDeps {
  readonly clock: Clock
  readonly log: Logger
  readonly env: Readonly<Record<string, string | undefined>>
  /** Called once running: the composition root wires signals to `stop`. */
  readonly onStarted?: (stop: () => void) => void
}

interface BuybotCommandOptions {
  bootstrap?: string[]
  every: string
  gap: string
  bidTimeout: string
  json?: boolean
}

const BUYBOT_HELP = `
The buybot supplies demand (ALGORITHMS.md §5.7, plebnet's tools/buybot.py): every --every seconds it
reads the agents' matchmakers' books and mirrors every ask priced at or below <limit> (BTC per MB, a
decimal: 0.000001 is 100 sats per MB) with a bid of the same bytes and sats, cheapest first, --gap
seconds apart; an ask is mirrored once. A match is traded like the agents': MB arrive on the
buybot's ledger (state.sqlite in --home), sats leave the wallet in --home (wallet.json, on the chain
of <home>/plebnet_setup.cfg: [chain] backend, or [world]; passphrase from PLEBNET_WALLET_PASSPHRASE
or the config's [wallets] password). Asks worth less than 6,000 sats are skipped (dust).

Output: one line per bid; with --json, {"event":"bid",...} lines and {"event":"stats",...} every few
seconds while something changed. SIGINT/SIGTERM stop it (exit status 0). In a world, 'dolly buybot
<limit>' sets up the home, funds it from the faucet and runs this.`

/** Positive whole seconds, or a usage error naming the flag. */
function seconds(flag: string, text: string, max: number): number {
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new ReplicationError('REPLICATION_USAGE', `${flag} ${text} is not whole seconds 1..${max}`, {})
  return Number(text)
}

/** Registers `plebnet buybot <limit> --bootstrap <multiaddr...>`. */
export function registerBuybotCommands(
  program: Command,
  io: CliIo,
  overrides: Partial<BuybotCliDeps> = {},
): void {
  program
    .command('buybot')
    .description("mirror the agents' asks at or below <limit> BTC per MB with bids (an operator's demand)")
    .argument('<limit>', 'highest price bought, BTC per MB, e.g. 0.000001 (100 sats per MB)')
    .requiredOption(
      '--bootstrap <multiaddr...>',
      'agents to join the overlay through, /ip4/…/tcp/8000/p2p/<peer id>',
    )
    .option('--every <seconds>', 'seconds between two rounds', DEFAULT_EVERY_S)
    .option('--gap <seconds>', 'seconds between two bids of a round', DEFAULT_GAP_S)
    .option(
      '--bid-timeout <seconds>',
      'how long a mirrored bid stands (world seconds in a world)',
      DEFAULT_BID_TIMEOUT_S,
    )
    .option('--json', 'machine-readable lines')
    .addHelpText('after', BUYBOT_HELP)
    .action(async (limit: string, opts: BuybotCommandOptions, cmd: Command) => {
      if (!/^\d{1,20}(\.\d{1,30})?$/.test(limit) || /^0+(\.0+)?$/.test(limit))
        throw new ReplicationError(
          'REPLICATION_USAGE',
          `<limit> ${limit} is not a positive decimal price in BTC per MB, e.g. 0.000001`,
          {},
        )
      const everyMs = seconds('--every', opts.every, 86_400) * 1000
      const gapMs = seconds('--gap', opts.gap, 3_600) * 1000
      const bidTimeoutS = seconds('--bid-timeout', opts.bidTimeout, MAX_BID_TIMEOUT_S)
      const clock = overrides.clock ?? createSystemClock()
      const log = overrides.log ?? createPinoLogger({ clock }, { level: 'warn' })
      const json = opts.json === true
      const { runBuybot } = await import('./buybot-run.ts')
      const running = await runBuybot(
        { clock, log },
        {
          home: String(cmd.optsWithGlobals()['home']),
          bootstrap: opts.bootstrap ?? [],
          env: overrides.env ?? process.env,
          limitBtcPerMb: limit,
          everyMs,
          gapMs,
          bidTimeoutS,
          onBid: (b) =>
            io.out(
              json
                ? JSON.stringify({
                    event: 'bid',
                    number: b.number,
                    ask: b.ask,
                    mbBytes: String(b.mbBytes),
                    sats: String(b.sats),
                  })
                : `buybot: bid ${b.number} mirrors ask ${b.ask}: ${(Number(b.mbBytes) / 2 ** 20).toFixed(2)} MB for ${b.sats} sats`,
            ),
        },
      )
      const statsLine = (): string => {
        const s = running.buybot.stats()
        return json
          ? JSON.stringify({
              event: 'stats',
              rounds: s.rounds,
              bids: s.bids,
              tradesCompleted: s.tradesCompleted,
              tradesAborted: s.tradesAborted,
              satsPaid: String(s.satsPaid),
              mbBoughtBytes: String(s.mbBoughtBytes),
            })
          : `buybot: ${s.rounds} rounds, ${s.bids} bids, ${s.tradesCompleted} trades done, ${s.tradesAborted} aborted, paid ${s.satsPaid} sats for ${(Number(s.mbBoughtBytes) / 2 ** 20).toFixed(2)} MB`
      }
      io.out(
        json ? JSON.stringify({ event: 'started', limit }) : `buybot: running, limit ${limit} BTC per MB`,
      )
      let last = ''
      const report = setInterval(() => {
        const line = statsLine()
        if (line !== last) io.out((last = line))
      }, REPORT_MS)
      const { promise: stopped, resolve } = Promise.withResolvers<void>()
      const stop = (): void => resolve()
      // `on`, not `once`: Ctrl-C reaches the whole process group, so a parent (dolly buybot) that
      // forwards it makes a second signal, which must not kill the buybot mid-stop.
      if (overrides.onStarted === undefined) {
        process.on('SIGTERM', stop)
        process.on('SIGINT', stop)
      } else overrides.onStarted(stop)
      await stopped
      clearInterval(report)
      await running.stop()
      io.out(statsLine())
    })
}
