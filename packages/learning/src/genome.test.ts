import fc from 'fast-check'
import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import {
  createRootGenome,
  evolveGenome,
  negativeEvolve,
  positiveEvolve,
  rouletteProvider,
  withProviders,
  type Genome,
} from './genome.ts'
import { checkGeneFlipP, inheritGenome } from './inheritance.ts'

const start = { a: 0.5, b: 0.5, c: 0.5 }
const TOL = 7

describe('provider weights golden (ALGORITHMS.md §6)', () => {
  it('positiveEvolve(a) gives a = 0.5049751, b = c = 0.4975124', () => {
    const w = positiveEvolve(start, 'a')
    expect(w['a']).toBeCloseTo(0.5049751, TOL)
    expect(w['b']).toBeCloseTo(0.4975124, TOL)
    expect(w['c']).toBeCloseTo(0.4975124, TOL)
  })

  it('negativeEvolve(b) gives a = c = 0.5025126, b = 0.4949749', () => {
    const w = negativeEvolve(start, 'b')
    expect(w['a']).toBeCloseTo(0.5025126, TOL)
    expect(w['b']).toBeCloseTo(0.4949749, TOL)
    expect(w['c']).toBeCloseTo(0.5025126, TOL)
  })

  it('positiveEvolve(a) then negativeEvolve(b) gives 0.5075127, 0.4924748, 0.5000125', () => {
    const w = negativeEvolve(positiveEvolve(start, 'a'), 'b')
    expect(w['a']).toBeCloseTo(0.5075127, 6)
    expect(w['b']).toBeCloseTo(0.4924748, 6)
    expect(w['c']).toBeCloseTo(0.5000125, 6)
  })

  it('keeps the total, and a negative step on a zero weight is a no-op', () => {
    const w = negativeEvolve({ a: 0, b: 1 }, 'a')
    expect(w).toEqual({ a: 0, b: 1 })
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom('a', 'b', 'c')), { maxLength: 50 }),
        (steps) => {
          let x: Record<string, number> = { ...start }
          for (const [up, prov] of steps) x = up ? positiveEvolve(x, prov) : negativeEvolve(x, prov)
          const sum = Object.values(x).reduce((s, v) => s + v, 0)
          expect(sum).toBeCloseTo(1.5, 9)
          for (const v of Object.values(x)) expect(v).toBeGreaterThanOrEqual(0)
        },
      ),
    )
  })

  it('adds a new provider at 0.5 before evolving it', () => {
    expect(withProviders({ a: 0.7 }, ['A', 'NewOne'])).toEqual({ a: 0.7, newone: 0.5 })
  })
})

describe('evolveGenome (AGENT.md §7)', () => {
  const g = createRootGenome({ providers: ['self', 'other'], version: '0.1.0', exitNode: false })

  it('rewards the own host on success', () => {
    const next = evolveGenome(g, { success: true, selfProvider: 'self', chosenProvider: 'other' })
    expect(next.providerWeights['self']).toBeGreaterThan(0.5)
    expect(next.providerWeights['other']).toBeLessThan(0.5)
  })

  it('punishes the chosen provider on failure', () => {
    const next = evolveGenome(g, { success: false, selfProvider: 'self', chosenProvider: 'other' })
    expect(next.providerWeights['other']).toBeLessThan(0.5)
    expect(next.providerWeights['self']).toBeGreaterThan(0.5)
  })
})

describe('rouletteProvider', () => {
  it('walks the allowed providers in sorted order', () => {
    const w = { b: 1, a: 1, c: 2 }
    expect(rouletteProvider(w, ['c', 'a', 'b'], 0)).toBe('a')
    expect(rouletteProvider(w, ['c', 'a', 'b'], 0.25)).toBe('a')
    expect(rouletteProvider(w, ['c', 'a', 'b'], 0.3)).toBe('b')
    expect(rouletteProvider(w, ['c', 'a', 'b'], 0.99)).toBe('c')
    expect(rouletteProvider(w, ['a', 'b'], 0.6)).toBe('b')
    expect(rouletteProvider(w, [], 0.5)).toBeUndefined()
  })

  it('lets a weight above 5000 effectively force a provider (INSTALL.rst)', () => {
    const rng = createSeededRng(3)
    const w = { a: 0.5, b: 5000, c: 0.5 }
    let hits = 0
    for (let i = 0; i < 1000; i++) if (rouletteProvider(w, ['a', 'b', 'c'], rng.float()) === 'b') hits++
    expect(hits).toBeGreaterThan(990)
  })

  it('is uniform over an all-zero wheel', () => {
    expect(rouletteProvider({ a: 0, b: 0 }, ['a', 'b'], 0.7)).toBe('b')
  })
})

describe('inheritGenome', () => {
  const parent: Genome = createRootGenome({ providers: ['x', 'y'], version: '1.2.3', exitNode: false })

  it('copies the genome exactly with flip probability 0', () => {
    const child = inheritGenome(parent, createSeededRng(1), { geneFlipP: 0, runningVersion: '1.2.3' })
    expect(child).toEqual(parent)
    expect(child.providerWeights).not.toBe(parent.providerWeights)
  })

  it('is deterministic for a seed and mutates every discrete gene at probability 0.5 over many draws', () => {
    const a = inheritGenome(parent, createSeededRng('s'), { geneFlipP: 0.5, runningVersion: '1.2.4' })
    const b = inheritGenome(parent, createSeededRng('s'), { geneFlipP: 0.5, runningVersion: '1.2.4' })
    expect(a).toEqual(b)
    const rng = createSeededRng(9)
    const seen = {
      channel: false,
      memory: false,
      cores: false,
      bw: false,
      exit: false,
      strategy: false,
      sma: false,
      dowry: false,
    }
    for (let i = 0; i < 200; i++) {
      const c = inheritGenome(parent, rng, { geneFlipP: 0.5, runningVersion: '1.2.4' })
      if (c.softwareRef.channel === 'pinned') {
        seen.channel = true
        expect(c.softwareRef.version).toBe('1.2.4')
      }
      if (c.preferredServer.minMemoryGB !== 1) seen.memory = true
      if (c.preferredServer.minCores !== 1) seen.cores = true
      if (c.preferredServer.minBandwidthGB !== 0) seen.bw = true
      if (c.exitNode) seen.exit = true
      if (c.strategy.name !== parent.strategy.name) seen.strategy = true
      if (c.strategy.smaWindowDays !== 30) seen.sma = true
      if (c.dowryBps !== 0) seen.dowry = true
    }
    expect(Object.values(seen).every(Boolean)).toBe(true)
  })

  it('keeps every gene on its ladder and in bounds over generations', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 40 }), (seed, generations) => {
        const rng = createSeededRng(seed)
        let g = parent
        for (let i = 0; i < generations; i++)
          g = inheritGenome(g, rng, { geneFlipP: 0.5, runningVersion: '1.2.3' })
        expect([0.5, 1, 2, 4]).toContain(g.preferredServer.minMemoryGB)
        expect([1, 2, 4, 8]).toContain(g.preferredServer.minCores)
        expect([0, 500, 1000, 2000]).toContain(g.preferredServer.minBandwidthGB)
        expect(g.dowryBps).toBeGreaterThanOrEqual(0)
        expect(g.dowryBps).toBeLessThanOrEqual(5000)
        expect(g.strategy.smaWindowDays).toBeGreaterThanOrEqual(3)
        expect(g.strategy.smaWindowDays).toBeLessThanOrEqual(60)
      }),
      { numRuns: 50 },
    )
  })

  it('refuses a flip probability outside [0, 0.5] with a code', () => {
    for (const p of [-0.1, 0.6, NaN, Infinity]) {
      expect(() => checkGeneFlipP(p)).toThrow(expect.objectContaining({ code: 'PLEBNET_OPTIONS_INVALID' }))
    }
  })
})
