/**
 * The dependency directions of the monorepo (issue 15): the import graph of `packages/*\/src` (relative
 * imports, `import type`, re-exports and `import()` included) has no cycle, and nothing outside a
 * package's `cli/` imports from it (`cli/` parses arguments and prints; the work is below it). A
 * package's entry `src/index.ts` is its public surface, above every folder, and may re-export from
 * `cli/` (the CLI's exit-status table).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const PACKAGES = resolve(import.meta.dirname, '../..')

/** Every non-test `.ts` file under `packages/*\/src`, absolute. */
function sourceFiles(): string[] {
  const files: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path)
    }
  }
  for (const pkg of readdirSync(PACKAGES, { withFileTypes: true })) {
    if (!pkg.isDirectory()) continue
    const src = join(PACKAGES, pkg.name, 'src')
    if (readdirSync(join(PACKAGES, pkg.name)).includes('src')) walk(src)
  }
  return files
}

/** File → the files it imports by relative path (TypeScript's own scanner: comments and strings are skipped). */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
    graph.set(
      file,
      info.importedFiles
        .map((f) => f.fileName)
        .filter((name) => name.startsWith('./') || name.startsWith('../'))
        .map((name) => resolve(dirname(file), name)),
    )
  }
  return graph
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (v: string): void => {
    index.set(v, next)
    low.set(v, next)
    next += 1
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0))
    }
    if (low.get(v) !== index.get(v)) return
    const component: string[] = []
    let w: string | undefined
    do {
      w = stack.pop()
      if (w === undefined) break
      onStack.delete(w)
      component.push(w)
    } while (w !== v)
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort())
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return cycles
}

/** The package folder and the path inside its `src/` of an absolute file (`['plebnet', 'cli/main.ts']`). */
function locate(file: string): [string, string] {
  const [pkg = '', , ...rest] = relative(PACKAGES, file).split(sep)
  return [pkg, rest.join('/')]
}

/** Imports of a package's `cli/` from outside it, as `from → to` (package-relative). */
function cliImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const found: string[] = []
  for (const [from, targets] of graph) {
    const [fromPkg, fromPath] = locate(from)
    if (fromPath.startsWith('cli/') || fromPath === 'index.ts') continue
    for (const to of targets) {
      const [toPkg, toPath] = locate(to)
      if (toPath.startsWith('cli/')) found.push(`${fromPkg}/${fromPath} → ${toPkg}/${toPath}`)
    }
  }
  return found.sort()
}

describe('the import graph of packages/*/src', () => {
  const graph = importGraph(sourceFiles())

  it('reads the whole tree (a broken walk must not pass vacuously)', () => {
    const paths = [...graph.keys()].map((f) => locate(f).join('/'))
    expect(paths).toEqual(expect.arrayContaining(['plebnet/cli/main.ts', 'plebnet/agent/create-agent.ts']))
    expect(graph.size).toBeGreaterThan(300)
  })

  it('has no import cycle', () => {
    expect(importCycles(graph).map((c) => c.map((f) => locate(f).join('/')))).toEqual([])
  })

  it('has no import of cli/ from outside cli/', () => {
    expect(cliImports(graph)).toEqual([])
  })

  it('finds a cycle and a cli import when there is one (the checks can fail)', () => {
    const a = join(PACKAGES, 'plebnet', 'src', 'lifecycle', 'a.ts')
    const b = join(PACKAGES, 'plebnet', 'src', 'lifecycle', 'b.ts')
    const cli = join(PACKAGES, 'plebnet', 'src', 'cli', 'c.ts')
    const g = new Map([
      [a, [b]],
      [b, [a, cli]],
      [cli, []],
    ])
    expect(importCycles(g)).toEqual([[a, b].sort()])
    expect(cliImports(g)).toEqual(['plebnet/lifecycle/b.ts → plebnet/cli/c.ts'])
  })
})
