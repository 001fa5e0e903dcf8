import { errorCode, type Logger } from '@dolly/base'
import { deriveAccount, deriveAddress, deriveChildRoot, validateAddress } from '@dolly/wallet'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import { heirSources, pickHeir, type Heir, type HeirSources } from '../../lifecycle/heir.ts'
import type { LifecycleState } from '../../lifecycle/state.ts'
import type { AgentOptions, AgentPorts } from '../ports.ts'

/** The child's first receive address, derived by the parent from the family key tree (no message needed). */
export function childAddress(ports: Pick<AgentPorts, 'walletRoot' | 'network'>, childIndex: number): string {
  const account = deriveAccount(deriveChildRoot(ports.walletRoot, childIndex), ports.network)
  return deriveAddress(account, ports.network, 0, 0).address
}

/** Heir sources with addresses checked against this agent's network (an unusable one is logged when `log` is given). */
export function sourcesOf(
  ports: Pick<AgentPorts, 'network'>,
  options: Pick<AgentOptions, 'btcGlobal'>,
  state: LifecycleState,
  record: AgentRecord,
  log?: Logger,
): HeirSources {
  return heirSources(state, record, options.btcGlobal, (address, what) => {
    try {
      validateAddress(address, ports.network)
      return true
    } catch (err) {
      log?.warn('tick.heir_address_invalid', { what, code: errorCode(err) ?? 'error' })
      return false
    }
  })
}

/** The heir (see {@link pickHeir}): every child is probed at once, so dead ones cost one timeout, then the parent. */
export async function findHeir(
  ports: Pick<AgentPorts, 'walletRoot' | 'network' | 'probe' | 'log'>,
  options: Pick<AgentOptions, 'btcGlobal'>,
  state: LifecycleState,
  record: AgentRecord,
): Promise<Heir | undefined> {
  const { children, parent, btcGlobal } = sourcesOf(ports, options, state, record, ports.log)
  const candidates = await Promise.all(
    children.map(async (c) => ({
      tree: c.childTree,
      address: childAddress(ports, c.childIndex),
      alive: await ports.probe(c.ip, c.childTree),
    })),
  )
  const parentCandidate =
    parent === undefined
      ? undefined
      : {
          tree: parent.tree,
          address: parent.address,
          alive: await ports.probe(parent.host, parent.tree, parent.statusPort),
        }
  return pickHeir(candidates, parentCandidate, btcGlobal)
}
