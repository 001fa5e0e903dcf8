import type { Command } from 'commander'
import { createCryptoRng, createSystemClock, emit, type CliIo } from '@dolly/base'
import type * as SetupRun from './setup-run.ts'
import type { SetupDeps, SetupOptions, SetupResult } from './setup-run.ts'

export type { SetupDeps, SetupOptions, SetupResult }

const run = (): Promise<typeof SetupRun> => import('./setup-run.ts')

/**
 * First-boot initialisation (AGENT.md §3.1), idempotent: the identity (the child makes its own key
 * pair, §6), then either the parent's payload (config, genome, Q-table, wallet from the family key,
 * tree path, contacts) or a root agent's defaults, `agent.json` last as the commit point, then the
 * service. A second run changes nothing that exists. The work (setup-run.ts) loads on the first call.
 */
export async function runSetup(deps: SetupDeps, options: SetupOptions): Promise<SetupResult> {
  return (await run()).runSetup(deps, options)
}

/** Registers `plebnet setup [--testnet] [--exitnode] [--tree NAME] [--no-service]`. */
export function registerSetupCommands(program: Command, io: CliIo, overrides: Partial<SetupDeps> = {}): void {
  const deps: SetupDeps = {
    clock: overrides.clock ?? createSystemClock(),
    rng: overrides.rng ?? createCryptoRng(),
    env: overrides.env ?? process.env,
    installService:
      overrides.installService ??
      (async (plan) => (await import('../daemon/adapters/service.ts')).installService(plan)),
    ...(overrides.kdf === undefined ? {} : { kdf: overrides.kdf }),
  }
  program
    .command('setup')
    .description('first-boot initialisation: identity, hand-over from the parent (or a new root), service')
    .option('-t, --testnet', 'use the test network')
    .option('-e, --exitnode', 'run the runtime as an exit node')
    .option('--tree <name>', 'tree path of a root agent (default plebbot<random>)')
    .option('--no-service', 'do not install or start the daemon service')
    .option('--json', 'machine-readable output')
    .action(
      async (
        opts: { testnet?: boolean; exitnode?: boolean; tree?: string; service: boolean; json?: boolean },
        cmd: Command,
      ) => {
        const result = await runSetup(deps, {
          home: String(cmd.optsWithGlobals()['home']),
          testnet: opts.testnet === true,
          exitNode: opts.exitnode === true,
          ...(opts.tree === undefined ? {} : { tree: opts.tree }),
          service: opts.service,
        })
        emit(io, opts.json, result, () =>
          [
            `setup: ${result.origin === 'existing' ? 'already set up' : `set up as ${result.origin === 'payload' ? 'a child' : 'a root'}`} — tree ${result.tree}`,
            `identity: ${result.publicKey}`,
            `wallet: ${result.wallet}; service: ${result.service}`,
            'PlebNet is ready to roll!',
          ].join('\n'),
        )
      },
    )
}
