/** `cloudomate vpn …`: list, options, purchase, status, info (CLOUDOMATE.md §9; WireGuard by default). */
import { emit, formatBtc, type CliIo } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import type { Command } from 'commander'
import { iniValue, type Ini } from '../config.ts'
import { CloudomateError } from '../errors.ts'
import type { Currency } from '../model.ts'
import { formatCents } from '../price.ts'
import { foldJournal } from '../purchase/journal.ts'
import { purchase } from '../purchase/purchase.ts'
import { DEFAULT_TOLERANCE_PCT } from '../purchase/safety.ts'
import { DEFAULT_WAIT } from '../purchase/wait.ts'
import { activateVpn } from '../vpn/activate.ts'
import { createAzirevpnDriver } from '../vpn/azirevpn.ts'
import { createMullvadDriver, type VpnDriver } from '../vpn/mullvad.ts'
import { renderWireguardConfig, wireguardFromData } from '../vpn/wireguard.ts'
import { commandContext } from './command-context.ts'
import type { CloudomateCliEnv } from './env.ts'
import type { VpsCommandHelpers } from './vps.ts'

/**
 * The VPN registry: Mullvad, its URL and price overridable in `[mullvad]` (the world's differs), and
 * AzireVPN with `[azirevpn] token` (plus `url`, `location`, `month_cents`, `currency`).
 */
function vpnDrivers(ini: Ini): readonly VpnDriver[] {
  const url = iniValue(ini, 'mullvad', 'url')
  const cents = iniValue(ini, 'mullvad', 'month_cents')
  const currency = iniValue(ini, 'mullvad', 'currency')
  const azire = (key: string) => iniValue(ini, 'azirevpn', key)
  const azireCents = azire('month_cents')
  const azireCurrency = azire('currency')
  const azireUrl = azire('url')
  const azireToken = azire('token')
  const azireLocation = azire('location')
  return [
    createMullvadDriver({
      ...(url === undefined ? {} : { baseUrl: url }),
      ...(cents === undefined ? {} : { monthCents: BigInt(cents) }),
      ...(currency === 'USD' || currency === 'EUR' ? { currency: currency as Currency } : {}),
    }),
    createAzirevpnDriver({
      ...(azireUrl === undefined ? {} : { baseUrl: azireUrl }),
      ...(azireToken === undefined ? {} : { token: azireToken }),
      ...(azireLocation === undefined ? {} : { location: azireLocation }),
      ...(azireCents === undefined ? {} : { monthCents: BigInt(azireCents) }),
      ...(azireCurrency === 'USD' || azireCurrency === 'EUR' ? { currency: azireCurrency as Currency } : {}),
    }),
  ]
}

/** What a VPN provider still needs in cloudomate.cfg before it can be used, if anything. */
function vpnMissing(ini: Ini, name: string): string | undefined {
  return name === 'azirevpn' && iniValue(ini, 'azirevpn', 'token') === undefined
    ? '[azirevpn] token'
    : undefined
}

/** Registers the `vpn` command tree. */
export function registerVpnCommands(
  program: Command,
  io: CliIo,
  env: CloudomateCliEnv,
  run: VpsCommandHelpers,
): void {
  const vpn = program.command('vpn').description('buy and manage VPN service')
  const { home, json, loadIni, purchaseDeps } = commandContext(env)
  const find = (ini: Ini, name: string): VpnDriver => {
    const driver = vpnDrivers(ini).find((d) => d.name === name.toLowerCase())
    if (driver === undefined)
      throw new CloudomateError(
        'CLOUDOMATE_PROVIDER_UNKNOWN',
        `unknown VPN provider ${JSON.stringify(name)}; see 'cloudomate vpn list'`,
        { name },
      )
    return driver
  }

  vpn
    .command('list')
    .description('list the VPN providers')
    .action(
      run.guarded(async (args) => {
        const cmd = args[args.length - 1] as Command
        const ini = await loadIni(cmd)
        const drivers = vpnDrivers(ini)
        emit(
          io,
          json(cmd),
          drivers.map((d) => {
            const missing = vpnMissing(ini, d.name)
            return { name: d.name, website: d.website, ...(missing === undefined ? {} : { missing }) }
          }),
          () =>
            [
              'Providers:',
              ...drivers.map((d) => {
                const missing = vpnMissing(ini, d.name)
                const note = missing === undefined ? '' : ` (needs ${missing})`
                return `   ${d.name.padEnd(15)}${d.website.padEnd(30)}${note}`
              }),
            ].join('\n'),
        )
      }),
    )

  vpn
    .command('options <provider>')
    .description('list VPN products')
    .action(
      run.guarded(async (args) => {
        const [name, , cmd] = args as [string, unknown, Command]
        const ini = await loadIni(cmd)
        const driver = find(ini, name)
        const options = await driver.options({
          session: env.newSession(),
          network: networkParams('bitcoin'),
          clock: env.clock,
          rng: env.rng,
          log: env.log,
        })
        emit(io, json(cmd), options, () =>
          [
            'Name                    Protocol   Bandwidth  Speed      Price',
            ...options.map(
              (o) =>
                `${o.name.padEnd(24)}${o.protocol.padEnd(11)}${'unlimited'.padEnd(11)}${'unlimited'.padEnd(11)}${formatCents(o.price.cents)} ${o.price.currency}/${o.price.period}`,
            ),
          ].join('\n'),
        )
      }),
    )

  vpn
    .command('purchase <provider>')
    .description('buy a month (option 0), pay from the wallet, and wait until the account has time')
    .option('-f', 'do not ask for confirmation')
    .action(
      run.guarded(async (args) => {
        const [name, opts, cmd] = args as [string, Record<string, unknown>, Command]
        const ini = await loadIni(cmd)
        const driver = find(ini, name)
        const { wallet, close } = await env.openWallet(run.walletChoice(cmd, ini))
        try {
          const deps = purchaseDeps(home(cmd), wallet, ini)
          const [option] = await driver.options({
            session: env.newSession(),
            network: wallet.network,
            clock: env.clock,
            rng: env.rng,
            log: env.log,
          })
          if (option === undefined)
            throw new CloudomateError('CLOUDOMATE_OPTION_NOT_FOUND', `${driver.name} sells nothing`, {})
          if (
            opts['f'] !== true &&
            iniValue(ini, 'client', 'noconfirm') !== '1' &&
            !(await env.confirm(`Purchase ${option.name}? (y/N) `))
          ) {
            throw new CloudomateError('CLOUDOMATE_USAGE', 'purchase not confirmed', {})
          }
          const outcome = await purchase(deps, {
            driver,
            option,
            settings: {},
            policy: {
              tolerancePct: Number(iniValue(ini, 'payment', 'tolerance_pct') ?? DEFAULT_TOLERANCE_PCT),
              maxSats: null,
            },
            onProgress: (e) => {
              if (e.kind === 'paying')
                io.out(`Paying ${formatBtc(e.amountSats, { trim: true })} BTC to ${e.address}`)
              if (e.kind === 'paid') io.out(`txid ${e.txid}`)
            },
          })
          if (outcome.kind !== 'paid') return
          const account = await deps.accounts.load(outcome.purchaseId)
          if (account === undefined)
            throw new CloudomateError(
              'CLOUDOMATE_JOURNAL_MALFORMED',
              `no account stored for purchase ${outcome.purchaseId}`,
              {},
            )
          const first = Number(
            iniValue(ini, 'payment', 'wait_first_poll') ?? DEFAULT_WAIT.firstDelayMs / 1000,
          )
          const max = Number(iniValue(ini, 'payment', 'wait_max_poll') ?? DEFAULT_WAIT.maxDelayMs / 1000)
          const timeout = Number(iniValue(ini, 'payment', 'wait_timeout') ?? DEFAULT_WAIT.timeoutMs / 1000)
          io.err('Waiting until the account has time…')
          await activateVpn(deps, driver, account, {
            firstDelayMs: first * 1000,
            maxDelayMs: max * 1000,
            timeoutMs: timeout * 1000,
          })
          emit(
            io,
            json(cmd),
            { purchaseId: outcome.purchaseId },
            () =>
              `VPN active (purchase ${outcome.purchaseId}); 'cloudomate vpn info ${driver.name} -o wg0' writes wg0.conf`,
          )
        } finally {
          close()
        }
      }),
    )

  vpn
    .command('info <provider>')
    .description('print the WireGuard configuration; -o PATH writes PATH.conf')
    .option('-n, --number <n>', 'which purchase, 0 = newest', '0')
    .option('-o, --ovpn <path>', 'write the configuration to <path>.conf')
    .action(
      run.guarded(async (args) => {
        const [name, opts, cmd] = args as [string, Record<string, unknown>, Command]
        const driver = find(await loadIni(cmd), name)
        const records = foldJournal(await env.journal(home(cmd)).readAll())
        const accounts = (await env.accounts(home(cmd)).list())
          .filter((a) => a.provider === driver.name && records.get(a.purchaseId)?.state === 'active')
          .sort(
            (a, b) =>
              (records.get(b.purchaseId)?.startedAtMs ?? 0) - (records.get(a.purchaseId)?.startedAtMs ?? 0),
          )
        const account = accounts[Number(opts['number'] ?? 0)]
        const wg = account === undefined ? undefined : wireguardFromData(account.data)
        if (account === undefined || wg === undefined)
          throw new CloudomateError(
            'CLOUDOMATE_NOT_READY',
            `no active ${driver.name} purchase in ${home(cmd)}`,
            {},
          )
        const text = renderWireguardConfig(wg)
        if (typeof opts['ovpn'] === 'string') {
          await env.writeSecretFile(`${opts['ovpn']}.conf`, text)
          emit(io, json(cmd), { file: `${opts['ovpn']}.conf` }, () => `wrote ${opts['ovpn']}.conf`)
          return
        }
        emit(io, json(cmd), { account: account.data['accountNumber'] ?? null, wireguard: wg }, () => text)
      }),
    )
}
