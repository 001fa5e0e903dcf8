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
