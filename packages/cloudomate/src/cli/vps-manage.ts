/** `cloudomate vps status | getip | info | setrootpw | ssh`: commands on a bought server (CLOUDOMATE.md §9). */
import { emit, type CliIo } from '@dolly/base'
import type { Command } from 'commander'
import type { Ini } from '../config.ts'
import { CloudomateError } from '../errors.ts'
import type { PurchaseAccount, VpsDriver } from '../providers/driver.ts'
import { findDriver } from '../providers/registry.ts'
import { readServiceState } from '../purchase/activate.ts'
import { withData } from '../purchase/accounts.ts'
import { foldJournal } from '../purchase/journal.ts'
import type { CommandContext } from './command-context.ts'
import type { CloudomateCliEnv, WalletChoice } from './env.ts'

/** What these commands reuse from the `vps` tree. */
export interface ManageHelpers {
  readonly guarded: (
    run: (args: readonly unknown[]) => Promise<void>,
  ) => (...args: unknown[]) => Promise<void>
  readonly walletChoice: (cmd: Command, ini: Ini) => WalletChoice
  readonly loadIni: (cmd: Command) => Promise<Ini>
  readonly home: (cmd: Command) => string
  readonly json: (cmd: Command) => boolean
  readonly flowDeps: CommandContext['flowDeps']
  /** Exit code override (the interactive SSH session's). */
  readonly exit: { code?: number }
}

/** Registers the commands on bought servers under `vps`. */
export function registerVpsManageCommands(
  vps: Command,
  io: CliIo,
  env: CloudomateCliEnv,
  helpers: ManageHelpers,
): void {
  const { guarded, walletChoice, loadIni, home, json, exit, flowDeps } = helpers
  /** This provider's purchases, newest first, or a client-area login given by -e/--pw. */
  const selectAccount = async (
    cmd: Command,
    provider: string,
    opts: Record<string, unknown>,
  ): Promise<{ driver: VpsDriver; account: PurchaseAccount; home: string }> => {
    const ini = await loadIni(cmd)
    const driver = findDriver(env.registry(ini), provider)
    if (typeof opts['email'] === 'string' && typeof opts['password'] === 'string') {
      return {
        driver,
        home: home(cmd),
        account: {
          purchaseId: 'manual',
          provider: driver.name,
          optionId: '',
          settings: { email: opts['email'], password: opts['password'] },
          data: {},
        },
      }
    }
    const records = foldJournal(await env.journal(home(cmd)).readAll())
    const accounts = (await env.accounts(home(cmd)).list())
      .filter((a) => a.provider === driver.name)
      .sort(
        (a, b) =>
          (records.get(b.purchaseId)?.startedAtMs ?? 0) - (records.get(a.purchaseId)?.startedAtMs ?? 0),
      )
    const n = Number(opts['number'] ?? 0)
    const account = accounts[n]
    if (account === undefined) {
      throw new CloudomateError(
        'CLOUDOMATE_OPTION_NOT_FOUND',
        `no purchase #${n} at ${driver.name} in ${home(cmd)} (${accounts.length} known)`,
        { provider: driver.name },
      )
    }
    return { driver, account, home: home(cmd) }
  }
  const activeState = async (cmd: Command, provider: string, opts: Record<string, unknown>) => {
    const { driver, account, home: dir } = await selectAccount(cmd, provider, opts)
    const { wallet, close } = await env.openWallet(walletChoice(cmd, await loadIni(cmd)))
    close()
    const deps = flowDeps(dir, wallet.network)
    const { state, account: latest } = await readServiceState(deps, driver, account)
    return { driver, account: latest, state, deps }
  }
  const accountOpts = (c: Command) =>
    c
      .option('-n, --number <n>', 'which purchase of this provider, 0 = newest', '0')
      .option('-e, --email <email>', 'client-area e-mail')
      .option('--pw, --password <password>', 'client-area password')

  accountOpts(
    vps
      .command('status [provider]')
      .description('show the state of a purchase (without a provider: the journal)'),
  ).action(
    guarded(async (args) => {
      const [provider, opts, cmd] = args as [string | undefined, Record<string, unknown>, Command]
      if (provider === undefined) {
        const records = [...foldJournal(await env.journal(home(cmd)).readAll()).values()]
        emit(io, json(cmd), records, () =>
          records.length === 0
            ? 'No purchases.'
            : records
                .map(
                  (r) =>
                    `${r.purchaseId}  ${r.provider.padEnd(15)}${r.state.padEnd(9)}${r.amountSats === undefined ? '' : `${r.amountSats} sats`}${r.txid === undefined ? '' : `  ${r.txid}`}`,
                )
                .join('\n'),
        )
        return
      }
      const { account, state } = await activeState(cmd, provider, opts)
      const online = state.kind === 'active'
      emit(io, json(cmd), { purchaseId: account.purchaseId, state }, () =>
        [
          `Online      ${online ? 'yes' : 'no'}`,
          `Status      ${state.kind === 'active' ? 'active' : state.status}`,
          `Expiration  ${state.kind === 'active' && state.expirationMs !== undefined ? new Date(state.expirationMs).toISOString() : 'unknown'}`,
        ].join('\n'),
      )
    }),
  )

  const requireActive = async (cmd: Command, provider: string, opts: Record<string, unknown>) => {
    const r = await activeState(cmd, provider, opts)
    if (r.state.kind !== 'active') {
      throw new CloudomateError(
        'CLOUDOMATE_NOT_READY',
        `${provider} purchase ${r.account.purchaseId} is not active yet (${r.state.kind === 'failed' ? r.state.status : r.state.status})`,
        {},
      )
    }
    return { ...r, active: r.state }
  }

  accountOpts(vps.command('getip <provider>').description("print a server's IP")).action(
    guarded(async (args) => {
      const [provider, opts, cmd] = args as [string, Record<string, unknown>, Command]
      const { active } = await requireActive(cmd, provider, opts)
      emit(io, json(cmd), { ip: active.ip }, () => active.ip)
    }),
  )

  accountOpts(vps.command('info <provider>').description("print a server's IP and root password")).action(
    guarded(async (args) => {
      const [provider, opts, cmd] = args as [string, Record<string, unknown>, Command]
      const { active } = await requireActive(cmd, provider, opts)
      emit(io, json(cmd), { ip: active.ip, rootPassword: active.rootPassword ?? null }, () =>
        [`IP address     ${active.ip}`, `Root password  ${active.rootPassword ?? '(SSH key only)'}`].join(
          '\n',
        ),
      )
    }),
  )

  accountOpts(
    vps
      .command('setrootpw <provider> <root_password>')
      .description('change the root password (panel first, SSH fallback)'),
  ).action(
    guarded(async (args) => {
      const [provider, password, opts, cmd] = args as [string, string, Record<string, unknown>, Command]
      const { driver, account, active, deps } = await requireActive(cmd, provider, opts)
      let via = 'panel'
      try {
        if (driver.setRootPassword === undefined)
          throw new CloudomateError('CLOUDOMATE_PANEL_FAILED', 'no panel', {})
        await driver.setRootPassword(
          { session: env.newSession(), network: deps.network, clock: env.clock, rng: env.rng, log: env.log },
          account,
          password,
        )
      } catch (err) {
        if (active.rootPassword === undefined) throw err
        via = 'ssh'
        await env.ssh.setRootPassword(
          { host: active.ip, username: 'root', password: active.rootPassword },
          password,
        )
      }
      if (account.purchaseId !== 'manual')
        await deps.accounts.save(withData(account, { rootPassword: password }))
      emit(io, json(cmd), { ok: true, via }, () => `Root password changed (${via})`)
    }),
  )

  accountOpts(vps.command('ssh <provider>').description('open an SSH session to the server'))
    .option('-p, --rootpw <password>', 'password to log in with (default: the stored root password)')
    .option('-u, --user <user>', 'user to log in as', 'root')
    .action(
      guarded(async (args) => {
        const [provider, opts, cmd] = args as [string, Record<string, unknown>, Command]
        const { active } = await requireActive(cmd, provider, opts)
        const password = typeof opts['rootpw'] === 'string' ? opts['rootpw'] : active.rootPassword
        if (password === undefined)
          throw new CloudomateError(
            'CLOUDOMATE_SETTINGS_INVALID',
            'no password known for this server; pass -p',
            {},
          )
        exit.code = await env.ssh.interactive({
          host: active.ip,
          username: String(opts['user'] ?? 'root'),
          password,
        })
      }),
    )
}
