import { describe, expect, it } from 'vitest'
import { createMemoryLogger, createVirtualClock } from '@dolly/base'
import { createTickComponent } from '../../lifecycle/adapters/tick-component.ts'
import { createLogRecorder, type ErrorEntry } from './log-recorder.ts'

describe('createLogRecorder', () => {
  it('passes every entry on, keeps the last lines redacted and hands error entries over', () => {
    const inner = createMemoryLogger()
    const errors: ErrorEntry[] = []
    const recorder = createLogRecorder(inner, { capacity: 3, nowMs: () => 0, onError: (e) => errors.push(e) })
    const log = recorder.log.child({ component: 'wallet' })
    log.debug('wallet.noise')
    log.info('wallet.opened', { password: 'hunter22', url: 'http://u:pw@host/' })
    log.info('wallet.one')
    log.warn('wallet.two')
    log.error('wallet.broken', { code: 'WALLET_X', message: 'store unreadable' })
    expect(inner.entries.map((e) => e.event)).toEqual([
      'wallet.noise',
      'wallet.opened',
      'wallet.one',
      'wallet.two',
      'wallet.broken',
    ])
    expect(recorder.lines()).toEqual([
      '1970-01-01T00:00:00.000Z - wallet - INFO - wallet.one : {"component":"wallet"}',
      '1970-01-01T00:00:00.000Z - wallet - WARN - wallet.two : {"component":"wallet"}',
      '1970-01-01T00:00:00.000Z - wallet - ERROR - wallet.broken : {"component":"wallet","code":"WALLET_X","message":"store unreadable"}',
    ])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ component: 'wallet', event: 'wallet.broken' })
    expect(errors[0]?.error.message).toBe('store unreadable')
    expect((errors[0]?.error as { code?: string }).code).toBe('WALLET_X')
    const early = createLogRecorder(createMemoryLogger(), { capacity: 10, nowMs: () => 0 })
    early.log.info('x.y', { password: 'hunter22', url: 'http://u:pw@host/' })
    expect(early.lines().join('\n')).not.toContain('hunter22')
    expect(early.lines().join('\n')).not.toContain('u:pw')
  })

  it('a failing tick reaches it as the thrown error, stack and all', async () => {
    const errors: ErrorEntry[] = []
    const recorder = createLogRecorder(createMemoryLogger(), {
      capacity: 10,
      nowMs: () => 0,
      onError: (e) => errors.push(e),
    })
    const clock = createVirtualClock(0)
    const thrown = new TypeError('cannot read the shop page')
    const ticker = createTickComponent(
      { realClock: clock, log: recorder.log, tick: () => Promise.reject(thrown) },
      { tickIntervalMs: 60_000, timeScale: 1, firstDelayMs: 1_000 },
    )
    await ticker.start()
    for (let i = 0; i < 20 && errors.length === 0; i++) {
      await clock.advance(1_000)
    }
    await ticker.stop()
    expect(errors[0]).toMatchObject({ component: 'lifecycle', event: 'tick.failed' })
    expect(errors[0]?.error).toBe(thrown)
  })
})
