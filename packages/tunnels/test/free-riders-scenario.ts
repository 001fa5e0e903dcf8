import { createSeededRng } from '@dolly/base'
import { createTunnelNode, type TunnelNode } from '../src/node.ts'
import {
  createMemoryPayments,
  createTunnelPayments,
  type TunnelPayments,
  type TunnelPaymentsOptions,
} from '../src/payments.ts'
import { downloaderPays } from '../src/payout.ts'
import type { TunnelCircuit } from '../src/types.ts'
import { createHarness } from './harness.ts'

/**
 * Issue 16 item 5, the scenario shared by the slow test (`test/slow/free-riders.test.ts`, which
 * checks what a hop is owed and what free riders got) and the benchmark (`bench/tunnels/
 * free-riders.ts`, which compares honest users' wall-time throughput with and without free riders).
 * Users download through 3-hop circuits over the memory network; every hop charges hop by hop
 * (payments.ts). An honest user pays what it owes, a `never` user pays nothing, a `half` user pays
 * half.
 */
export const MiB = 1 << 20
/** The unpaid cap of every hop in the scenario. */
export const FREE_RIDER_CAP = 8n * BigInt(MiB)
/** Circuits each user builds, one after the other (a free rider rebuilds after each cut). */
export const FREE_RIDER_ROUNDS = 6
/** Bytes each user asks for per circuit. */
export const FREE_RIDER_PER_ROUND = 32 * MiB
export const HONEST_ONLY = ['honest', 'honest', 'honest', 'honest'] as const
/** Half the users ride free: the four honest ones of `HONEST_ONLY` plus two `never` and two `half`. */
export const WITH_FREE_RIDERS = [
  'honest',
  'never',
  'honest',
  'half',
  'honest',
  'never',
  'honest',
  'half',
] as const

export type UserKind = 'honest' | 'never' | 'half'

export interface FreeRiderRun {
  /** Bytes every user got back, by user name (`honest-0`, `never-1`, ...). */
  readonly bytesByUser: ReadonlyMap<string, number>
  readonly honestBytes: number
  readonly riderBytes: number
  /** Honest users' bytes over the wall time until the last honest user finished, MiB/s. */
  readonly honestMiBps: number
  /** Every hop's and user's payments engine, by peer id (relays r1..r4, exit x1). */
  readonly engines: ReadonlyMap<string, TunnelPayments>
}

/** Streams `total` bytes through the echo exit; resolves with the bytes that came back. */
async function download(circuit: TunnelCircuit, total: number): Promise<number> {
  let got = 0
  let sent = 0
  let ended = false
  const stream = await circuit.openStream('echo.test', 80, {
    onData: (d) => (got += d.length),
    onEnd: () => (ended = true),
    onDrain: () => pump(),
  })
  const chunk = Buffer.alloc(16 * 1024, 3)
  const pump = (): void => {
    while (sent < total && !ended) {
      sent += chunk.length
      if (!stream.write(chunk)) return
    }
  }
  pump()
  for (let i = 0; i < 20_000 && got < total && !ended && circuit.isOpen(); i++) {
    await new Promise((r) => setImmediate(r))
    pump()
  }
  return got
}

/** Runs one configuration: every user downloads its rounds concurrently with the others. */
export async function runFreeRiders(kinds: readonly UserKind[]): Promise<FreeRiderRun> {
  const h = createHarness(4)
  const money = createMemoryPayments()
  const relayIds = new Set(h.relays.map((r) => r.peerId))
  const base: TunnelPaymentsOptions = { unpaidCapBytes: FREE_RIDER_CAP, isRelay: (p) => relayIds.has(p) }
  const engines = new Map<string, TunnelPayments>()
  for (const node of [...h.relays, h.exit])
    engines.set(node.peerId, createTunnelPayments({ node, port: money.port(node.peerId) }, base))
  const directory = [...h.relays, h.exit].map((n) => n.descriptor())
  const users = kinds.map((kind, i): { name: string; kind: UserKind; node: TunnelNode } => {
    const name = `${kind}-${i}`
    const rng = createSeededRng(name)
    const node = createTunnelNode(
      { transport: h.net.transport(name), clock: h.clock, rng },
      { identitySecret: rng.bytes(32), directory: () => directory },
    )
    node.start()
    const price =
      kind === 'never'
        ? () => 0n
        : kind === 'half'
          ? (b: bigint, hops: number, rule: Parameters<typeof downloaderPays>[2]) =>
              downloaderPays(b, hops, rule) / 2n
          : undefined
    engines.set(
      name,
      createTunnelPayments({ node, port: money.port(name) }, price === undefined ? base : { ...base, price }),
    )
    return { name, kind, node }
  })
  const bytesByUser = new Map<string, number>(users.map((u) => [u.name, 0]))
  const honestCount = users.filter((u) => u.kind === 'honest').length
  let honestDone = 0
  const started = performance.now()
  let honestEnd = started
  try {
    await Promise.all(
      users.map(async (u) => {
        for (let round = 0; round < FREE_RIDER_ROUNDS; round++) {
          let circuit: TunnelCircuit
          try {
            circuit = await u.node.buildCircuit(3)
          } catch {
            continue // a free rider's circuit may be refused; it tries again next round
          }
          const got = await download(circuit, FREE_RIDER_PER_ROUND).catch(() => 0)
          bytesByUser.set(u.name, (bytesByUser.get(u.name) ?? 0) + got)
          circuit.close()
        }
        if (u.kind === 'honest' && ++honestDone === honestCount) honestEnd = performance.now()
      }),
    )
    for (const e of engines.values()) await e.flush()
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
  } finally {
    h.stop()
    for (const u of users) u.node.stop()
  }
  let honestBytes = 0
  let riderBytes = 0
  for (const u of users)
    if (u.kind === 'honest') honestBytes += bytesByUser.get(u.name) ?? 0
    else riderBytes += bytesByUser.get(u.name) ?? 0
  return {
    bytesByUser,
    honestBytes,
    riderBytes,
    honestMiBps: honestBytes / MiB / Math.max(1e-3, (honestEnd - started) / 1000),
    engines,
  }
}
