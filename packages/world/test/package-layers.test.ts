import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { promisify } from 'node:util'
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
  market: ['base'],
  vision: ['base'],
  plebnet: ['base', 'wallet', 'cloudomate', 'learning', 'ledger', 'overlay', 'tunnels', 'market'],
  world: [
    'base',
    'wallet',
    'cloudomate',
    'learning',
    'ledger',
    'overlay',
    'tunnels',
    'market',
    'plebnet',
    'vision',
  ],
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

  // A child agent runs from a bundle without dev dependencies: a package whose index reaches test
  // tooling (a shared test contract exported by mistake) breaks every install. Each index is loaded
  // in a plain Node process that cannot resolve vitest or fast-check.
  it('every package index loads without test tooling', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dolly-layers-'))
    try {
      const hook = join(dir, 'no-test-tools.mjs')
      await writeFile(
        hook,
        [
          "import { registerHooks } from 'node:module'",
          'registerHooks({ resolve(spec, context, next) {',
          '  if (/^(vitest|fast-check|@vitest\\/)/.test(spec)) throw new Error(`test tooling loaded: ${spec} from ${context.parentURL}`)',
          '  return next(spec, context)',
          '} })',
        ].join('\n'),
      )
      const failures: string[] = []
      for (const pkg of NAMES) {
        const index = join(PACKAGES, pkg, 'src', 'index.ts')
        const run = await promisify(execFile)(
          process.execPath,
          ['--import', hook, '-e', `await import(${JSON.stringify(index)})`],
          {
            timeout: 60_000,
          },
        ).catch((err: { stderr?: string }) => ({ stderr: `FAILED ${err.stderr ?? String(err)}` }))
        if (run.stderr.startsWith('FAILED'))
          failures.push(
            `${pkg}: ${run.stderr.split('\n').find((l) => l.includes('Error: test tooling loaded')) ?? run.stderr.slice(0, 300)}`,
          )
      }
      expect(failures).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 180_000)
})
