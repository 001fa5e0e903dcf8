import { networkInterfaces } from 'node:os'

/** Interfaces that are tunnels, whose address is not the host's public one. */
const TUNNEL_IFACE_RE = /^(wg|tun|tap)|_wg$/

/** The first non-internal IPv4 address of this machine outside VPN tunnels (the host's address), else 127.0.0.1. */
export function hostAddress(): string {
  for (const [name, list] of Object.entries(networkInterfaces())) {
    if (TUNNEL_IFACE_RE.test(name)) continue
    for (const info of list ?? []) if (info.family === 'IPv4' && !info.internal) return info.address
  }
  return '127.0.0.1'
}
