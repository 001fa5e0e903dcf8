/** What the genesis tests share: a world at the demo's pace, agents' status, the operator's wallet. */
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createMemoryLogger, type MemoryLogger } from '@dolly/base'
import { parseStatus, type AgentStatus } from '@dolly/plebnet'
import {
  keystoreAccount,
  readKeystoreFile,
  unlockKeystore,
  type HdNode,
  type NetworkParams,
} from '@dolly/wallet'
import { hostTokenReader, startWorld, type WorldHandle } from '@dolly/world'

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..', '..')
/** One real second is one world hour: a block every 10 world minutes, a tick floor of 1 s. */
export const TIME_SCALE = 3600

/**
 * A world with 3 shops at {@link TIME_SCALE} in `dir` (`leaseDays`: the shops' billing month); `log`
 * collects what the world's components log (the shops' `shop.host_active` carries each lease end).
 */
export function startGenesisWorld(
  dir: string,
  leaseDays?: number,
  log: MemoryLogger = createMemoryLogger(),
): Promise<WorldHandle> {
  return startWorld(
    { log, realNowMs: () => Date.now(), pid: process.pid },
    {
      dir,
      timeScale: TIME_SCALE,
      blockIntervalMin: 10,
      providers: 3,
      repoDir: REPO_ROOT,
      ...(leaseDays === undefined ? {} : { leaseDays }),
    },
  )
}

/**
 * An agent's full `GET /status`, or undefined when it does not answer. Peers get only the public
 * part, so this presents the agent's status token, read from its host as the world does.
 */
export async function statusOf(world: WorldHandle | undefined, ip: string): Promise<AgentStatus | undefined> {
  try {
    const token = await hostTokenReader(() => world?.provisioner?.list() ?? [])(ip)
    const res = await fetch(`http://${ip}:8480/status`, {
      signal: AbortSignal.timeout(3_000),
      ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
    })
    return parseStatus(await res.json())
  } catch {
    return undefined
  }
}

/** The operator's family root (genesis is its child), unlocked with the passphrase of its config. */
export async function operatorWallet(operatorHome: string): Promise<{ root: HdNode; params: NetworkParams }> {
  const config = await readFile(join(operatorHome, 'plebnet_setup.cfg'), 'utf8')
  const document = await readKeystoreFile(join(operatorHome, 'wallet.json'))
  const { params } = keystoreAccount(document)
  const { root } = await unlockKeystore(document, /password = (\S+)/.exec(config)?.[1] ?? '')
  return { root, params }
}
