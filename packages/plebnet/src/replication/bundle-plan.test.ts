import { describe, expect, it } from 'vitest'
import {
  manifestLine,
  runtimeDependencyNames,
  shipsDependencyFile,
  shipsWorkspaceFile,
} from './bundle-plan.ts'

describe('bundle plan', () => {
  it.each([
    ['lib/index.js', true],
    ['package.json', true],
    ['LICENSE', true],
    ['LICENSE.md', true],
    ['dist/index.d.ts', false],
    ['dist/index.js.map', false],
    ['README.md', false],
    ['test/a.js', false],
    ['docs/api.html', false],
    ['node_modules/x/index.js', false],
  ])('ships dependency file %s: %s', (path, ships) => {
    expect(shipsDependencyFile(path)).toBe(ships)
  })

  it.each([
    ['package.json', true],
    ['src/index.ts', true],
    ['bin/plebnet.js', true],
    ['src/replication/tar.test.ts', false],
    ['src/ledger/vectors/half-block-vectors.json', false],
    ['test/integration/replication.test.ts', false],
    ['tsconfig.json', false],
  ])('ships workspace file %s: %s', (path, ships) => {
    expect(shipsWorkspaceFile(path)).toBe(ships)
  })

  it('takes dependencies, optional ones and required peers, but not optional peers', () => {
    expect(
      runtimeDependencyNames({
        dependencies: { a: '1' },
        optionalDependencies: { b: '1' },
        peerDependencies: { c: '1', typescript: '5' },
        peerDependenciesMeta: { typescript: { optional: true } },
      }),
    ).toEqual({ required: ['a'], optional: ['b', 'c'] })
    expect(runtimeDependencyNames(null)).toEqual({ required: [], optional: [] })
  })

  it('writes manifest lines in sha256sum format', () => {
    expect(manifestLine('ab'.repeat(32), 'bin/node')).toBe(`${'ab'.repeat(32)}  bin/node\n`)
  })
})
