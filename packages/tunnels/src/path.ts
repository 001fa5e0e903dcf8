import type { Rng } from '@dolly/base'
import { MAX_HOPS } from './constants.ts'
import { TunnelError } from './errors.ts'
import type { HopDescriptor } from './ports.ts'

/**
 * Picks the hops of a new circuit: an exit last, relays before it, all distinct and none of them us
 * (Tribler picks the same way: random among candidates with the wanted role). Uniform choice with the
 * Rng, so a seeded run picks the same path. Throws TUNNEL_NO_PATH when the directory is too small.
 */
export function selectPath(
  directory: readonly HopDescriptor[],
  hops: number,
  selfPeerId: string,
  rng: Rng,
): readonly HopDescriptor[] {
  if (!Number.isInteger(hops) || hops < 1 || hops > MAX_HOPS) {
    throw new TunnelError('TUNNEL_NO_PATH', `a circuit has 1..${MAX_HOPS} hops, asked for ${hops}`, { hops })
  }
  const pick = <T>(from: readonly T[]): T | undefined =>
    from.length === 0 ? undefined : from[rng.int(from.length)]
  const others = directory.filter((h) => h.peerId !== selfPeerId)
  const exit = pick(others.filter((h) => h.exit))
  if (exit === undefined)
    throw new TunnelError('TUNNEL_NO_PATH', 'no exit is known; wait for the overlay to find one', { hops })
  const path: HopDescriptor[] = []
  const used = new Set([exit.peerId])
  for (let i = 0; i < hops - 1; i++) {
    const relay = pick(others.filter((h) => h.relay && !used.has(h.peerId)))
    if (relay === undefined) {
      throw new TunnelError('TUNNEL_NO_PATH', `only ${i} relays known besides the exit, need ${hops - 1}`, {
        hops,
      })
    }
    used.add(relay.peerId)
    path.push(relay)
  }
  path.push(exit)
  return path
}
