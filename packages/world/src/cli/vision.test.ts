import { runCli, type CliIo } from '@dolly/base'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { DOLLY_CLI_EXIT_STATUS } from './exit-status.ts'
import { parseIrcServer, registerVisionCommand } from './vision.ts'

async function dolly(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t) }
  const program = new Command('dolly').exitOverride()
  registerVisionCommand(program, io, {
    defaultWorldDir: '/nonexistent/dollynator/world',
    realNowMs: () => 0,
    pid: 1,
    selfCommand: ['node', 'dolly'],
    repoDir: '/nonexistent',
  })
  const code = await runCli(program, args, io, DOLLY_CLI_EXIT_STATUS)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('dolly vision', () => {
  it('documents its flags in --help', async () => {
    const r = await dolly(['vision', '--help'])
    expect(r.code).toBe(0)
    for (const flag of ['--irc-server', '--channel', '--port', '--data-dir', '--interval', '--dead-after'])
      expect(r.out + r.err).toContain(flag)
  })

  it('exits 2 with VISION_OPTIONS_INVALID on a bad flag, before starting anything', async () => {
    for (const args of [
      ['--port', '70000'],
      ['--port', 'web'],
      ['--interval', '5'],
      ['--dead-after', '0'],
      ['--irc-server', 'a:b:c'],
      ['--irc-server', 'host:0'],
      ['--channel', 'no-hash'],
      ['--nick', '9lives'],
    ]) {
      const r = await dolly(['vision', ...args, '--data-dir', '/nonexistent/x'])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.err, args.join(' ')).toContain('VISION_OPTIONS_INVALID')
    }
  })

  it('reads --irc-server as host:port, host alone or [v6]:port', () => {
    expect(parseIrcServer('10.78.0.1:6669')).toEqual({ host: '10.78.0.1', port: 6669 })
    expect(parseIrcServer('irc.local')).toEqual({ host: 'irc.local', port: 6667 })
    expect(parseIrcServer('[::1]:7000')).toEqual({ host: '::1', port: 7000 })
  })
})
