import { createMemoryLogger, createVirtualClock } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { TRACKER_COMMANDS } from './constants.ts'
import { createMemoryStore } from './store.ts'
import { createTracker } from './tracker.ts'

function setup() {
  const clock = createVirtualClock(1_000_000)
  const said: { atMs: number; target: string; text: string }[] = []
  const store = createMemoryStore()
  const logger = createMemoryLogger()
  const tracker = createTracker(
    {
      clock,
      store,
      logger,
      irc: { say: (target, text) => said.push({ atMs: clock.nowMs(), target, text }) },
    },
    { channel: '#plebnet123', nick: 'watcher', intervalMs: 600_000, commandGapMs: 2000, joinWaitMs: 20_000 },
  )
  return { clock, said, store, logger, tracker }
}

describe('tracker (§12)', () => {
  it('waits 20 s, sends the seven commands 2 s apart, then sleeps interval − 7·2 s', async () => {
    const { clock, said, tracker } = setup()
    const stop = new AbortController()
    const run = tracker.run({ signal: stop.signal }).catch(() => {})
    await clock.advance(19_999)
    expect(said).toEqual([])
    await clock.advance(1)
    await clock.advance(12_000)
    expect(said.map((s) => s.text)).toEqual([...TRACKER_COMMANDS])
    expect(said.map((s) => s.atMs - 1_000_000)).toEqual([
      20_000, 22_000, 24_000, 26_000, 28_000, 30_000, 32_000,
    ])
    expect(new Set(said.map((s) => s.target))).toEqual(new Set(['#plebnet123']))
    // The next round starts 600 s after the first: 14 s of commands + 586 s of sleep.
    await clock.advance(600_000 - 12_000 - 1)
    expect(said).toHaveLength(7)
    await clock.advance(1)
    expect(said).toHaveLength(8)
    expect(said[7]?.atMs).toBe(1_000_000 + 620_000)
    stop.abort()
    await clock.advance(10_000)
    await run
  })

  it('records replies on the channel with the sender nick and the clock time', () => {
    const { clock, store, tracker } = setup()
    tracker.onPrivmsg({ nick: 'plebbot1', target: '#plebnet123', text: 'My BTC balance is:  0.002' })
    tracker.onPrivmsg({
      nick: 'plebbot1',
      target: '#PlebNet123',
      text: "general: {'host': 'linevast', 'option': 'Basic', 'vpn': False, 'tree': 'plebbot1', 'exitnode': False}",
    })
    expect(store.series('plebbot1', 'BTC_balance', 10)).toEqual([{ atMs: clock.nowMs(), value: 0.002 }])
    expect(store.nodes()).toMatchObject([
      { tree: 'plebbot1', nick: 'plebbot1', host: 'linevast', lastSeenMs: clock.nowMs() },
    ])
  })

  it('ignores private messages, its own lines and chatter, and logs malformed replies with their code', () => {
    const { store, tracker, logger } = setup()
    expect(
      tracker.onPrivmsg({ nick: 'plebbot1', target: 'watcher', text: 'My MB balance is: 1' }),
    ).toBeUndefined()
    expect(
      tracker.onPrivmsg({ nick: 'watcher', target: '#plebnet123', text: 'My MB balance is: 1' }),
    ).toBeUndefined()
    expect(tracker.onPrivmsg({ nick: 'plebbot1', target: '#plebnet123', text: '!general' })).toMatchObject({
      ok: false,
      code: 'VISION_REPLY_UNKNOWN',
    })
    expect(
      tracker.onPrivmsg({ nick: 'plebbot1', target: '#plebnet123', text: 'My MB balance is: x' }),
    ).toMatchObject({
      ok: false,
      code: 'VISION_REPLY_MALFORMED',
    })
    expect(store.series('plebbot1', 'MB_balance', 10)).toEqual([])
    expect(logger.entries.filter((e) => e.event === 'tracker.reply_rejected')).toHaveLength(1)
  })

  it('records !life as lease_left and next_child', () => {
    const { store, tracker } = setup()
    tracker.onPrivmsg({
      nick: 'b',
      target: '#plebnet123',
      text: 'My lease ends in 1 days + 00:00:10; next child in 2.5 days',
    })
    expect(store.series('b', 'lease_left', 5).map((p) => p.value)).toEqual([86_410])
    expect(store.series('b', 'next_child', 5).map((p) => p.value)).toEqual([2.5])
  })
})
