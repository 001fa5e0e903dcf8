import { describe, expect, it } from 'vitest'
import { buildNetwork, colourOf, GROUP_COLOURS, nodeInfo, resolveKey, showNodes } from './family-tree.ts'
import type { NodeRecord } from './store.ts'

const NOW = 1_800_000_000_000
const DEAD_AFTER = 1_800_000

function rec(tree: string, over: Partial<NodeRecord> = {}): NodeRecord {
  return {
    tree,
    nick: `bot${tree.replace(/\./g, '')}`,
    host: 'linevast',
    option: 'Basic',
    vpn: false,
    exitnode: false,
    firstSeenMs: NOW - 60_000,
    lastSeenMs: NOW - 1000,
    goodbyeMs: null,
    ...over,
  }
}

describe('family tree (AGENT.md §12 fix)', () => {
  it('golden: trees P, P.0, P.0.1, P.1 give exactly the edges P→P.0, P.0→P.0.1, P→P.1', () => {
    const net = buildNetwork([rec('P'), rec('P.0'), rec('P.0.1'), rec('P.1')], NOW, DEAD_AFTER)
    expect(net.edges).toHaveLength(3)
    expect([...net.edges].sort((a, b) => (a.to < b.to ? -1 : 1))).toEqual([
      { from: 'P', to: 'P.0' },
      { from: 'P.0', to: 'P.0.1' },
      { from: 'P', to: 'P.1' },
    ])
    expect(net.nodes.map((n) => n.id)).toEqual(['P', 'P.0', 'P.1', 'P.0.1'])
  })

  it('gives the same edges whatever order the replies came in', () => {
    const net = buildNetwork([rec('P.1'), rec('P.0.1'), rec('P'), rec('P.0')], NOW, DEAD_AFTER)
    expect(net.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(['P.0>P.0.1', 'P>P.0', 'P>P.1'])
  })

  it('creates missing ancestors with group unknown', () => {
    const net = buildNetwork([rec('P.2.0.1')], NOW, DEAD_AFTER)
    expect(net.nodes.map((n) => [n.id, n.group, n.nick])).toEqual([
      ['P', 'unknown', null],
      ['P.2', 'unknown', null],
      ['P.2.0', 'unknown', null],
      ['P.2.0.1', 'linevast', 'botP201'],
    ])
    expect(net.edges).toEqual([
      { from: 'P', to: 'P.2' },
      { from: 'P.2', to: 'P.2.0' },
      { from: 'P.2.0', to: 'P.2.0.1' },
    ])
    expect(net.nodes[0]?.label).toBe('? (unknown)')
    expect(net.nodes[0]?.color).toBe(GROUP_COLOURS['unknown'])
  })

  it('keeps separate roots apart', () => {
    const net = buildNetwork([rec('A.0'), rec('B')], NOW, DEAD_AFTER)
    expect(net.edges).toEqual([{ from: 'A', to: 'A.0' }])
    expect(net.nodes.map((n) => n.id).sort()).toEqual(['A', 'A.0', 'B'])
  })

  it('marks dead after dead_after of silence, or at once after a goodbye; groups per §12', () => {
    const net = buildNetwork(
      [
        rec('P', { lastSeenMs: NOW - DEAD_AFTER - 1 }),
        rec('P.0', { lastSeenMs: NOW - DEAD_AFTER }),
        rec('P.1', { goodbyeMs: NOW - 5 }),
        rec('P.2', { host: 'BlueAngelHost' }),
        rec('P.3', { host: '' }),
        rec('P.4', { host: 'NewShop' }),
      ],
      NOW,
      DEAD_AFTER,
    )
    const byId = new Map(net.nodes.map((n) => [n.id, n]))
    expect(byId.get('P')).toMatchObject({ group: 'dead', dead: true, color: '#9e9e9e', label: 'botP (dead)' })
    expect(byId.get('P.0')).toMatchObject({
      group: 'linevast',
      dead: false,
      color: GROUP_COLOURS['linevast'],
    })
    expect(byId.get('P.1')).toMatchObject({ group: 'dead', dead: true })
    expect(byId.get('P.2')).toMatchObject({ group: 'blueangelhost', color: GROUP_COLOURS['blueangelhost'] })
    expect(byId.get('P.3')).toMatchObject({ group: 'unknown' })
    expect(byId.get('P.4')).toMatchObject({ group: 'newshop', color: colourOf('newshop') })
  })

  it('colours other hosts by a stable hash', () => {
    expect(colourOf('newshop')).toBe(colourOf('newshop'))
    expect(colourOf('newshop')).toMatch(/^hsl\(\d+, 65%, 45%\)$/)
    expect(colourOf('newshop')).not.toBe(colourOf('othershop'))
    expect(colourOf('twosync')).toBe('#7b1fa2')
    expect(colourOf('proxhost')).toBe('#ef6c00')
    expect(colourOf('undergroundprivate')).toBe('#f9a825')
  })

  it('answers info with the count of direct children, and for created ancestors', () => {
    const records = [rec('P', { vpn: true, exitnode: true }), rec('P.0'), rec('P.0.1'), rec('P.1')]
    expect(nodeInfo(records, 'P', NOW, DEAD_AFTER)).toEqual({
      id: 'P',
      children: 2,
      nick: 'botP',
      dead: false,
      host: 'linevast',
      exitnode: true,
      vpn: true,
    })
    expect(nodeInfo([rec('Q.0')], 'Q', NOW, DEAD_AFTER)).toEqual({
      id: 'Q',
      children: 1,
      nick: null,
      dead: false,
      host: null,
      exitnode: null,
      vpn: null,
    })
    expect(nodeInfo(records, 'P.9', NOW, DEAD_AFTER)).toBeUndefined()
  })

  it('resolves a key as a tree path first, else as the nick last seen', () => {
    const records = [
      rec('P', { nick: 'x' }),
      rec('P.0', { nick: 'y', lastSeenMs: NOW - 100_000 }),
      rec('P.1', { nick: 'y' }),
    ]
    expect(resolveKey(records, 'P.0')?.tree).toBe('P.0')
    expect(resolveKey(records, 'y')?.tree).toBe('P.1')
    expect(resolveKey(records, 'nobody')).toBeUndefined()
  })

  it('dumps the tree as indented text', () => {
    const text = showNodes([rec('P'), rec('P.0')], NOW, DEAD_AFTER)
    expect(text.split('\n')[0]).toBe('2 nodes, 1 edges')
    expect(text).toContain('\n  P.0 botP0 group=linevast children=0 last seen ')
  })
})
