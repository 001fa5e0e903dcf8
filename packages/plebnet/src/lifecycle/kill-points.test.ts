import { describe, expect, it } from 'vitest'
import { createKillCheckpoint } from './adapters/kill-checkpoint.ts'
import { KILL_POINTS, parseKillAt, TRADE_KILL_POINTS } from './kill-points.ts'

describe('parseKillAt', () => {
  it.each([
    ['paying', { step: 'paying', nth: 1 }],
    ['wallet-insert:2', { step: 'wallet-insert', nth: 2 }],
    [' sweep:1 ', { step: 'sweep', nth: 1 }],
    ['trade-pay-done:3', { step: 'trade-pay-done', nth: 3 }],
    ['transfer-countersigned', { step: 'transfer-countersigned', nth: 1 }],
  ])('reads %j', (text, expected) => {
    expect(parseKillAt(text)).toEqual(expected)
  })

  it.each([
    '',
    'pay',
    'trade-paid',
    'index-closed',
    'paying:0',
    'paying:-1',
    'paying:x',
    'PAYING',
    'paying:1:2',
  ])('rejects %j with LIFECYCLE_CONFIG_INVALID', (text) => {
    expect(() => parseKillAt(text)).toThrow(expect.objectContaining({ code: 'LIFECYCLE_CONFIG_INVALID' }))
  })

  it('names the issue’s ten steps, each once', () => {
    expect(KILL_POINTS).toHaveLength(10)
    expect(new Set(KILL_POINTS).size).toBe(KILL_POINTS.length)
  })

  it('names every trade step once, apart from the lifecycle steps', () => {
    expect(new Set(TRADE_KILL_POINTS).size).toBe(TRADE_KILL_POINTS.length)
    for (const p of TRADE_KILL_POINTS) expect(KILL_POINTS as readonly string[]).not.toContain(p)
  })
})

describe('createKillCheckpoint', () => {
  it('acts the n-th time its step is reached, and only then', () => {
    const done: string[] = []
    const checkpoint = createKillCheckpoint(
      { step: 'broadcast', nth: 2 },
      { mark: (line) => done.push(`mark ${line}`), kill: () => done.push('kill') },
    )
    checkpoint('wallet-insert')
    checkpoint('broadcast')
    expect(done).toEqual([])
    checkpoint('wallet-insert')
    checkpoint('broadcast')
    expect(done).toEqual(['mark broadcast:2', 'kill'])
    checkpoint('broadcast')
    expect(done).toEqual(['mark broadcast:2', 'kill'])
  })
})
