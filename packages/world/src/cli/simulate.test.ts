import { runCli, type CliIo } from '@dolly/base'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { DOLLY_CLI_EXIT_STATUS } from './exit-status.ts'
import { registerSimulateCommands } from './simulate.ts'

async function dolly(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t) }
  const program = new Command('dolly')
  registerSimulateCommands(program, io)
  const code = await runCli(program, args, io, DOLLY_CLI_EXIT_STATUS)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('dolly simulate learning', () => {
  it('prints a summary in human form', async () => {
    const r = await dolly([
      'simulate',
      'learning',
      '--agents',
      '4',
      '--ticks',
      '60',
      '--seed',
      '7',
      '--summary-only',
    ])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(
      /^summary: 60 ticks \(10 days\): \d+ alive, \d+ born, \d+ died, max generation \d+\n  MB earned \d+/,
    )
  })

  it('prints JSON lines that parse, the same for the same seed', async () => {
    const args = ['simulate', 'learning', '--agents', '3', '--ticks', '40', '--seed', '5', '--json']
    const a = await dolly(args)
    const b = await dolly(args)
    expect(a.out).toBe(b.out)
    const lines = a.out.split('\n').map((l) => JSON.parse(l) as { event: string })
    expect(lines.at(-1)?.event).toBe('summary')
    expect(lines.some((l) => l.event === 'earn_mb_tokens')).toBe(true)
  })

  it('exits 2 on a bad option', async () => {
    expect((await dolly(['simulate', 'learning', '--agents', '0'])).code).toBe(2)
    const r = await dolly(['simulate', 'learning', '--ticks', '1.5'])
    expect(r.code).toBe(2)
    expect(r.err).toContain('WORLD_INVALID_OPTION')
  })
})

describe('dolly simulate fleet', () => {
  it('runs the default scenario and prints the summary as JSON, with files in --out', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = await mkdtemp(join(tmpdir(), 'fleet-cli-'))
    try {
      const r = await dolly([
        'simulate',
        'fleet',
        '--agents',
        '1',
        '--days',
        '3',
        '--workers',
        '1',
        '--json',
        '--out',
        dir,
      ])
      expect(r.code).toBe(0)
      const summary = JSON.parse(r.out) as { format: string; families: number; born: number }
      expect(summary).toMatchObject({ format: 'dolly-fleet-summary', families: 1 })
      expect(summary.born).toBeGreaterThanOrEqual(1)
      expect(JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'))).toEqual(summary)
      const events = (await readFile(join(dir, 'events.jsonl'), 'utf8')).trim().split('\n')
      expect(JSON.parse(events[0] ?? '{}')).toMatchObject({ event: 'birth', tree: 'f0' })
      const report = JSON.parse(await readFile(join(dir, 'report-input.json'), 'utf8')) as {
        charts: unknown[]
      }
      expect(report.charts.length).toBeGreaterThan(0)
      // The pictures: a page that opens offline with every chart inline, and an SVG file per chart.
      const page = await readFile(join(dir, 'index.html'), 'utf8')
      expect(page.match(/<svg/g)?.length).toBe(report.charts.length)
      expect(page).not.toMatch(/https?:\/\//)
      for (const chart of report.charts as { id: string }[])
        expect(await readFile(join(dir, `${chart.id}.svg`), 'utf8')).toMatch(/^<\?xml|^<svg/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it("takes --report DIR as --out DIR (the issue's spelling), and refuses two different directories", async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = await mkdtemp(join(tmpdir(), 'fleet-report-'))
    try {
      const base = ['simulate', 'fleet', '--agents', '1', '--days', '2', '--workers', '1']
      const r = await dolly([...base, '--report', dir])
      expect(r.code).toBe(0)
      expect(await readFile(join(dir, 'index.html'), 'utf8')).toMatch(/<svg/)
      expect(r.out).toMatch(/^fleet default: 1 founders, 2 days, seed 1/)
      const both = await dolly([...base, '--report', dir, '--out', join(dir, 'other')])
      expect(both.code).toBe(2)
      expect(both.err).toMatch(/WORLD_INVALID_OPTION/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('exits 2 with WORLD_SCENARIO_INVALID on a bad scenario file', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = await mkdtemp(join(tmpdir(), 'fleet-bad-'))
    try {
      const file = join(dir, 'bad.json')
      await writeFile(file, '{"format":"dolly-fleet-scenario","version":2}')
      const r = await dolly(['simulate', 'fleet', '--scenario', file, '--agents', '1', '--days', '1'])
      expect(r.code).toBe(2)
      expect(r.err).toContain('WORLD_SCENARIO_INVALID')
      const missing = await dolly(['simulate', 'fleet', '--scenario', join(dir, 'none.json')])
      expect(missing.code).toBe(2)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
