import { z } from 'zod'
import type { AgentNetwork } from './agent-network.ts'

/** File in the agent home where the running daemon publishes its network state for the CLI. */
export const NETWORK_SNAPSHOT_FILE = 'network.json'

const hex64 = z.string().regex(/^[0-9a-f]{64}$/)
const statusSchema = z.strictObject({
  treePath: z.string(),
  state: z.string(),
  host: z.string(),
  balanceSats: z.string(),
  contacts: z.number(),
})
const contactSchema = z.strictObject({
  id: hex64,
  addrs: z.array(z.string()),
  treePath: z.string(),
  updatedMs: z.number().int(),
  expiresMs: z.number().int(),
  inView: z.boolean(),
  status: statusSchema.optional(),
  qtableVersion: z.number().int().optional(),
})

/** The network state as the daemon writes it and `plebnet network` reads it; our own format, strict. */
export const NetworkSnapshotSchema = z.strictObject({
  format: z.literal('dolly-network'),
  version: z.literal(1),
  id: hex64,
  peerId: z.string().max(128),
  addrs: z.array(z.string()),
  treePath: z.string(),
  writtenAtMs: z.number().int().nonnegative(),
  view: z.array(hex64),
  contacts: z.array(contactSchema),
  stats: z.strictObject({
    bytesSent: z.number(),
    bytesReceived: z.number(),
    messagesSent: z.number(),
    shuffles: z.number(),
    exchanges: z.number(),
    failedRequests: z.number(),
    rejected: z.record(z.string(), z.number()),
  }),
})

/** A snapshot of a running agent's network. */
export type NetworkSnapshot = z.infer<typeof NetworkSnapshotSchema>

/** The snapshot of `network` now. */
export function snapshotOf(
  network: AgentNetwork,
  peerId: string,
  treePath: string,
  nowMs: number,
): NetworkSnapshot {
  const self = network.selfContact().value as { addrs?: unknown }
  const stats = network.stats()
  return {
    format: 'dolly-network',
    version: 1,
    id: network.id,
    peerId,
    addrs: Array.isArray(self.addrs) ? self.addrs.filter((a): a is string => typeof a === 'string') : [],
    treePath,
    writtenAtMs: nowMs,
    view: network.view().map((v) => v.id),
    contacts: network.contacts().map((c) => ({ ...c, addrs: [...c.addrs] })),
    stats: { ...stats, rejected: { ...stats.rejected } },
  }
}

/** Parses a snapshot read from disk; undefined when it is not one. */
export function parseNetworkSnapshot(input: unknown): NetworkSnapshot | undefined {
  const r = NetworkSnapshotSchema.safeParse(input)
  return r.success ? r.data : undefined
}

/** Renders the `plebnet network status` lines. */
export function renderNetworkStatus(s: NetworkSnapshot, nowMs: number): string {
  const rejected = Object.entries(s.stats.rejected)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ')
  return [
    `network of ${s.treePath}: id ${s.id}`,
    `peer id ${s.peerId}`,
    `listening on ${s.addrs.join(' ') || '(nothing)'}`,
    `contacts ${s.contacts.length}, view ${s.view.length}, snapshot ${Math.round((nowMs - s.writtenAtMs) / 1000)} s old`,
    `sent ${s.stats.bytesSent} B in ${s.stats.messagesSent} requests, received ${s.stats.bytesReceived} B; ${s.stats.shuffles} shuffles, ${s.stats.exchanges} exchanges, ${s.stats.failedRequests} failed`,
    `rejected: ${rejected || 'none'}`,
  ].join('\n')
}

/** Renders the `plebnet network peers` table. */
export function renderPeers(s: NetworkSnapshot): string {
  if (s.contacts.length === 0) return 'no contacts yet'
  return s.contacts
    .map(
      (c) =>
        `${c.id.slice(0, 16)}  ${c.treePath.padEnd(20)} ${c.inView ? 'view ' : '     '} ${c.qtableVersion === undefined ? '       ' : 'qtable '} ${c.addrs[0] ?? ''}`,
    )
    .join('\n')
}
