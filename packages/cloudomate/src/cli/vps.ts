/** `cloudomate vps …`: list, options, purchase, status, getip, info, setrootpw, ssh (CLOUDOMATE.md §9). */
import { formatBtc, emit, type CliIo } from '@dolly/base'
import { networkParams, type NetworkParams } from '@dolly/wallet'
import type { Command } from 'commander'
import { iniValue, resolveSettings, type Ini } from '../config.ts'
import { CloudomateError } from '../errors.ts'
import { generateIdentity } from '../identity.ts'
import type { VpsDriver } from '../providers/driver.ts'
import { findDriver } from '../providers/registry.ts'
import { waitUntilActive } from '../purchase/activate.ts'
import { expectedSats, purchase } from '../purchase/purchase.ts'
import { DEFAULT_TOLERANCE_PCT } from '../purchase/safety.ts'
import { DEFAULT_WAIT } from '../purchase/wait.ts'
import type { SettingKey, Settings } from '../settings.ts'
import { commandContext } from './command-context.ts'
import type { CloudomateCliEnv, WalletChoice } from './env.ts'
import { registerVpsManageCommands } from './vps-manage.ts'
import { formatMbtc, formatProviderList, formatVpsOptions } from './format.ts'

/** Estimated on-chain fee of one payment: 226 vB (one input, two outputs) at the configured rate (§7). */
const PAYMENT_VSIZE = 226n

/** Flags that map to settings (the original's user/address/server flags). */
const SETTING_FLAGS: readonly (readonly [SettingKey, string, string])[] = [
  ['email', '-e, --email <email>', 'e-mail'],
  ['firstname', '--firstname <name>', 'first name (original -fn)'],
  ['lastname', '--lastname <name>', 'last name (original -ln)'],
  ['companyname', '--companyname <name>', 'company (original -cn)'],
  ['phonenumber', '--phonenumber <phone>', 'phone (original -pn)'],
  ['password', '--pw, --password <password>', 'account password (original -pw)'],
  ['address', '-a, --address <street>', 'street address'],
  ['city', '--city <city>', 'city (original -ct)'],
  ['state', '-s, --state <state>', 'state'],
  ['countrycode', '--countrycode <cc>', 'ISO-2 country (original -cc)'],
  ['zipcode', '-z, --zipcode <zip>', 'postcode'],
  ['root_password', '--rootpw <password>', 'root password (original -rp)'],
  ['ns1', '--ns1 <prefix>', 'NS1 prefix'],
  ['ns2', '--ns2 <prefix>', 'NS2 prefix'],
  ['hostname', '--hostname <name>', 'server hostname'],
]

const camel = (flag: string): string => {
  const long = /--([a-z0-9-]+)/.exec(flag.split(',').pop() ?? '')?.[1] ?? ''
  return long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
}

/** What the `vpn` commands reuse from the `vps` ones. */
export interface VpsCommandHelpers {
  readonly guarded: (
    run: (args: readonly unknown[]) => Promise<void>,
  ) => (...args: unknown[]) => Promise<void>
  readonly walletChoice: (cmd: Command, ini: Ini) => WalletChoice
}

/** Registers the `vps` command tree. */
export function registerVpsCommands(
  program: Command,
  io: CliIo,
  env: CloudomateCliEnv,
  exit: { code?: number },
): VpsCommandHelpers {
  const vps = program.command('vps').description('buy and manage VPS')
  const { globals, home, json, loadIni, flowDeps, purchaseDeps } = commandContext(env)
  const networkOf = (cmd: Command, ini: Ini): string | undefined =>
    globals(cmd)['testnet'] === true ? 'testnet' : iniValue(ini, 'payment', 'network')
  const flagSettings = (opts: Record<string, unknown>): Settings => {
    const out: Partial<Record<SettingKey, string>> = {}
    for (const [key, flag] of SETTING_FLAGS) {
      const v = opts[camel(flag)]
      if (typeof v === 'string') out[key] = v
    }
    return out
  }
  // Exit statuses (CLOUDOMATE.md §9: 2 shop errors, 3 refused, 4 timed out) come from the error's
  // code through CLOUDOMATE_EXIT_STATUS in runCli; this only adapts commander's action arguments.
  const guarded =
    (run: (args: readonly unknown[]) => Promise<void>) =>
    async (...args: unknown[]): Promise<void> => {
      await run(args)
    }

  vps
    .command('list')
    .description('list the providers')
    .action(
      guarded(async (args) => {
        const cmd = args[args.length - 1] as Command
        const entries = env.registry(await loadIni(cmd))
        emit(
          io,
          json(cmd),
          entries.map((e) => ({
            name: e.name,
            website: e.website,
            kind: e.kind,
            usable: e.driver !== undefined,
          })),
          () => formatProviderList(entries),
        )
      }),
    )

  const optionsWithEstimates = async (cmd: Command, driver: VpsDriver, ini: Ini) => {
    const { wallet, close } = await env.openWallet(walletChoice(cmd, ini))
    try {
      return { ...(await priced(cmd, driver, ini, wallet.network)), wallet, close }
    } catch (err) {
      close()
      throw err
    }
  }
  const priced = async (cmd: Command, driver: VpsDriver, ini: Ini, network: NetworkParams) => {
    {
      const wallet = { network }
      const ctx = {
        session: env.newSession(),
        network: wallet.network,
        clock: env.clock,
        rng: env.rng,
        log: env.log,
      }
      const options = await driver.options(ctx)
      const rates = env.rates(wallet.network.name, ini)
      const feeRate = BigInt(
        iniValue(ini, 'payment', 'fee_rate') ?? (wallet.network.name === 'bitcoin' ? '10' : '1'),
      )
      // One rate per command, not per row (§17.10).
      const rate = await rates.rate(options[0]?.price.currency ?? 'USD').catch(() => undefined)
      const estimates = options.map((o) =>
        rate === undefined || o.price.currency !== (options[0]?.price.currency ?? 'USD')
          ? null
          : expectedSats(o, rate.satsPerUnit, driver.gatewayFeePercent) + feeRate * PAYMENT_VSIZE,
      )
      return { options, estimates }
    }
  }
  const walletChoice = (cmd: Command, ini: Ini) => ({
    walletpath: iniValue(ini, 'payment', 'walletpath') ?? iniValue(ini, 'client', 'walletpath'),
    backend: iniValue(ini, 'payment', 'backend'),
    network: networkOf(cmd, ini),
    maxFeePercent: iniValue(ini, 'payment', 'max_fee_pct'),
  })

  vps
    .command('options <provider>')
    .description("list a provider's plans with estimated BTC prices")
    .action(
      guarded(async (args) => {
        const [provider, , cmd] = args as [string, unknown, Command]
        const ini = await loadIni(cmd)
        const driver = findDriver(env.registry(ini), provider)
        // Listing needs no wallet: without one, the network comes from the config or --testnet.
        const opened = await env.openWallet(walletChoice(cmd, ini)).catch(() => undefined)
        opened?.close()
        const name = networkOf(cmd, ini)
        const network =
          opened?.wallet.network ??
          networkParams(name === 'testnet' || name === 'world' || name === 'regtest' ? name : 'bitcoin')
        const { options, estimates } = await priced(cmd, driver, ini, network)
        emit(
          io,
          json(cmd),
          options.map((o, i) => ({ ...o, estimateSats: estimates[i] })),
          () => formatVpsOptions(options, estimates),
        )
      }),
    )

  const purchaseCmd = vps
    .command('purchase <provider> <option>')
    .description('buy a plan, pay from the wallet, and wait until the server is active')
    .option('-f', 'do not ask for confirmation')
    .option(
      '--randomuser',
      'use a generated identity for this purchase (needs [client] allow_fake_identity = 1)',
    )
    .option('--dry-run', 'run every check, then stop before paying')
    .option('--no-wait', 'return after paying instead of waiting until active')
    .option('--max-price-sat <sats>', 'refuse invoices above this many sats')
  for (const [, flag, help] of SETTING_FLAGS) purchaseCmd.option(flag, help)
  purchaseCmd.action(
    guarded(async (args) => {
      const [provider, optionText, opts, cmd] = args as [string, string, Record<string, unknown>, Command]
      const ini = await loadIni(cmd)
      const driver = findDriver(env.registry(ini), provider)
      const { options, estimates, wallet, close } = await optionsWithEstimates(cmd, driver, ini)
      try {
        const index = Number(optionText)
        const option = Number.isInteger(index) ? options[index] : undefined
        if (option === undefined) {
          throw new CloudomateError(
            'CLOUDOMATE_OPTION_NOT_FOUND',
            `Specified configuration ${optionText} is not in range 0-${options.length - 1}`,
            {
              option: optionText,
            },
          )
        }
        let settings = resolveSettings(ini, driver.name, flagSettings(opts))
        if (opts['randomuser'] === true) {
          if (iniValue(ini, 'client', 'allow_fake_identity') !== '1') {
            throw new CloudomateError(
              'CLOUDOMATE_IDENTITY_NOT_ALLOWED',
              '--randomuser needs [client] allow_fake_identity = 1 in cloudomate.cfg (most providers forbid false identities)',
              {},
            )
          }
          const mailbox = iniValue(ini, 'user', 'email')
          settings = {
            ...generateIdentity(env.rng, mailbox === undefined ? {} : { mailbox }),
            ...flagSettings(opts),
          }
        }
        io.out(
          `Selected: ${driver.name} #${index} ${option.name} (${option.cores} cores, ${option.memoryGB} GB RAM, ${option.storageGB} GB disk), estimate ${formatMbtc(estimates[index] ?? 0n)} mBTC`,
        )
        if (opts['f'] !== true && iniValue(ini, 'client', 'noconfirm') !== '1') {
          if (!(await env.confirm('Purchase this option? (y/N) '))) {
            throw new CloudomateError('CLOUDOMATE_USAGE', 'purchase not confirmed', {})
          }
        }
        const maxFlag = typeof opts['maxPriceSat'] === 'string' ? BigInt(opts['maxPriceSat']) : undefined
        const maxIni = iniValue(ini, 'payment', 'max_sat')
        const policy = {
          tolerancePct: Number(iniValue(ini, 'payment', 'tolerance_pct') ?? DEFAULT_TOLERANCE_PCT),
          maxSats: maxFlag ?? (maxIni === undefined ? null : BigInt(maxIni)),
        }
        const deps = purchaseDeps(home(cmd), wallet, ini)
        const outcome = await purchase(deps, {
          driver,
          option,
          settings,
          policy,
          ...(opts['dryRun'] === true ? { dryRun: true } : {}),
          onProgress: (e) => {
            if (e.kind === 'paying')
              io.out(`Paying ${formatBtc(e.amountSats, { trim: true })} BTC to ${e.address}`)
            if (e.kind === 'paid') io.out(`txid ${e.txid}`)
            if (e.kind === 'resuming') io.out(`Settling unfinished purchase ${e.purchaseId} (${e.state})`)
          },
        })
        if (outcome.kind === 'dry-run') {
          emit(
            io,
            json(cmd),
            outcome,
            () =>
              `Dry run: would pay ${formatBtc(outcome.quote.amountSats, { trim: true })} BTC to ${outcome.quote.address} (expected ${outcome.expectedSats} sats)`,
          )
          return
        }
        if (opts['wait'] === false) {
          emit(
            io,
            json(cmd),
            outcome,
            () => `Paid; purchase ${outcome.purchaseId}. Check 'cloudomate vps status ${driver.name}'.`,
          )
          return
        }
        const account = await deps.accounts.load(outcome.purchaseId)
        if (account === undefined)
          throw new CloudomateError(
            'CLOUDOMATE_JOURNAL_MALFORMED',
            `no account stored for purchase ${outcome.purchaseId}`,
            {},
          )
        const waitS = Number(iniValue(ini, 'payment', 'wait_timeout') ?? DEFAULT_WAIT.timeoutMs / 1000)
        const firstS = Number(iniValue(ini, 'payment', 'wait_first_poll') ?? DEFAULT_WAIT.firstDelayMs / 1000)
        const maxS = Number(iniValue(ini, 'payment', 'wait_max_poll') ?? DEFAULT_WAIT.maxDelayMs / 1000)
        io.err('Waiting until the server is active…')
        const config = await waitUntilActive(
          deps,
          driver,
          account,
          { firstDelayMs: firstS * 1000, maxDelayMs: maxS * 1000, timeoutMs: waitS * 1000 },
          {
            onPoll: (attempt, elapsedMs, status) =>
              io.err(`  poll ${attempt} after ${Math.round(elapsedMs / 1000)} s: ${status}`),
          },
        )
        emit(
          io,
          json(cmd),
          { ...outcome, ip: config.ip },
          () => `Server active: IP ${config.ip} (purchase ${outcome.purchaseId})`,
        )
      } finally {
        close()
      }
    }),
  )

  registerVpsManageCommands(vps, io, env, { guarded, walletChoice, loadIni, home, json, exit, flowDeps })
  return { guarded, walletChoice }
}
