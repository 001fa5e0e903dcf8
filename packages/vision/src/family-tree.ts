import { parentOf } from './general.ts'
import type { NodeRecord } from './store.ts'
import { formatStamp } from './time-format.ts'

/** A node of `/network` (§12), with the colour and state the page draws. */
export interface NetworkNode {
  readonly id: string
  readonly label: string
  readonly group: string
  readonly color: string
  readonly nick: string | null
  readonly dead: boolean
}

/** An edge of `/network`: parent tree path → child tree path. */
export interface NetworkEdge {
  readonly from: string
  readonly to: string
}

/** The `/network` body. */
export interface Network {
  readonly nodes: readonly NetworkNode[]
  readonly edges: readonly NetworkEdge[]
}

/** The `/node/<key>/info` body (§12). */
export interface NodeInfo {
  readonly id: string
  readonly children: number
  readonly nick: string | null
  readonly dead: boolean
  readonly host: string | null
  readonly exitnode: boolean | null
  readonly vpn: boolean | null
}

/** Group colours of §12; other hosts get a hash-derived colour. */
export const GROUP_COLOURS: Readonly<Record<string, string>> = Object.freeze({
  dead: '#9e9e9e',
  linevast: '#2e7d32',
  blueangelhost: '#1565c0',
  twosync: '#7b1fa2',
  proxhost: '#ef6c00',
  undergroundprivate: '#f9a825',
  unknown: '#795548',
})

/** The colour of a group: §12's table, else an HSL hue from an FNV-1a hash of the name. */
export function colourOf(group: string): string {
  const fixed = GROUP_COLOURS[group]
  if (fixed !== undefined) return fixed
  let h = 0x811c9dc5
  for (let i = 0; i < group.length; i++) {
    h ^= group.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return `hsl(${h % 360}, 65%, 45%)`
}

/** Whether a node is dead at `nowMs`: it said goodbye, or no `general` came for `deadAfterMs`. */
export function isDead(n: NodeRecord, nowMs: number, deadAfterMs: number): boolean {
  return n.goodbyeMs !== null || nowMs - n.lastSeenMs > deadAfterMs
}

/** Group of a node (§12): `dead`, else the lower-cased host, else `unknown`. */
export function groupOf(n: NodeRecord | undefined, nowMs: number, deadAfterMs: number): string {
  if (n === undefined) return 'unknown'
  if (isDead(n, nowMs, deadAfterMs)) return 'dead'
  const host = n.host.trim().toLowerCase()
  return host === '' ? 'unknown' : host
}

/** Every tree path of `records` with the missing ancestors added, sorted (parents first). */
function allPaths(records: readonly NodeRecord[]): string[] {
  const paths = new Set<string>()
  for (const r of records)
    for (let p: string | undefined = r.tree; p !== undefined && !paths.has(p); p = parentOf(p)) paths.add(p)
  return [...paths].sort((a, b) => a.split('.').length - b.split('.').length || (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * The family tree of §12's fix: one node per tree path (the nick from its latest `general`), every
 * missing ancestor created with group `unknown`, and one edge from `parent(path)` (the path minus its
 * last segment) to each path that has one.
 */
export function buildNetwork(records: readonly NodeRecord[], nowMs: number, deadAfterMs: number): Network {
  const byTree = new Map(records.map((r) => [r.tree, r]))
  const nodes: NetworkNode[] = []
  const edges: NetworkEdge[] = []
  for (const id of allPaths(records)) {
    const r = byTree.get(id)
    const group = groupOf(r, nowMs, deadAfterMs)
    const nick = r?.nick ?? null
    nodes.push({
      id,
      label: `${nick ?? '?'} (${group})`,
      group,
      color: colourOf(group),
      nick,
      dead: r !== undefined && isDead(r, nowMs, deadAfterMs),
    })
    const parent = parentOf(id)
    if (parent !== undefined) edges.push({ from: parent, to: id })
  }
  return { nodes, edges }
}

/** The tree path `key` names: itself if it is a known path, else the path whose latest nick is `key`. */
export function resolveKey(records: readonly NodeRecord[], key: string): NodeRecord | undefined {
  const byTree = records.find((r) => r.tree === key)
  if (byTree !== undefined) return byTree
  let best: NodeRecord | undefined
  for (const r of records)
    if (r.nick === key && (best === undefined || r.lastSeenMs > best.lastSeenMs)) best = r
  return best
}

/** The `/node/<key>/info` body for a tree path, or undefined when the path is not in the tree at all. */
export function nodeInfo(
  records: readonly NodeRecord[],
  tree: string,
  nowMs: number,
  deadAfterMs: number,
): NodeInfo | undefined {
  const paths = allPaths(records)
  if (!paths.includes(tree)) return undefined
  const r = records.find((x) => x.tree === tree)
  return {
    id: tree,
    children: paths.filter((p) => parentOf(p) === tree).length,
    nick: r?.nick ?? null,
    dead: r !== undefined && isDead(r, nowMs, deadAfterMs),
    host: r?.host ?? null,
    exitnode: r?.exitnode ?? null,
    vpn: r?.vpn ?? null,
  }
}

/** `/shownodes`: the tree as indented text, one node a line. */
export function showNodes(records: readonly NodeRecord[], nowMs: number, deadAfterMs: number): string {
  const { nodes, edges } = buildNetwork(records, nowMs, deadAfterMs)
  const byTree = new Map(records.map((r) => [r.tree, r]))
  const lines = nodes.map((n) => {
    const depth = n.id.split('.').length - 1
    const r = byTree.get(n.id)
    const seen = r === undefined ? 'never seen' : `last seen ${formatStamp(r.lastSeenMs)}`
    const children = edges.filter((e) => e.from === n.id).length
    return `${'  '.repeat(depth)}${n.id} ${n.nick ?? '?'} group=${n.group} children=${children} ${seen}`
  })
  return `${nodes.length} nodes, ${edges.length} edges\n${lines.join('\n')}\n`
}
