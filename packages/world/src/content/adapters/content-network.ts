import { rm, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeFileAtomic, type Logger } from '@dolly/base'
import { HOST_PATH } from '../../hosts/constants.ts'
import { runChecked, runCommand } from '../../hosts/adapters/run.ts'
import { deleteBridge, killHostProcesses, netnsExists } from '../../hosts/adapters/teardown.ts'
import { WorldError } from '../../errors.ts'
import { CONTENT_FILES, type ContentFile } from '../files.ts'
import { CONTENT_ECHO_PORT, CONTENT_HTTP_PORT, planContentNetwork, type ContentNetworkPlan } from '../plan.ts'
import { startReadyProcess } from './ready-process.ts'

/** Options of {@link startContentNetwork}. */
export interface ContentNetworkOptions {
  /** The world network's index (`10.77.<index>.0/24`); the content network takes `10.79.<index>.0/24`. */
  readonly index: number
  /** The world directory: the content network's record (for crash cleanup) is kept there. */
  readonly stateDir: string
  readonly log: Logger
}

/** A running content network. */
export interface ContentNetwork extends ContentNetworkPlan {
  /** The file server's base URL, e.g. `http://10.79.3.1:80/`. */
  readonly httpUrl: string
  /** `ip:port` of the UDP echo service. */
  readonly udpEcho: string
  readonly files: readonly ContentFile[]
  /** Stops the server, removes its namespace, link and the bridge; idempotent. */
  stop(): Promise<void>
}

/** How long the content server process may take to listen (ms); it starts in well under a second. */
const CONTENT_START_TIMEOUT_MS = 20_000

const RECORD_FILE = 'content-network.json'
const CONTENT_MAIN = fileURLToPath(new URL('./content-main.ts', import.meta.url))

/** Removes everything of the content network `plan` names; idempotent, works after a crash at any point. */
async function teardownContent(plan: ContentNetworkPlan): Promise<void> {
  await killHostProcesses(plan.netns)
  if ((await runCommand(['ip', 'link', 'show', plan.vethServer])).exitCode === 0)
    await runChecked(['ip', 'link', 'delete', plan.vethServer])
  if (await netnsExists(plan.netns)) await runChecked(['ip', 'netns', 'delete', plan.netns])
  await deleteBridge(plan.bridge)
}

/**
 * After a crash: removes the content network a record under `stateDir` names (its server, namespace,
 * link and bridge) and the record. Safe when there is none.
 */
export async function cleanupContentLeftovers(stateDir: string): Promise<void> {
  const path = join(resolve(stateDir), RECORD_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  const index = (JSON.parse(text) as { index?: unknown }).index
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 1 || index > 254)
    throw new WorldError('WORLD_STATE_MALFORMED', `${path} names no content network index`, { file: path })
  await teardownContent(planContentNetwork(index))
  await rm(path, { force: true })
}

/**
 * Starts the world's content network: the bridge `dollycbr<i>` (no address on the machine, so the
 * machine neither reaches nor routes to it), the content server's namespace `dollyc<i>` at
 * `10.79.<i>.1` with the HTTP file server on port 80 and the UDP echo on port 7. Hosts join it
 * through the provisioner's `contentBridge`.
 */
export async function startContentNetwork(options: ContentNetworkOptions): Promise<ContentNetwork> {
  const plan = planContentNetwork(options.index)
  const log = options.log.child({ component: 'content' })
  const recordPath = join(resolve(options.stateDir), RECORD_FILE)
  // Intent first, so a crash half-way still leaves a trace to clean.
  await writeFileAtomic(
    recordPath,
    `${JSON.stringify({ kind: 'content-network', version: 1, index: plan.index })}\n`,
    {
      mode: 0o600,
    },
  )
  const undo = async (): Promise<void> => {
    await teardownContent(plan)
    await rm(recordPath, { force: true })
  }
  try {
    await runChecked(['ip', 'link', 'add', plan.bridge, 'type', 'bridge'])
    await runChecked(['ip', 'link', 'set', plan.bridge, 'up'])
    await runChecked(['ip', 'netns', 'add', plan.netns])
    await runChecked([
      'ip',
      'link',
      'add',
      plan.vethServer,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      plan.netns,
    ])
    await runChecked(['ip', 'link', 'set', plan.vethServer, 'master', plan.bridge, 'up'])
    await runChecked(['ip', '-n', plan.netns, 'link', 'set', 'lo', 'up'])
    await runChecked([
      'ip',
      '-n',
      plan.netns,
      'addr',
      'add',
      `${plan.serverIp}/${plan.prefixLength}`,
      'dev',
      'eth0',
    ])
    await runChecked(['ip', '-n', plan.netns, 'link', 'set', 'eth0', 'up'])
    await startReadyProcess({
      argv: [
        'nsenter',
        `--net=/run/netns/${plan.netns}`,
        '--',
        process.execPath,
        CONTENT_MAIN,
        plan.serverIp,
        String(CONTENT_HTTP_PORT),
        String(CONTENT_ECHO_PORT),
      ],
      env: { PATH: HOST_PATH, HOME: '/root', LANG: 'C.UTF-8' },
      readyFrom: (line) => {
        try {
          const msg = JSON.parse(line) as { event?: unknown }
          return msg.event === 'ready' ? true : undefined
        } catch {
          return undefined
        }
      },
      timeoutMs: CONTENT_START_TIMEOUT_MS,
      errorCode: 'WORLD_CONTENT_START',
      what: 'content server',
    })
  } catch (err) {
    await undo().catch((undoErr: unknown) => log.error('content.rollback_failed', { error: undoErr }))
    throw err
  }
  const httpUrl = `http://${plan.serverIp}:${CONTENT_HTTP_PORT}/`
  log.info('content.up', { bridge: plan.bridge, subnetCidr: plan.subnetCidr, httpUrl })
  let stopping: Promise<void> | undefined
  return {
    ...plan,
    httpUrl,
    udpEcho: `${plan.serverIp}:${CONTENT_ECHO_PORT}`,
    files: CONTENT_FILES,
    stop: () => (stopping ??= undo().then(() => log.info('content.stopped', { bridge: plan.bridge }))),
  }
}
