import type { AbortOptions, Clock, Logger, Rng } from '@dolly/base'
import type { AnyStatus } from '../daemon/status.ts'
import { newChildRecord, type ChildRecord, type ChildRecordStore } from './child-record.ts'
import { isValidIp } from './ip.ts'
import { CHILD_HOME, HEARTBEAT_TIMEOUT_MS, PAYLOAD_DIR, ROOT_PASSWORD_BYTES, SSH_PORT } from './constants.ts'
import { ReplicationError } from './errors.ts'
import { waitForHeartbeat } from './heartbeat.ts'
import { installCode } from './install-step.ts'
import { PAYLOAD_FILE } from './payload.ts'
import type { BundleSource, ChildFile, RemoteShell, ShellConnector, SshAuth } from './ports.ts'

export type { BundleSource, ChildFile } from './ports.ts'
import {
  activateScript,
  agentTreeScript,
  authorizeKeyScript,
  claimScript,
  hardenScript,
  passwordLoginScript,
  setupScript,
  writeFileScript,
  type ReleaseFetch,
} from './remote-scripts.ts'
import { createStepRunner, remoteFailed } from './remote-step.ts'
import type { SshKeyPair } from './ssh-key.ts'
import { bringUpVpn } from './vpn-step.ts'

/** Ports of {@link createChild}. */
export interface CreateChildDeps {
  readonly connector: ShellConnector
  readonly records: ChildRecordStore
  readonly clock: Clock
  /** Draws the child's new root password: a CSPRNG outside tests. */
  readonly rng: Rng
  readonly log: Logger
  /** Reads a status API (`GET <url>/status`); undefined when it does not answer (yet). */
  readonly probeStatus: (url: string, options: AbortOptions) => Promise<AnyStatus | undefined>
}

/** Options of {@link createChild}. */
export interface CreateChildOptions {
  readonly ip: string
  /** The root password the provider set. */
  readonly password: string
  readonly sshPort?: number
  /** The parent's SSH key, installed on the child for every later login. */
  readonly parentKey: SshKeyPair
  readonly parentPublicKey: string
  /** Index and tree path of the child; a server that has a record keeps the ones it got first. */
  readonly index: number
  readonly tree: string
  /** The payload JSON text (a secret: holds the child's wallet key). */
  readonly payloadJson: string
  /** Copy-self: the whole agent. Release: the runtime and dependencies, with `release` giving the sources. */
  readonly bundle: BundleSource
  /** A release the child downloads itself and verifies (`name` is the tarball's file name). */
  readonly release?: ReleaseFetch & { readonly name: string }
  readonly setupFlags: readonly string[]
  /**
   * The child's VPN (AGENT.md §9): `confName` is a WireGuard file among `files`; `checkUrl` a "what is
   * my IP" service through which the outbound address must change once the tunnel is up.
   */
  readonly vpn?: { readonly confName: string; readonly checkUrl?: string }
  readonly files?: readonly ChildFile[]
  readonly statusPort: number
  readonly heartbeatTimeoutMs?: number
}

/** How an install went, step by step. */
export interface CreateChildReport {
  readonly ip: string
  readonly tree: string
  readonly index: number
  readonly bundleId: string
  /** Bytes of the bundle sent in this run (0 when the version was already there). */
  readonly bytesPushed: number
  /** Bytes of the bundle already on the server when this run started (a resumed upload). */
  readonly resumedFromBytes: number
  readonly steps: readonly { step: string; ms: number; skipped: boolean }[]
  readonly totalMs: number
  readonly status: AnyStatus
}

/**
 * Installs a child on a bought server (AGENT.md §8; DESIGN.md §4): log in with the provider's
 * password, pin the host key, install the parent's key and switch to it, set a new random root
 * password and turn password login off, push the code (resuming a partial upload), verify it, hand
 * over the payload, run `plebnet setup` and wait for the child's first heartbeat. Every step checks
 * the server before it acts, so a rerun resumes where a failure stopped and changes nothing on an
 * installed child.
 *
 * @throws ReplicationError REPLICATION_IP_INVALID, REPLICATION_SSH_UNREACHABLE, REPLICATION_SSH_AUTH_FAILED,
 *   REPLICATION_HOST_KEY_CHANGED, REPLICATION_SERVER_OCCUPIED, REPLICATION_REMOTE_FAILED,
 *   REPLICATION_CHECKSUM_MISMATCH, REPLICATION_SETUP_FAILED, REPLICATION_HEARTBEAT_TIMEOUT
 */
export async function createChild(
  deps: CreateChildDeps,
  options: CreateChildOptions,
  abort: AbortOptions = {},
): Promise<CreateChildReport> {
  if (!isValidIp(options.ip)) {
    throw new ReplicationError(
      'REPLICATION_IP_INVALID',
      `${JSON.stringify(options.ip)} is not an IPv4 or IPv6 address`,
      {
        ip: options.ip,
      },
    )
  }
  const log = deps.log.child({ component: 'replication', ip: options.ip })
  const startMs = deps.clock.nowMs()
  const steps: { step: string; ms: number; skipped: boolean }[] = []
  const port = options.sshPort ?? SSH_PORT
  let record: ChildRecord =
    (await deps.records.load(options.ip)) ?? newChildRecord(options.ip, options.index, options.tree)
  const save = async (patch: Partial<ChildRecord>): Promise<void> => {
    record = { ...record, ...patch }
    await deps.records.save(record)
  }
  const timed = async <T>(step: string, run: () => Promise<{ value: T; skipped: boolean }>): Promise<T> => {
    const t0 = deps.clock.nowMs()
    const { value, skipped } = await run()
    const ms = deps.clock.nowMs() - t0
    steps.push({ step, ms, skipped })
    log.info('replication.step', { step, ms, skipped })
    return value
  }
  const connect = async (auth: SshAuth): Promise<RemoteShell> => {
    const { shell, fingerprint } = await deps.connector.connect(
      {
        host: options.ip,
        port,
        auth,
        ...(record.fingerprint === null ? {} : { pinnedFingerprint: record.fingerprint }),
      },
      abort,
    )
    if (record.fingerprint === null) {
      await save({ fingerprint })
      log.info('replication.host_key_pinned', { fingerprint })
    }
    return shell
  }
  const keyAuth: SshAuth = { kind: 'key', privateKey: options.parentKey.privateKey }
  const { run, check } = createStepRunner(options.ip, abort)

  const release = options.release
  // A release install is the runtime bundle plus the release's sources: its version names both.
  const versionId =
    release === undefined ? options.bundle.id : `${options.bundle.id}-${release.sha256.slice(0, 12)}`
  let pushed = { bytes: 0, resumedFrom: 0 }
  let shell = await timed('login', async () => ({
    value: await connect(record.keyInstalled ? keyAuth : { kind: 'password', password: options.password }),
    skipped: false,
  }))
  try {
    await timed('claim', async () => {
      const claim = JSON.stringify({ tree: record.tree, parentPublicKey: options.parentPublicKey })
      const inForce = (await check(shell, 'claim', claimScript(), `${claim}\n`)).trim()
      let tree: unknown
      try {
        tree = (JSON.parse(inForce) as { tree?: unknown }).tree
      } catch {
        tree = undefined
      }
      if (tree !== record.tree) {
        throw new ReplicationError(
          'REPLICATION_SERVER_OCCUPIED',
          `${options.ip} already belongs to child ${String(tree)}; never two children on one server`,
          { step: 'claim', ip: options.ip, claimedBy: String(tree) },
        )
      }
      return { value: undefined, skipped: false }
    })

    shell = await timed('access', async () => {
      let skipped = true
      if (!record.keyInstalled) {
        await check(shell, 'access', authorizeKeyScript(), `${options.parentKey.publicKey}\n`)
        const keyed = await connect(keyAuth)
        shell.close()
        shell = keyed
        await save({ keyInstalled: true })
        skipped = false
      }
      if (!record.passwordLoginDisabled) {
        if (record.rootPassword === null)
          await save({ rootPassword: Buffer.from(deps.rng.bytes(ROOT_PASSWORD_BYTES)).toString('base64url') })
        await check(shell, 'access', hardenScript(), `${record.rootPassword ?? ''}\n`)
        const mode = (await check(shell, 'access', passwordLoginScript())).trim()
        if (mode !== 'no') {
          throw new ReplicationError(
            'REPLICATION_REMOTE_FAILED',
            `sshd on ${options.ip} still allows password login after hardening (passwordauthentication ${mode || '?'})`,
            { step: 'access' },
          )
        }
        await save({ passwordLoginDisabled: true })
        skipped = false
      }
      return { value: shell, skipped }
    })

    pushed = await timed('install', async () => {
      const done = await installCode(
        { run, check },
        shell,
        { ip: options.ip, versionId, bundle: options.bundle, ...(release === undefined ? {} : { release }) },
        abort,
      )
      return { value: done, skipped: done.skipped }
    })
    await timed('activate', async () => {
      await check(shell, 'activate', activateScript(versionId))
      await save({ bundleId: versionId })
      return { value: undefined, skipped: false }
    })

    await timed('handover', async () => {
      const tree = (await check(shell, 'handover', agentTreeScript())).trim()
      let skipped = true
      if (tree === '') {
        await check(
          shell,
          'handover',
          writeFileScript(`${CHILD_HOME}/${PAYLOAD_DIR}/${PAYLOAD_FILE}`, '600'),
          options.payloadJson,
        )
        skipped = false
      } else if (tree !== record.tree) {
        throw new ReplicationError(
          'REPLICATION_SERVER_OCCUPIED',
          `${options.ip} already runs agent ${tree}, not ${record.tree}; never two children on one server`,
          { step: 'handover', runningTree: tree },
        )
      }
      for (const file of options.files ?? []) {
        await check(shell, 'handover', writeFileScript(`/root/${file.dest}`, '600'), file.content)
        skipped = false
      }
      return { value: undefined, skipped }
    })

    if (options.vpn !== undefined) {
      const vpn = options.vpn
      await timed('vpn', async () => {
        await bringUpVpn(
          { shell, log, reconnect: () => connect(keyAuth) },
          {
            ip: options.ip,
            confName: vpn.confName,
            ...(vpn.checkUrl === undefined ? {} : { checkUrl: vpn.checkUrl }),
          },
          abort,
        )
        return { value: undefined, skipped: false }
      })
    }

    await timed('setup', async () => {
      const result = await run(shell, 'setup', setupScript(options.setupFlags))
      if (result.exitCode !== 0) throw remoteFailed('setup', result, 'see /root/plebnet.log on the child')
      return { value: undefined, skipped: false }
    })
  } finally {
    shell.close()
  }

  const status = await timed('heartbeat', async () => ({
    value: await waitForHeartbeat(
      deps,
      {
        ip: options.ip,
        port: options.statusPort,
        tree: record.tree,
        timeoutMs: options.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS,
      },
      abort,
    ),
    skipped: false,
  }))
  if (record.installedAtMs === null) await save({ installedAtMs: deps.clock.nowMs() })
  const totalMs = deps.clock.nowMs() - startMs
  log.info('replication.child_alive', { tree: record.tree, totalMs, bytesPushed: pushed.bytes })
  return {
    ip: options.ip,
    tree: record.tree,
    index: record.index,
    bundleId: versionId,
    bytesPushed: pushed.bytes,
    resumedFromBytes: pushed.resumedFrom,
    steps,
    totalMs,
    status,
  }
}
