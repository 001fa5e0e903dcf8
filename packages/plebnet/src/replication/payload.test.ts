import { createSeededRng, errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { createRootGenome, createQTable } from '@dolly/learning'
import type { Contact } from '../daemon/agent-record.ts'
import { buildChildPayload, parseChildPayload, serializeChildPayload, type PayloadInput } from './payload.ts'

const parent: Contact = {
  publicKey: 'a'.repeat(64),
  tree: 'plebbot2930',
  host: '10.77.1.2',
  statusPort: 8480,
}
const friend: Contact = { publicKey: 'b'.repeat(64), tree: 'plebbot11', host: '10.77.1.3', statusPort: 8480 }

const input: PayloadInput = {
  index: 3,
  parentTree: 'plebbot2930',
  parentContact: parent,
  parentContacts: [friend, parent],
  parentGenome: createRootGenome({ providers: ['linevast', 'proxhost'], version: '0.1.0', exitNode: false }),
  parentQTable: createQTable(['linevast/basic', 'proxhost/vps-1']),
  parentConfig: '[github]\ntoken = secret\n',
  runningVersion: '0.1.0',
  state: { provider: 'linevast', option: 'basic' },
  purchase: null,
  walletKey: null,
  testnet: true,
}

describe('child payload', () => {
  it('gives the child its tree path, the parent plus its contacts, and a config without secrets', () => {
    const payload = buildChildPayload(input, createSeededRng(1))
    expect(payload.tree).toBe('plebbot2930.3')
    expect(payload.contacts).toEqual([friend, parent])
    expect(payload.config).not.toContain('secret')
    expect(payload.config).toMatch(/^\[wallets\]\npassword = [A-Za-z0-9_-]{32}\n$/)
    expect(payload.testnet).toBe(true)
  })

  it('mutates the genome with the seeded Rng (same seed, same child) and honours -e', () => {
    const a = buildChildPayload({ ...input, geneFlipP: 0.5 }, createSeededRng('s'))
    const b = buildChildPayload({ ...input, geneFlipP: 0.5 }, createSeededRng('s'))
    expect(a.genome).toEqual(b.genome)
    expect(buildChildPayload({ ...input, exitNode: true }, createSeededRng(2)).exitNode).toBe(true)
  })

  it('--strategy pins the sell strategy that inheritance would flip, and keeps the other genes', () => {
    // geneFlipP 0.5: over 40 seeds the strategy flips in some children, never in a pinned one.
    const flipped = Array.from({ length: 40 }, (_, i) =>
      buildChildPayload({ ...input, geneFlipP: 0.5 }, createSeededRng(i)),
    ).filter((p) => p.genome.strategy.name !== 'constant_sell')
    expect(flipped.length).toBeGreaterThan(0)
    for (let i = 0; i < 40; i++) {
      const free = buildChildPayload({ ...input, geneFlipP: 0.5 }, createSeededRng(i))
      const pinned = buildChildPayload(
        { ...input, geneFlipP: 0.5, strategy: 'constant_sell' },
        createSeededRng(i),
      )
      expect(pinned.genome).toEqual({
        ...free.genome,
        strategy: { ...free.genome.strategy, name: 'constant_sell' },
      })
    }
  })

  it("hands the child its parent's table merged with the family's gossiped tables (F = 1), strangers left out", () => {
    const offers = ['linevast/basic', 'proxhost/vps-1']
    const remote = (senderId: string, v: number, standing: 'family' | 'stranger') => ({
      senderId: senderId.repeat(64),
      receivedMs: 1,
      standing,
      knownSinceMs: 0,
      table: { offers, q: offers.map(() => offers.map(() => v)) },
    })
    expect(buildChildPayload(input, createSeededRng(5)).qtable).toEqual(input.parentQTable)
    const family = [remote('c', 0.4, 'family'), remote('d', 0.5, 'family'), remote('e', 0.6, 'family')]
    const merged = buildChildPayload(
      { ...input, gossiped: [...family, remote('f', 1e6, 'stranger')] },
      createSeededRng(5),
    ).qtable
    // Trimmed to the middle value 0.5; a column never updated has β = 0.2: 0 + 0.2·0.5.
    for (const row of merged?.q ?? [[NaN]]) for (const v of row) expect(v).toBeCloseTo(0.1, 12)
    expect(merged?.counters).toEqual([0, 0])
  })

  it('round-trips through JSON', () => {
    const payload = buildChildPayload(input, createSeededRng(3))
    const parsed = parseChildPayload(JSON.parse(JSON.stringify(serializeChildPayload(payload))))
    expect(serializeChildPayload(parsed)).toEqual(serializeChildPayload(payload))
  })

  it('refuses a malformed payload by code', () => {
    const wire = serializeChildPayload(buildChildPayload(input, createSeededRng(4)))
    const bad = (value: unknown): string | undefined => {
      try {
        parseChildPayload(value)
        return undefined
      } catch (err) {
        return errorCode(err)
      }
    }
    expect(bad({ ...wire, extra: 1 })).toBe('REPLICATION_PAYLOAD_MALFORMED')
    expect(bad({ ...wire, index: -1 })).toBe('REPLICATION_PAYLOAD_MALFORMED')
    expect(bad({ ...wire, genome: { version: 1 } })).toBe('PLEBNET_GENOME_MALFORMED')
    expect(bad({ ...wire, qtable: { version: 9 } })).toBe('PLEBNET_QTABLE_VERSION_UNKNOWN')
  })

  it("refuses a tree path outside the family-tree grammar, or not the parent's path plus the index", () => {
    const wire = serializeChildPayload(buildChildPayload(input, createSeededRng(5)))
    const codeOf = (tree: unknown): string | undefined => {
      try {
        parseChildPayload({ ...wire, tree })
        return undefined
      } catch (err) {
        return errorCode(err)
      }
    }
    expect(codeOf('plebbot2930.3')).toBeUndefined()
    for (const tree of [
      '../../etc/passwd',
      'plebbot2930.3; rm -rf ~',
      'plebbot2930.3\n[wallets]',
      'plebbot2930.x',
      'plebbot2930..3',
      '.3',
      'plebbot2930.3.',
      `plebbot2930${'.1'.repeat(201)}`,
      `${'p'.repeat(65)}.3`,
      'plebbot2930.4',
      'other.3',
    ])
      expect(codeOf(tree), tree).toBe('REPLICATION_PAYLOAD_MALFORMED')
  })
})
