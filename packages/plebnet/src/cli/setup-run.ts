import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic, type Clock, type Rng } from '@dolly/base'
import {
  createKeystore,
  importChildKey,
  resolvePassphrase,
  writeKeystoreFile,
  type ScryptParams,
} from '@dolly/wallet'
import type { installService, ServiceKind } from '../daemon/adapters/service.ts'
import { bytesToHex, loadOrCreateIdentity } from '@dolly/base'
import { createRootGenome, serializeGenome, serializeQTable } from '@dolly/learning'
import type { AgentRecord } from '../daemon/agent-record.ts'
import {
  CONFIG_FILE,
  GENOME_FILE,
  QTABLE_FILE,
  WALLET_FILE,
  readAgentRecord,
  readJsonFile,
  writeAgentRecord,
} from '../daemon/adapters/agent-home.ts'
import { agentVersion } from '../daemon/adapters/version.ts'
import { INSTALL_ROOT, LAUNCHER_PATH, PAYLOAD_DIR } from '../replication/constants.ts'
import { PAYLOAD_FILE, parseChildPayload } from '../replication/payload.ts'

/** What `plebnet setup` needs from outside; tests inject a seeded Rng and a fast KDF. */
export interface SetupDeps {
  readonly clock: Clock
  readonly rng: Rng
  readonly env: Readonly<Record<string, string | undefined>>
  readonly kdf?: ScryptParams
  /** Installs and starts the service; tests pass a recorder. */
  readonly installService: typeof installService
}

/** Options of one setup run. */
export interface SetupOptions {
  readonly home: string
  readonly testnet: boolean
  readonly exitNode: boolean
  /** Tree path of a root agent (default `plebbot<1000..10000>`, AGENT.md §3.1 step 2). */
  readonly tree?: string
  readonly service: boolean
}

/** What setup did. */
export interface SetupResult {
  readonly home: string
  readonly tree: string
  readonly publicKey: string
  /** `payload`: a child that consumed its parent's hand-over; `root`: a new family; `existing`: already set up. */
  readonly origin: 'payload' | 'root' | 'existing'
  readonly wallet: 'created' | 'existing' | 'none'
  readonly service: ServiceKind | 'skipped'
}

/** The work of `plebnet setup`; cli/setup.ts registers the command and loads this module when it runs. */

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/**
 * First-boot initialisation (AGENT.md §3.1), idempotent: the identity (the child makes its own key
 * pair, §6), then either the parent's payload (config, genome, Q-table, wallet from the family key,
 * tree path, contacts) or a root agent's defaults, `agent.json` last as the commit point, then the
 * service. A second run changes nothing that exists.
 */
export async function runSetup(deps: SetupDeps, options: SetupOptions): Promise<SetupResult> {
  const { home } = options
  const identity = await loadOrCreateIdentity(home, deps.rng)
  const publicKey = bytesToHex(identity.publicKey)
  let record = await readAgentRecord(home)
  let origin: SetupResult['origin'] = 'existing'
  let wallet: SetupResult['wallet'] = (await exists(join(home, WALLET_FILE))) ? 'existing' : 'none'
  const payloadPath = join(home, PAYLOAD_DIR, PAYLOAD_FILE)
  if (record === undefined) {
    const rawPayload = await readJsonFile(payloadPath)
    if (rawPayload !== undefined) {
      const payload = parseChildPayload(rawPayload)
      if (!(await exists(join(home, CONFIG_FILE))))
        await writeFileAtomic(join(home, CONFIG_FILE), payload.config, { mode: 0o600, dirMode: 0o700 })
      await writeFileAtomic(
        join(home, GENOME_FILE),
        `${JSON.stringify(serializeGenome(payload.genome), null, 2)}\n`,
        { mode: 0o600, dirMode: 0o700 },
      )
      if (payload.qtable !== null)
        await writeFileAtomic(
          join(home, QTABLE_FILE),
          `${JSON.stringify(serializeQTable(payload.qtable))}\n`,
          { mode: 0o600, dirMode: 0o700 },
        )
      if (payload.walletKey !== null && wallet === 'none') {
        const { material } = importChildKey(payload.walletKey)
        const passphrase = await resolvePassphrase({ env: deps.env, configPath: join(home, CONFIG_FILE) })
        const { document } = await createKeystore(
          { rng: deps.rng, clock: deps.clock },
          {
            network: material.network,
            passphrase,
            rootXprv: material.rootXprv,
            tree: material.tree,
            ...(deps.kdf === undefined ? {} : { kdf: deps.kdf }),
          },
        )
        await writeKeystoreFile(join(home, WALLET_FILE), document)
        wallet = 'created'
      }
      record = {
        format: 'dolly-agent',
        version: 1,
        tree: payload.tree,
        parent: payload.parent,
        contacts: [...payload.contacts],
        childIndex: 0,
        testnet: payload.testnet || options.testnet,
        exitNode: payload.exitNode || options.exitNode,
        createdAtMs: deps.clock.nowMs(),
        ...(payload.parentAddress === null ? {} : { parentAddress: payload.parentAddress }),
        ...(payload.leaseEndS === null ? {} : { leaseEndMs: payload.leaseEndS * 1000 }),
        ...(payload.state === null ? {} : { selfState: payload.state }),
        ...(payload.purchase === null ? {} : { selfPriceSats: payload.purchase.priceSats }),
      }
      origin = 'payload'
    } else {
      if (!(await exists(join(home, GENOME_FILE)))) {
        const genome = createRootGenome({
          providers: [],
          version: agentVersion(),
          exitNode: options.exitNode,
        })
        await writeFileAtomic(
          join(home, GENOME_FILE),
          `${JSON.stringify(serializeGenome(genome), null, 2)}\n`,
          { mode: 0o600, dirMode: 0o700 },
        )
      }
      record = {
        format: 'dolly-agent',
        version: 1,
        tree: options.tree ?? `plebbot${1000 + deps.rng.int(9001)}`,
        parent: null,
        contacts: [],
        childIndex: 0,
        testnet: options.testnet,
        exitNode: options.exitNode,
        createdAtMs: deps.clock.nowMs(),
      } satisfies AgentRecord
      origin = 'root'
    }
    await writeAgentRecord(home, record)
  }
  // The payload held the wallet key in clear; once agent.json is committed it is no longer needed.
  await rm(payloadPath, { force: true })
  let service: SetupResult['service'] = 'skipped'
  if (options.service) {
    const launcher = (await exists(LAUNCHER_PATH))
      ? [LAUNCHER_PATH]
      : [process.execPath, ...process.argv.slice(1, 2)]
    const result = await deps.installService({
      command: launcher,
      home,
      logPath: join(deps.env['HOME'] ?? '/root', 'plebnet.log'),
      watchdogPath: `${INSTALL_ROOT}/watchdog.sh`,
      lockPath: `${INSTALL_ROOT}/watchdog.lock`,
    })
    service = result.kind
  }
  return { home, tree: record.tree, publicKey, origin, wallet, service }
}
