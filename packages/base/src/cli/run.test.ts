import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { BaseError } from '../errors.ts'
import { EXIT, runCli, type CliIo } from './run.ts'

function capture(): CliIo & { outText: () => string; errText: () => string } {
  let out = ''
  let err = ''
  return {
    out: (t) => void (out += `${t}\n`),
    err: (t) => void (err += `${t}\n`),
    outText: () => out,
    errText: () => err,
  }
}

function program(action: () => void): Command {
  const p = new Command('tool')
  p.command('go').option('--json').action(action)
  return p
}

describe('runCli', () => {
  it('exits 0 on success and on --help', async () => {
    expect(
      await runCli(
        program(() => {}),
        ['go'],
        capture(),
      ),
    ).toBe(EXIT.OK)
    const io = capture()
    expect(
      await runCli(
        program(() => {}),
        ['go', '--help'],
        io,
      ),
    ).toBe(EXIT.OK)
    expect(io.outText()).toContain('Usage: tool go')
  })

  it('exits 2 on an unknown flag or bad input code, 1 on other failures', async () => {
    expect(
      await runCli(
        program(() => {}),
        ['go', '--bogus'],
        capture(),
      ),
    ).toBe(EXIT.USAGE)
    const bad = capture()
    const input = (): never => {
      throw new BaseError('BASE_INVALID_AMOUNT', 'expected a decimal')
    }
    expect(await runCli(program(input), ['go'], bad)).toBe(EXIT.USAGE)
    expect(bad.errText()).toBe('error BASE_INVALID_AMOUNT: expected a decimal\n')
    const failing = (): never => {
      throw new BaseError('BASE_ABORTED', 'aborted')
    }
    expect(await runCli(program(failing), ['go'], capture())).toBe(EXIT.FAILURE)
  })

  it('prints the error as JSON under --json', async () => {
    const io = capture()
    const input = (): never => {
      throw new BaseError('BASE_INVALID_AMOUNT', 'expected a decimal', { input: '-1' })
    }
    expect(await runCli(program(input), ['go', '--json'], io)).toBe(EXIT.USAGE)
    expect(JSON.parse(io.outText())).toEqual({
      error: {
        name: 'BaseError',
        code: 'BASE_INVALID_AMOUNT',
        message: 'expected a decimal',
        details: { input: '-1' },
      },
    })
  })
})
