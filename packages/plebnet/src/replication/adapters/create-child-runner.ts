import { createReadStream } from 'node:fs'
import { mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { errorCode, writeFileAtomic, type AbortOptions, type Clock, type Logger, type Rng } from '@dolly/base'
import {
  deriveAccount,
  deriveAddress,
  exportChildKey,
  keystoreAccount,
  readKeystoreFile,
  resolvePassphrase,
  unlockKeystore,
} from '@dolly/wallet'
import { bytesToHex, loadOrCreateIdentity } from '@dolly/base'
import { createRootGenome, type Genome, parseGenome, parseQTable } from '@dolly/learning'
import { childTreePath } from '../../daemon/agent-record.ts'
import type { AnyStatus } from '../../daemon/status.ts'
import { fetchStatus } from '../../daemon/adapters/status-client.ts'
import {
  CONFIG_FILE,
  GENOME_FILE,
  QTABLE_FILE,
  WALLET_FILE,
  readAgentRecord,
  readJsonFile,
  writeAgentRecord,
} from '../../daemon/adapters/agent-home.ts'
import { hostAddress } from '../../daemon/adapters/host-address.ts'
import { agentVersion } from '../../daemon/adapters/version.ts'
import { BUNDLE_CACHE_DIR, PARENT_SSH_KEY_FILE, PAYLOAD_DIR, STATUS_PORT } from '../constants.ts'
import type { CreateChildArgs } from '../create-child-args.ts'
import { createChild, type CreateChildReport } from '../create-child.ts'
import { ReplicationError } from '../errors.ts'
import { PAYLOAD_FILE, buildChildPayload, parseChildPayload, serializeChildPayload } from '../payload.ts'
import type { BundleSource, ChildFile, ChildHandover, ShellConnector } from '../ports.ts'
import { generateSshKey, type SshKeyPair } from '../ssh-key.ts'
import { buildBundle, runningAppRoot } from './bundle.ts'
import { createChildRecordFiles } from './child-record-files.ts'
import { readRemoteEntries } from '@dolly/overlay'
import { resolveRelease } from './release-channel.ts'
import { createSshConnector } from './ssh-connector.ts'

export type { ChildHandover } from '../ports.ts'

/**
 * `create-child` over the agent's home (AGENT.md §6): the parent's side of installing a child on a
 * server, as a function of its ports. `plebnet create-child` parses the flags and prints; the check
 * tick calls it with what it knows of the server it bought.
 */

/** What creating a child needs from outside; tests inject a seeded Rng, a memory connector or a probe. */
export interface CreateChildRunDeps {
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  readonly env: Readonly<Record<string, string | undefined>>
  /** Sets the agent in the home up when it has no `agent.json` yet (`plebnet setup`); absent: refused. */
  readonly setUp?: (testnet: boolean) => Promise<void>
  /** Opens SSH sessions (default: ssh2). */
  readonly connector?: ShellConnector
  /** Reads an agent's status API (default: HTTP `fetchStatus`). */
  readonly probeStatus?: (url: string, options: AbortOptions) => Promise<AnyStatus | undefined>
  /** This host's address, which the child calls its parent's (default: the first public IPv4). */
  readonly hostAddress?: () => string
}

async function loadParentKey(home: string, rng: Rng, comment: string): Promise<SshKeyPair> {
  const path = join(home, PARENT_SSH_KEY_FILE)
  try {
    const privateKey = await readFile(path, 'utf8')
    const publicKey = (await readFile(`${path}.pub`, 'utf8')).trim()
    return { privateKey, publicKey }
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err
  }
  const pair = generateSshKey(rng, comment)
  await writeFileAtomic(`${path}.pub`, `${pair.publicKey}\n`, { mode: 0o644, dirMode: 0o700 })
  await writeFileAtomic(path, pair.privateKey, { mode: 0o600, dirMode: 0o700 })
  return pair
}

function bundleSource(bundle: { id: string; sha256: string; sizeBytes: number; path: string }): BundleSource {
  return {
    id: bundle.id,
    sha256: bundle.sha256,
    sizeBytes: bundle.sizeBytes,
    read: (offset) => createReadStream(bundle.path, { start: offset, highWaterMark: 1 << 20 }),
  }
}

/**
 * Which code the child gets (AGENT.md §7 `softwareRef`): `--self` copies the running agent;
 * `--release V` or `-b latest|vX.Y.Z` installs that release; without a flag a `latest` genome takes
 * the channel's latest release when a channel is configured, and a `pinned` genome (the parent's
 * running version) copies the parent. Returns undefined for copy-self.
 */
async function chooseRelease(
  args: CreateChildArgs,
  env: Readonly<Record<string, string | undefined>>,
  genome: Genome,
): Promise<{ name: string; url: string; sha256: string } | undefined> {
  const channel = args.releaseUrl ?? env['PLEBNET_RELEASE_URL']
  let version: string | undefined
  switch (args.source.kind) {
    case 'self':
      return undefined
    case 'release':
      version = args.source.version
      break
    case 'branch':
      if (args.source.ref !== 'latest' && !/^v?\d+\.\d+\.\d+/.test(args.source.ref)) {
        throw new ReplicationError(
          'REPLICATION_USAGE',
          `-b ${args.source.ref}: git branches are not installable (no git server is trusted); use --self, -b latest or -b vX.Y.Z`,
          {},
        )
      }
      version = args.source.ref
      break
    case 'genome':
      if (genome.softwareRef.channel === 'pinned' || channel === undefined) return undefined
      version = 'latest'
      break
    default: {
      const never: never = args.source
      return never
    }
  }
  if (channel === undefined) {
    throw new ReplicationError(
      'REPLICATION_USAGE',
      `installing release ${version} needs --release-url or PLEBNET_RELEASE_URL`,
      {},
    )
  }
  return resolveRelease(channel, version)
}

/**
 * Runs create-child for parsed arguments with the agent in `home` as the parent; `signal` stops it
 * between steps (a rerun resumes).
 */
export async function runCreateChild(
  deps: CreateChildRunDeps,
  home: string,
  args: CreateChildArgs,
  extra: { readonly handover?: ChildHandover; readonly signal?: AbortSignal } = {},
): Promise<CreateChildReport & { bundleBuilt: boolean; bundleBytes: number }> {
  let parent = await readAgentRecord(home)
  if (parent === undefined) {
    if (deps.setUp === undefined)
      throw new ReplicationError('REPLICATION_SETUP_FAILED', `no agent in ${home}; run plebnet setup first`, {
        home,
      })
    await deps.setUp(args.testnet)
    parent = await readAgentRecord(home)
    if (parent === undefined)
      throw new ReplicationError('REPLICATION_STATE_MALFORMED', `setup left no agent.json in ${home}`, {})
  }
  const identity = await loadOrCreateIdentity(home, deps.rng)
  const publicKey = bytesToHex(identity.publicKey)
  const parentKey = await loadParentKey(home, deps.rng, `plebnet-${parent.tree}`)
  const records = createChildRecordFiles(home)
  const existing = await records.load(args.ip)
  let index = existing?.index
  if (index === undefined) {
    index = parent.childIndex
    // Taken before anything is installed, so an index is never given to two servers.
    parent = { ...parent, childIndex: index + 1 }
    await writeAgentRecord(home, parent)
  }
  const tree = existing?.tree ?? childTreePath(parent.tree, index)
  const payloadPath = join(home, PAYLOAD_DIR, String(index), PAYLOAD_FILE)
  let payloadJson: string
  try {
    payloadJson = await readFile(payloadPath, 'utf8')
  } catch {
    const genomeJson = await readJsonFile(join(home, GENOME_FILE))
    const qtableJson = await readJsonFile(join(home, QTABLE_FILE))
    const cfg = await readFile(join(home, CONFIG_FILE), 'utf8').catch(() => '')
    let walletKey: unknown = null
    let parentAddress =
      extra.handover?.parentAddress === undefined ? null : await extra.handover.parentAddress()
    if (
      await stat(join(home, WALLET_FILE)).then(
        () => true,
        () => false,
      )
    ) {
      const document = await readKeystoreFile(join(home, WALLET_FILE))
      const { params } = keystoreAccount(document)
      const unlocked = await unlockKeystore(
        document,
        await resolvePassphrase({ env: deps.env, configPath: join(home, CONFIG_FILE) }),
      )
      walletKey = exportChildKey(unlocked.root, params, parent.tree, index)
      // By hand there is no wallet store to hand out a fresh address: the first receive address.
      parentAddress ??= deriveAddress(deriveAccount(unlocked.root, params), params, 0, 0).address
    }
    const payload = buildChildPayload(
      {
        index,
        parentTree: parent.tree,
        parentContact: {
          publicKey,
          tree: parent.tree,
          host: (deps.hostAddress ?? hostAddress)(),
          statusPort: STATUS_PORT,
        },
        parentContacts: parent.contacts,
        parentGenome:
          genomeJson === undefined
            ? createRootGenome({ providers: [], version: agentVersion(), exitNode: parent.exitNode })
            : parseGenome(genomeJson),
        parentQTable: qtableJson === undefined ? null : parseQTable(qtableJson),
        // The child inherits what the family gossiped too; an unreadable file never stops a paid install.
        gossiped: await readRemoteEntries(home).catch((err: unknown) => {
          deps.log.warn('create_child.remote_qtables_unreadable', { code: errorCode(err) ?? 'error' })
          return []
        }),
        parentConfig: cfg,
        runningVersion: agentVersion(),
        state: extra.handover?.state ?? null,
        purchase: extra.handover?.purchase ?? null,
        parentAddress,
        leaseEndS: args.leaseEndS ?? extra.handover?.leaseEndS ?? null,
        walletKey,
        testnet: args.testnet || parent.testnet,
        ...(args.exitNode ? { exitNode: true } : {}),
        ...(args.strategy === undefined ? {} : { strategy: args.strategy }),
      },
      deps.rng,
    )
    payloadJson = `${JSON.stringify(serializeChildPayload(payload), null, 2)}\n`
    await writeFileAtomic(payloadPath, payloadJson, { mode: 0o600, dirMode: 0o700 })
  }
  const payloadFlags = JSON.parse(payloadJson) as { testnet?: unknown; exitNode?: unknown }
  const files: ChildFile[] = []
  for (const pair of [args.config, args.credentials]) {
    if (pair !== undefined) files.push({ dest: pair.dest, content: await readFile(pair.src, 'utf8') })
  }
  // A WireGuard config among the files is this child's VPN (AGENT.md §9: `own_wg.conf`).
  const wgConf = files.map((f) => f.dest).find((dest) => dest.endsWith('_wg.conf'))
  const vpnCheckUrl = args.vpnCheckUrl ?? deps.env['PLEBNET_VPN_CHECK_URL']
  const release = await chooseRelease(args, deps.env, parseChildPayload(JSON.parse(payloadJson)).genome)
  await mkdir(join(home, BUNDLE_CACHE_DIR), { recursive: true, mode: 0o700 })
  const bundle = await buildBundle({
    appRoot: runningAppRoot(),
    runtimePath: process.execPath,
    cacheDir: join(home, BUNDLE_CACHE_DIR),
    kind: release === undefined ? 'self' : 'runtime',
  })
  const report = await createChild(
    {
      connector: deps.connector ?? createSshConnector(),
      records,
      clock: deps.clock,
      rng: deps.rng,
      log: deps.log,
      probeStatus: deps.probeStatus ?? ((url, options) => fetchStatus(url, { ...options, timeoutMs: 2_000 })),
    },
    {
      ip: args.ip,
      password: args.password,
      parentKey,
      parentPublicKey: publicKey,
      index,
      tree,
      payloadJson,
      bundle: bundleSource(bundle),
      ...(release === undefined ? {} : { release }),
      ...(wgConf === undefined
        ? {}
        : {
            vpn: {
              confName: wgConf,
              ...(vpnCheckUrl === undefined ? {} : { checkUrl: vpnCheckUrl }),
            },
          }),
      setupFlags: [
        ...(payloadFlags.testnet === true ? ['--testnet'] : []),
        ...(payloadFlags.exitNode === true ? ['--exitnode'] : []),
      ],
      files,
      statusPort: args.statusPort ?? STATUS_PORT,
      ...(args.heartbeatTimeoutS === undefined ? {} : { heartbeatTimeoutMs: args.heartbeatTimeoutS * 1000 }),
    },
    extra.signal === undefined ? {} : { signal: extra.signal },
  )
  // The parent knows its child now (AGENT.md §6: the original never added its children).
  const latest = (await readAgentRecord(home)) ?? parent
  const childContact = {
    publicKey: report.status.publicKey,
    tree: report.tree,
    host: args.ip,
    statusPort: args.statusPort ?? STATUS_PORT,
  }
  if (!latest.contacts.some((c) => c.publicKey === childContact.publicKey)) {
    await writeAgentRecord(home, { ...latest, contacts: [...latest.contacts, childContact] })
  }
  return { ...report, bundleBuilt: bundle.built, bundleBytes: bundle.sizeBytes }
}
