import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createMemoryLogger, REDACTED, redactFields } from './logger.ts'
import { createPinoLogger } from './adapters/pino-logger.ts'
import { createVirtualClock } from './virtual-clock.ts'

describe('redactFields', () => {
  it('redacts secret-named keys at any depth and stringifies bigints', () => {
    const out = redactFields({
      amountSats: 41000n,
      mnemonic: 'abandon abandon',
      nested: { rootPassword: 'hunter2', provider: 'linevast', deeper: [{ xprv: 'tprv8…' }] },
      passphrase: 'x',
      privateKey: 'k',
      seed: 'ab',
      tokensMb: 12,
    })
    expect(out).toEqual({
      amountSats: '41000',
      mnemonic: REDACTED,
      nested: { rootPassword: REDACTED, provider: 'linevast', deeper: [{ xprv: REDACTED }] },
      passphrase: REDACTED,
      privateKey: REDACTED,
      seed: REDACTED,
      tokensMb: 12,
    })
  })
})

describe('loggers', () => {
  it('memory logger records events with clock time and bound fields', () => {
    const clock = createVirtualClock(123)
    const log = createMemoryLogger(() => clock.nowMs())
    log.child({ component: 'wallet' }).info('wallet.paid', { amountSats: 5n, password: 'p' })
    expect(log.entries).toEqual([
      {
        level: 'info',
        event: 'wallet.paid',
        timeMs: 123,
        fields: { component: 'wallet', amountSats: '5', password: REDACTED },
      },
    ])
  })

  it('pino logger writes one JSON line per event with the injected clock time and no secrets', () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString())
        cb()
      },
    })
    const log = createPinoLogger({ clock: createVirtualClock(5_000) }, { destination: sink, level: 'info' })
    log.debug('hidden.event')
    log.child({ agent: 'a1', seed: 's' }).warn('purchase.paid', { amountSats: 41000n, passphrase: 'x' })
    expect(lines).toHaveLength(1)
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(entry).toMatchObject({
      level: 40,
      time: 5000,
      agent: 'a1',
      seed: REDACTED,
      event: 'purchase.paid',
      amountSats: '41000',
      passphrase: REDACTED,
    })
  })
})
