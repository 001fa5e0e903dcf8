import { shellQuote as q } from './shell-quote.ts'
import { script } from './remote-scripts.ts'

/**
 * The child's VPN (AGENT.md §9): the scripts that bring up a WireGuard config with policy routing,
 * and ask a "what is my IP" service where the server's traffic leaves from.
 */

/** Exit code of the VPN script: the config file is missing (AGENT.md §9 "No VPN configurations found!"). */
export const EXIT_NO_VPN_CONFIG = 67
/** Routing table that keeps the public address's replies off the tunnel. */
const PUBLIC_TABLE = 7100

/**
 * Brings up the WireGuard config `~/<confName>` with wg-quick (which falls back to wireguard-go
 * where the kernel has no WireGuard), after adding source-based policy routing: traffic from the
 * server's public address (SSH, the status API, gossip) keeps leaving through the public gateway,
 * whatever the tunnel's AllowedIPs say (AGENT.md §9: the original cut its own SSH access here).
 * Idempotent: an existing rule or interface is left alone.
 */
export function vpnUpScript(publicIp: string, confName: string): string {
  const iface = confName.replace(/\.conf$/, '')
  return script('vpn', [
    `conf=${q(`/root/${confName}`)}`,
    `if [ ! -f "$conf" ]; then echo 'No VPN configurations found!' >&2; exit ${EXIT_NO_VPN_CONFIG}; fi`,
    'if [ ! -e /dev/net/tun ]; then echo "no /dev/net/tun: the server does not support TUN/TAP" >&2; exit 1; fi',
    `ip=${q(publicIp)}`,
    'read -r gw dev < <(ip -4 route show default table main | awk \'{for(i=1;i<NF;i++){if($i=="via")g=$(i+1);if($i=="dev")d=$(i+1)}; print g, d; exit}\')',
    `ip -4 route replace default via "$gw" dev "$dev" table ${PUBLIC_TABLE}`,
    // The public subnet's own routes too: the tunnel's UDP packets leave from the public address, and
    // an endpoint on the same LAN must be reached directly, not through the gateway.
    `ip -4 route show table main dev "$dev" scope link | while read -r net _; do ip -4 route replace "$net" dev "$dev" scope link table ${PUBLIC_TABLE}; done`,
    `if ! wg show ${q(iface)} >/dev/null 2>&1; then`,
    '  chmod 600 "$conf"',
    '  wg-quick up "$conf" >&2',
    'fi',
    `for i in $(seq 150); do ip link show ${q(iface)} >/dev/null 2>&1 && break; sleep 0.2; done`,
    `ip link show ${q(iface)} >/dev/null`,
    // wg-quick numbers its rules just below the first existing one, so ours goes in after it, below
    // every other rule; a rerun leaves a rule that is already first alone.
    `mine=$(ip -4 rule show | awk -v ip="$ip" '$0 ~ ("from " ip " lookup ${PUBLIC_TABLE}") {sub(":", "", $1); print $1; exit}')`,
    `first=$(ip -4 rule show | awk '$0 !~ "lookup ${PUBLIC_TABLE}" {sub(":", "", $1); if ($1 > 0) print $1}' | sort -n | head -n 1)`,
    'if [ -z "$mine" ] || [ "$mine" -ge "$first" ]; then',
    `  if [ -n "$mine" ]; then ip -4 rule del from "$ip" table ${PUBLIC_TABLE}; fi`,
    `  ip -4 rule add from "$ip" table ${PUBLIC_TABLE} priority $((first - 1))`,
    'fi',
  ])
}

/** Prints the address a "what is my IP" service sees for this server (empty when unreachable). */
export function whoamiScript(url: string): string {
  return script('whoami', [
    `if command -v curl >/dev/null; then curl -fsS --max-time 10 ${q(url)} || true`,
    `else wget -q -T 10 -O - ${q(url)} || true; fi`,
  ])
}
