import type { Command } from 'commander'
import { createPinoLogger, createSystemClock, type CliIo, type Clock, type Logger } from '@dolly/base'
import { ReplicationError } from '../replication/errors.ts'
import type { RunningProxy } from './proxy-run.ts'

/** Default `--port` (kept here too, so `--help` loads no tunnel code). */
const DEFAULT_PORT = 1080
const DEFAULT_READY_TIMEOUT_S = 120
/** Default `--hops` and `--warm` (proxy-run's PROXY_HOPS and PROXY_WARM_CIRCUITS). */
const DEFAULT_HOPS = '1,2,3'
const DEFAULT_WARM = '2'
/** Most circuits `--warm` keeps per hop count (a node builds at most 16 own circuits). */
const MAX_WARM = 5
/** `@dolly/tunnels` PAYOUT_RULES (kept here too, so `--help` loads no tunnel code). */
const PAYOUT_RULE_NAMES = ['fair', '2017', '2021'] as const
type PayoutRuleName = (typeof PAYOUT_RULE_NAMES)[number]
const isPayoutRule = (rule: string): rule is PayoutRuleName =>
  (PAYOUT_RULE_NAMES as readonly string[]).includes(rule)

/** What `plebnet proxy` needs from outside. */
export interface ProxyCliDeps {
  readonly clock: Clock
  readonly log: Logger
  /** Called with the running proxy: the composition root wires signals to `stop`. */
  readonly onStarted: (proxy: RunningProxy, stop: () => void) => void
  /** Environment of the token buyer (wallet passphrase); default process.env. */
  readonly env: Readonly<Record<string, string | undefined>>
}

/** Flags of `plebnet proxy`. */
interface ProxyCommandOptions {
  bootstrap?: string[]
  port: string
  listen?: string
  readyTimeout: string
  json?: boolean
  /** commander's `--no-pay`: false when given. */
  pay: boolean
  payoutRule: string
  hops: string
  warm: string
  buyBelow?: string
  buy: string
  maxPrice: string
  bidTimeout: string
  cheat?: string
}

/** Default `--buy` (MB per bid), `--max-price` (sats per MB) and `--bid-timeout` (world s). */
const DEFAULT_BUY_MB = '256'
const DEFAULT_MAX_PRICE = '100'
const DEFAULT_BID_TIMEOUT_S = '3600'
/** An order's longest timeout (ALGORITHMS.md §10). */
const MAX_BID_TIMEOUT_S = 86_400
/** buyer/cheat.ts CHEATS (kept here too, so `--help` loads no market code). */
const CHEAT_NAMES = ['never-pay', 'stop-paying'] as const
type CheatName = (typeof CHEAT_NAMES)[number]
const isCheat = (c: string): c is CheatName => (CHEAT_NAMES as readonly string[]).includes(c)
const MB_BYTES = 1n << 20n

/** Real ms between two looks at a buyer's progress. */
const BUYER_REPORT_MS = 2_000

/** `{"event":"buyer",…}`: what the proxy's token buyer did; undefined without one. */
function buyerLine(proxy: RunningProxy): string | undefined {
  const b = proxy.buyer()
  return b === undefined
    ? undefined
    : JSON.stringify({
        event: 'buyer',
        bids: b.bids,
        tradesCompleted: b.tradesCompleted,
        tradesAborted: b.tradesAborted,
        satsPaid: b.satsPaid.toString(),
        mbBoughtBytes: b.mbBoughtBytes.toString(),
      })
}

/** `--buy-below` and friends → the buy option of startProxy, or undefined without `--buy-below`. */
function buyOptionOf(opts: ProxyCommandOptions, env: Readonly<Record<string, string | undefined>>) {
  if (opts.buyBelow === undefined) return undefined
  const whole = (flag: string, text: string, max: number): bigint => {
    if (!/^\d{1,12}$/.test(text) || Number(text) < 1 || Number(text) > max)
      throw new ReplicationError('REPLICATION_USAGE', `${flag} ${text} is not a whole number 1..${max}`, {})
    return BigInt(text)
  }
  const below = whole('--buy-below', opts.buyBelow, 1_000_000)
  const bidMb = whole('--buy', opts.buy, 1_000_000)
  const price = whole('--max-price', opts.maxPrice, 100_000_000)
  const timeout = Number(whole('--bid-timeout', opts.bidTimeout, MAX_BID_TIMEOUT_S))
  if (opts.cheat !== undefined && !isCheat(opts.cheat))
    throw new ReplicationError(
      'REPLICATION_USAGE',
      `--cheat ${opts.cheat} is not one of ${CHEAT_NAMES.join(', ')}`,
      {},
    )
  return {
    policy: {
      belowBytes: below * MB_BYTES,
      bidBytes: bidMb * MB_BYTES,
      maxSatPerMb: price,
      bidTimeoutS: timeout,
    },
    ...(opts.cheat === undefined ? {} : { cheat: opts.cheat }),
    env,
  }
}

/** `--hops 1,3` → [1, 3]: distinct hop counts 1..3, or undefined when malformed. */
function parseHops(text: string): number[] | undefined {
  if (!/^[123](,[123]){0,2}$/.test(text)) return undefined
  const hops = text.split(',').map(Number)
  return new Set(hops).size === hops.length ? hops.sort() : undefined
}

const PROXY_HELP = `
Home: the proxy keeps its own identity.key and tunnel.key in --home; give it a home of its own, not an
agent's (two nodes with one identity would share a peer id).

Ports: hops 1, 2 and 3 listen on 127.0.0.1 at port+1, port+2 and port+3 (1081, 1082, 1083 by
default), e.g. curl --socks5-hostname 127.0.0.1:1083 http://example.org/ for three hops.

--hops 3 serves only 3 hops (port+3); --warm N keeps N circuits built per hop count (default 2). With
--hops 3 --warm 1 every download goes through one circuit (pinned), e.g. to check payments.

Ready: once a circuit of every hop count is built, one line is printed on stdout; with --json it is
  {"event":"ready","ports":{"1":1081,"2":1082,"3":1083}}
Circuits are kept warm (kept alive, not rebuilt) until SIGINT or SIGTERM, which stop everything: the
last partial MiB of every circuit is paid first, then one more line is printed, with --json
  {"event":"stopped","payments":{...,"unsettled":{"ownBytes":"0",...}}}
(ownBytes 0: every byte the circuits carried was paid for), and the exit status is 0.
No circuit of some hop count within --ready-timeout: TUNNEL_NO_PATH, exit status 1.

Payment: the proxy pays the first hop of each circuit in MB tokens on its own ledger (state.sqlite in
--home; plebnet ledger balance --home DIR shows it) every MiB the circuit carries back, by
--payout-rule (the agents' [tunnels] payout_rule, default fair). --no-pay is a TEST KNOB: a free rider
that never pays, so every hop cuts its circuits (TUNNEL_UNPAID) after the unpaid cap and the proxy
builds new ones.

Buying tokens: with --buy-below MB the proxy buys MB tokens with Bitcoin on the agents' market
whenever its balance is below MB: one bid at a time for --buy MB at --max-price sats per MB (or the
MB its wallet can pay for), in the book for --bid-timeout seconds. The Bitcoin comes from the wallet
in --home (plebnet wallet create --home DIR), on the chain its config names (<home>/config: [chain]
backend, or [world] in a world, whose clock the orders carry); the passphrase from
PLEBNET_WALLET_PASSPHRASE or the config's [wallets] password. The MB arrive on its ledger, paid
incrementally (ALGORITHMS.md §10). --cheat never-pay|stop-paying is a WORLD KNOB: a buyer that never
pays, or pays only each trade's first payment; sellers abandon it after one increment.`

/** Registers `plebnet proxy --bootstrap <multiaddr...> [--port P] [--json]`. */
export function registerProxyCommands(
  program: Command,
  io: CliIo,
  overrides: Partial<ProxyCliDeps> = {},
): void {
  program
    .command('proxy')
    .description(
      "a user's SOCKS5 entry into the agents' onion circuits (1, 2 or 3 hops), until SIGINT/SIGTERM",
    )
    .requiredOption(
      '--bootstrap <multiaddr...>',
      'agents to join the overlay through, /ip4/…/tcp/8000/p2p/<peer id>',
    )
    .option(
      '--port <port>',
      'base port: SOCKS5 for 1, 2, 3 hops on port+1, port+2, port+3',
      String(DEFAULT_PORT),
    )
    .option('--listen <multiaddr>', "where this node's libp2p listens (default /ip4/0.0.0.0/tcp/0)")
    .option(
      '--ready-timeout <seconds>',
      'give up when circuits are not built by then',
      String(DEFAULT_READY_TIMEOUT_S),
    )
    .option('--json', 'print the ready line as JSON')
    .option('--payout-rule <rule>', 'fair, 2017 or 2021: how circuits are priced', 'fair')
    .option('--no-pay', 'test knob: never pay the hops (a free rider)')
    .option('--hops <list>', 'hop counts to serve, comma-separated', DEFAULT_HOPS)
    .option('--warm <n>', 'circuits kept built per hop count', DEFAULT_WARM)
    .option('--buy-below <MB>', 'buy MB tokens with Bitcoin while the balance is below this')
    .option('--buy <MB>', 'MB per bid', DEFAULT_BUY_MB)
    .option('--max-price <sats>', 'the most a bid pays per MB, sats', DEFAULT_MAX_PRICE)
    .option('--bid-timeout <seconds>', 'how long a bid stays in the book', DEFAULT_BID_TIMEOUT_S)
    .option('--cheat <kind>', 'world knob: never-pay or stop-paying (a cheating buyer)')
    .addHelpText('after', PROXY_HELP)
    .action(async (opts: ProxyCommandOptions, cmd: Command) => {
      const port = Number(opts.port)
      if (!/^\d{1,5}$/.test(opts.port) || port < 1 || port + 3 > 65_535)
        throw new ReplicationError('REPLICATION_USAGE', `--port ${opts.port} is not a port (1..65532)`, {})
      const readyS = Number(opts.readyTimeout)
      if (!/^\d{1,6}$/.test(opts.readyTimeout) || readyS < 1)
        throw new ReplicationError(
          'REPLICATION_USAGE',
          `--ready-timeout ${opts.readyTimeout} is not whole seconds`,
          {},
        )
      if (!isPayoutRule(opts.payoutRule))
        throw new ReplicationError(
          'REPLICATION_USAGE',
          `--payout-rule ${opts.payoutRule} is not one of ${PAYOUT_RULE_NAMES.join(', ')}`,
          {},
        )
      const hops = parseHops(opts.hops)
      if (hops === undefined)
        throw new ReplicationError(
          'REPLICATION_USAGE',
          `--hops ${opts.hops} is not a list of distinct hop counts 1..3, e.g. 1,2,3`,
          {},
        )
      const warm = Number(opts.warm)
      if (!/^\d$/.test(opts.warm) || warm < 1 || warm > MAX_WARM)
        throw new ReplicationError('REPLICATION_USAGE', `--warm ${opts.warm} is not 1..${MAX_WARM}`, {})
      const buy = buyOptionOf(opts, overrides.env ?? process.env)
      const clock = overrides.clock ?? createSystemClock()
      const log = overrides.log ?? createPinoLogger({ clock }, { level: 'warn' })
      // SIGINT/SIGTERM at any time, while starting too, stop everything and end with status 0.
      const controller = new AbortController()
      const { promise: stopped, resolve } = Promise.withResolvers<void>()
      const running: { proxy?: RunningProxy } = {}
      const stop = (): void => {
        controller.abort()
        if (running.proxy !== undefined) void running.proxy.stop().then(resolve, resolve)
      }
      if (overrides.onStarted === undefined) {
        process.once('SIGTERM', stop)
        process.once('SIGINT', stop)
      }
      // The proxy's code (libp2p, tunnels) is loaded when the command runs, so registering it costs nothing.
      const { startProxy } = await import('./proxy-run.ts')
      const proxy = await startProxy(
        { clock, log },
        {
          home: String(cmd.optsWithGlobals()['home']),
          bootstrap: opts.bootstrap ?? [],
          port,
          ...(opts.listen === undefined ? {} : { listen: opts.listen }),
          readyTimeoutMs: readyS * 1000,
          signal: controller.signal,
          pay: opts.pay,
          payoutRule: opts.payoutRule,
          hops,
          warm,
          ...(buy === undefined ? {} : { buy }),
        },
      )
      if (proxy === undefined) return
      running.proxy = proxy
      if (controller.signal.aborted) return void (await proxy.stop())
      const ports = Object.fromEntries([...proxy.ports].map(([hops, p]) => [String(hops), p]))
      io.out(
        opts.json === true
          ? JSON.stringify({ event: 'ready', ports })
          : `plebnet proxy: ready, SOCKS5 on 127.0.0.1 ${[...proxy.ports].map(([h, p]) => `${h} hop(s) :${p}`).join(', ')}`,
      )
      overrides.onStarted?.(proxy, stop)
      // A buyer's progress, one JSON line whenever it changed (the world's user driver reads them).
      let lastBuyer = ''
      const reportBuyer = (): void => {
        const line = buyerLine(proxy)
        if (line === undefined || line === lastBuyer) return
        lastBuyer = line
        if (opts.json === true) io.out(line)
      }
      const reporter = proxy.buyer() === undefined ? undefined : setInterval(reportBuyer, BUYER_REPORT_MS)
      reportBuyer()
      await stopped
      if (reporter !== undefined) clearInterval(reporter)
      const payments = proxy.finalPayments()
      const u = payments?.unsettled
      const bought = buyerLine(proxy)
      const buyer = bought === undefined ? {} : { buyer: JSON.parse(bought) as unknown }
      io.out(
        opts.json === true
          ? JSON.stringify({ event: 'stopped', ...(payments === undefined ? {} : { payments }), ...buyer })
          : payments === undefined
            ? 'plebnet proxy: stopped'
            : `plebnet proxy: stopped; paid ${payments.paid} token bytes (${payments.rule} rule), ${u?.ownBytes ?? '0'} bytes left unpaid`,
      )
    })
}
