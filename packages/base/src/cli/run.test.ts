import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { BASE_EXIT_STATUS, BaseError, DollyError } from '../errors.ts'
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
  it('exits with the status the map gives the code, never by the look of its name', async () => {
    const map = { X_PAYMENT_UNKNOWN: EXIT.FAILURE, X_PAYMENT_REFUSED: 3, X_PLAN: EXIT.USAGE }
    const failWith = (code: string) => (): never => {
      throw new DollyError(code, 'no')
    }
    // "paid or not?" ends with _UNKNOWN but is no bad input (issue 14): the map says 1.
    expect(await runCli(program(failWith('X_PAYMENT_UNKNOWN')), ['go'], capture(), map)).toBe(EXIT.FAILURE)
    expect(await runCli(program(failWith('X_PAYMENT_REFUSED')), ['go'], capture(), map)).toBe(3)
    expect(await runCli(program(failWith('X_PLAN')), ['go'], capture(), map)).toBe(EXIT.USAGE)
    // A code no map lists, however it looks, is a failure; so is one from Object.prototype.
    expect(await runCli(program(failWith('X_INVALID')), ['go'], capture(), map)).toBe(EXIT.FAILURE)
    expect(await runCli(program(failWith('toString')), ['go'], capture(), map)).toBe(EXIT.FAILURE)
  })

  it('exits 0 on success and on --help', async () => {
    expect(
      await runCli(
        program(() => {}),
        ['go'],
        capture(),
        BASE_EXIT_STATUS,
      ),
    ).toBe(EXIT.OK)
    const io = capture()
    expect(
      await runCli(
        program(() => {}),
        ['go', '--help'],
        io,
        BASE_EXIT_STATUS,
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
        BASE_EXIT_STATUS,
      ),
    ).toBe(EXIT.USAGE)
    const bad = capture()
    const input = (): never => {
      throw new BaseError('BASE_INVALID_AMOUNT', 'expected a decimal')
    }
    expect(await runCli(program(input), ['go'], bad, BASE_EXIT_STATUS)).toBe(EXIT.USAGE)
    expect(bad.errText()).toBe('error BASE_INVALID_AMOUNT: expected a decimal\n')
    const failing = (): never => {
      throw new BaseError('BASE_ABORTED', 'aborted')
    }
    expect(await runCli(program(failing), ['go'], capture(), BASE_EXIT_STATUS)).toBe(EXIT.FAILURE)
  })

  it('scrubs credentials from the error it prints, as text and as JSON', async () => {
    const leaky = (): never => {
      throw new DollyError('X_DOWN', 'POST http://dolly:rpcpw@10.0.0.1:8332/ failed', {
        config: '[wallets]\nPassword = walletpw',
        apiKey: 'k-123',
      })
    }
    const text = capture()
    await runCli(program(leaky), ['go'], text, {})
    expect(text.errText()).toBe('error X_DOWN: POST http://[redacted]@10.0.0.1:8332/ failed\n')
    const json = capture()
    await runCli(program(leaky), ['go', '--json'], json, {})
    expect(json.outText()).not.toMatch(/rpcpw|walletpw|k-123/)
    expect(json.outText()).toContain('10.0.0.1:8332')
  })

  it('prints the error as JSON under --json', async () => {
    const io = capture()
    const input = (): never => {
      throw new BaseError('BASE_INVALID_AMOUNT', 'expected a decimal', { input: '-1' })
    }
    expect(await runCli(program(input), ['go', '--json'], io, BASE_EXIT_STATUS)).toBe(EXIT.USAGE)
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
