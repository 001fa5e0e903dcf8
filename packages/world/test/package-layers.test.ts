import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * The package layering the README's layout promises (issue 15): each package may use only the
 * packages below it, declares exactly the workspace packages it imports, and never reaches into
 * another package's files by a relative path. A new import against the grain fails here.
 */

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url))

/** Workspace packages each package's sources may import. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  base: [],
  wallet: ['base'],
  cloudomate: ['base', 'wallet'],
  learning: ['base'],
  ledger: ['base'],
  overlay: ['base', 'learning', 'ledger'],
  tunnels: ['base'],
  plebnet: ['base', 'wallet', 'cloudomate', 'learning', 'ledger', 'overlay', 'tunnels'],
  world: ['base', 'wallet', 'cloudomate', 'learning', 'ledger', 'overlay', 'tunnels', 'plebnet'],
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) sourceFiles(path, out)
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

/** Module specifiers of the static and dynamic imports and re-exports in `text`. */
function specifiers(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/(?:import|export)\s[^'"`;]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g))
    out.push(m[1] ?? m[2] ?? '')
  return out
}

const NAMES = readdirSync(PACKAGES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)

describe('package layering', () => {
  it('knows every package', () => {
    expect([...NAMES].sort()).toEqual(Object.keys(ALLOWED).sort())
  })

  for (const pkg of NAMES) {
    it(`${pkg} imports only the packages below it, and declares them`, () => {
      const used = new Set<string>()
      const outside: string[] = []
      const root = join(PACKAGES, pkg)
      for (const file of sourceFiles(join(root, 'src'))) {
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          const dolly = /^@dolly\/([a-z-]+)/.exec(spec)
          if (dolly?.[1] !== undefined) used.add(dolly[1])
          if (spec.startsWith('.') && relative(root, resolve(dirname(file), spec)).startsWith('..'))
            outside.push(`${relative(PACKAGES, file)} → ${spec}`)
        }
      }
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>
      }
      const declared = Object.keys(manifest.dependencies ?? {})
        .filter((d) => d.startsWith('@dolly/'))
        .map((d) => d.slice('@dolly/'.length))
      used.delete(pkg)
      expect([...used].filter((u) => !(ALLOWED[pkg] ?? []).includes(u))).toEqual([])
      expect([...used].sort()).toEqual(declared.sort())
      expect(outside).toEqual([])
    })
  }
})
