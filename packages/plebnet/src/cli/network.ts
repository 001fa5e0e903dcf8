import type { Command } from 'commander'
import { emit, type CliIo } from '@dolly/base'

/** The snapshot reader and renderers (and their schema, zod), loaded when a `network` command runs. */
async function snapshotModules() {
  const [component, snapshot] = await Promise.all([
    import('@dolly/overlay/adapters/snapshot-file'),
    import('@dolly/overlay/snapshot'),
  ])
  return { readNetworkSnapshot: component.readNetworkSnapshot, ...snapshot }
}

/** What `plebnet network` needs from outside. */
export interface NetworkCliDeps {
  /** Current time, ms, for the age of the snapshot. */
  readonly nowMs: () => number
}

/**
 * Registers `plebnet network status|peers [--json]`: both read `network.json`, which the running
 * daemon rewrites every few seconds, so the CLI never opens a second libp2p node with the same key.
 */
export function registerNetworkCommands(
  program: Command,
  io: CliIo,
  overrides: Partial<NetworkCliDeps> = {},
): void {
  const nowMs = overrides.nowMs ?? (() => Date.now())
  const network = program.command('network').description("the agents' overlay: this agent's view of it")
  network
    .command('status')
    .description('peer id, listen addresses, contact and traffic counters of the running daemon')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { readNetworkSnapshot, renderNetworkStatus } = await snapshotModules()
      const snapshot = await readNetworkSnapshot(String(cmd.optsWithGlobals()['home']))
      const { contacts: _contacts, ...status } = snapshot
      emit(io, opts.json, { ...status, contacts: snapshot.contacts.length }, () =>
        renderNetworkStatus(snapshot, nowMs()),
      )
    })
  network
    .command('peers')
    .description('every agent this one knows: id, tree path, in view, has a Q-table, address')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { readNetworkSnapshot, renderPeers } = await snapshotModules()
      const snapshot = await readNetworkSnapshot(String(cmd.optsWithGlobals()['home']))
      emit(io, opts.json, snapshot.contacts, () => renderPeers(snapshot))
    })
}
