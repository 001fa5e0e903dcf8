import type { AbortOptions, Logger } from '@dolly/base'
import { ReplicationError } from './errors.ts'
import type { RemoteShell } from './ports.ts'
import { vpnUpScript, whoamiScript } from './vpn-scripts.ts'

/**
 * Brings up the child's WireGuard config (AGENT.md §9) and proves two things: a fresh SSH login
 * still works (the management path survived the tunnel), and, given a "what is my IP" URL, the
 * child's outbound address changed.
 *
 * @throws ReplicationError REPLICATION_VPN_FAILED
 */
export async function bringUpVpn(
  deps: { readonly shell: RemoteShell; readonly log: Logger; readonly reconnect: () => Promise<RemoteShell> },
  vpn: { readonly ip: string; readonly confName: string; readonly checkUrl?: string },
  abort: AbortOptions = {},
): Promise<{ before: string; after: string }> {
  const whoami = async (): Promise<string> => {
    if (vpn.checkUrl === undefined) return ''
    const result = await deps.shell.exec(whoamiScript(vpn.checkUrl), abort)
    return result.exitCode === 0 ? result.stdout.trim() : ''
  }
  const before = await whoami()
  const up = await deps.shell.exec(vpnUpScript(vpn.ip, vpn.confName), abort)
  if (up.exitCode !== 0) {
    throw new ReplicationError(
      'REPLICATION_VPN_FAILED',
      `bringing up ${vpn.confName} on ${vpn.ip} failed (exit ${up.exitCode}): ${up.stderr.trim().slice(-500)}`,
      { step: 'vpn', exitCode: up.exitCode },
    )
  }
  // The management path must survive the tunnel: a fresh login proves it, not the open session.
  const fresh = await deps.reconnect()
  fresh.close()
  const after = await whoami()
  if (vpn.checkUrl !== undefined && (after === '' || after === before)) {
    throw new ReplicationError(
      'REPLICATION_VPN_FAILED',
      `the VPN is up on ${vpn.ip} but ${vpn.checkUrl} sees ${after || 'nothing'} (before: ${before || 'nothing'}); the tunnel does not carry the traffic`,
      { step: 'vpn', before, after },
    )
  }
  deps.log.info('replication.vpn_up', { before, after })
  return { before, after }
}
