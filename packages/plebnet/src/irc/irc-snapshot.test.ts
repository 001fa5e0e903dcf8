import { describe, expect, it } from 'vitest'
import type { AgentStatus } from '../daemon/status.ts'
import { readIrcConfig } from './irc-config.ts'
import { replyTo } from './irc-replies.ts'
import { initDateText, ircSnapshotOf, type SnapshotExtras } from './irc-snapshot.ts'
import { isDollyError } from './test-helpers.ts'

const DAY = 86_400_000
const MB = 2n ** 20n

const status: AgentStatus = {
  format: 'dolly-status',
  version: 1,
  publicKey: 'c'.repeat(64),
  tree: 'dolly.0.1',
  parentTree: 'dolly.0',
  parentPublicKey: 'd'.repeat(64),
  hostIp: '10.77.1.2',
  genome: null,
  testnet: false,
  exitNode: true,
  softwareVersion: '0.1.0',
  startedAtMs: 1000,
  heartbeatAtMs: 5000,
  heartbeats: 2,
  lifecycle: {
    worldNowMs: 10 * DAY,
    birthMs: 0,
    leaseEndMs: 20 * DAY,
    self: { provider: 'blueangelhost', option: 'vps-1' },
    qtable: null,
    genome: null,
    stopBuyingAtMs: 19 * DAY,
    sweepAtMs: 20 * DAY - 3_600_000,
    spendableSats: '100000',
    children: [],
    pending: 0,
    excludedProviders: [],
    idle: null,
    earning: 'earning',
    market: 'selling',
    lifeExpectancy: { childrenAffordable: '0', viable: false, daysLeft: 10, replicationCostSats: '600000' },
    events: [],
  },
  market: {
    mbBalanceBytes: String(2_000n * MB),
    orders: [],
    lastTrade: { priceSatPerMb: '50.00', timeMs: 0 },
    settlement: null,
    matchmaker: null,
  },
}

const extras: SnapshotExtras = {
  initDate: '',
  createdAtMs: Date.UTC(2026, 11, 3, 14, 3, 7),
  coinWallet: 'rltc1qx',
  // ρ = 10 000 MB over 10 days alive = 1 000 MB/day (the §15 golden numbers).
  ledger: { uploadedBytes: 10_000n * MB, downloadedBytes: 5n * MB, helped: 2, helpedBy: 1 },
  matchmakers: 4,
  vpn: false,
  selfState: null,
  vpsHost: 'linevast',
  bootstrapState: 'linevast/Basic',
  worldNowMs: 10 * DAY,
}

describe('the snapshot the replies read', () => {
  it('computes !life with the §15 golden numbers: 8 days to the next child', () => {
    const s = ircSnapshotOf(status, extras)
    expect(s.life).toEqual({ leaseRemainingMs: 10 * DAY, nextChildDays: 8 })
    expect(replyTo('life', s, 0).lines).toEqual([
      'My lease ends in 10 days + 00:00:00; next child in 8.0 days',
    ])
  })

  it('fills !general, balances and figures from the status and the ledger', () => {
    const s = ircSnapshotOf(status, extras)
    expect(replyTo('general', s, 0).lines[0]).toBe(
      "general: {'host': 'blueangelhost', 'option': 'vps-1', 'vpn': False, 'tree': 'dolly.0.1', 'exitnode': True}",
    )
    expect(replyTo('MB_balance', s, 0).lines[0]).toBe('My MB balance is: 2000.00')
    expect(replyTo('BTC_balance', s, 0).lines[0]).toBe('My BTC balance is:  0.00100000')
    expect(replyTo('uploaded', s, 0).lines[0]).toBe('I currently have uploaded: 10000.00 MB')
    expect(replyTo('matchmakers', s, 0).lines[0]).toBe('I currently have: 4 matchmakers')
    expect(replyTo('init', s, 0).lines[0]).toBe('My init date is: 14:03:07 03-12-2026')
    expect(replyTo('MB_wallet', s, 0).lines[0]).toBe(`My MB wallet is: ${'c'.repeat(64)}`)
  })

  it('falls back to the bought offer, then the bootstrap state, before the first tick', () => {
    const { lifecycle: _, ...early } = status
    const bought = ircSnapshotOf(early, { ...extras, selfState: { provider: 'twosync', option: 'small' } })
    expect(bought.general).toMatchObject({ host: 'twosync', option: 'small' })
    const byHand = ircSnapshotOf(early, extras)
    expect(byHand.general).toMatchObject({ host: 'linevast', option: 'Basic' })
    expect(byHand.coinSats).toBeNull()
    expect(byHand.life).toBeNull()
  })

  it('writes the init date as %H:%M:%S %d-%m-%Y in UTC', () => {
    for (const ms of [
      0,
      Date.UTC(2000, 1, 29, 23, 59, 59),
      Date.UTC(2026, 11, 31, 0, 0, 1),
      Date.UTC(2100, 2, 1),
    ]) {
      const d = new Date(ms)
      const two = (n: number): string => String(n).padStart(2, '0')
      expect(initDateText(ms)).toBe(
        `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${two(d.getUTCDate())}-${two(d.getUTCMonth() + 1)}-${d.getUTCFullYear()}`,
      )
    }
  })
})

describe('the [irc] config', () => {
  it('is off unless the agent’s own file or environment names a server', () => {
    expect(readIrcConfig('')).toBeUndefined()
    expect(readIrcConfig('[irc]\nchannel = #x\n')).toBeUndefined()
    expect(readIrcConfig('[irc]\nserver =\n')).toBeUndefined()
    expect(readIrcConfig('', { PLEBNET_CFG_IRC_SERVER: '10.0.0.1' })?.server).toBe('10.0.0.1')
  })

  it('takes the §4 defaults for the keys not given', () => {
    expect(readIrcConfig('[irc]\nserver = 10.77.1.1\n')).toEqual({
      server: '10.77.1.1',
      port: 6667,
      channel: '#plebnet123',
      nick: 'plebbot',
      nickDef: 'plebbot',
      heartbeatMs: 60_000,
      initDate: '',
      vpsHost: 'linevast',
      bootstrapState: 'linevast/Basic',
    })
  })

  it('refuses unusable values with IRC_CONFIG_INVALID', () => {
    for (const bad of ['port = 0', 'port = 70000', 'channel = nohash', 'nick = 9lives', 'timeout = 0'])
      expect(() => readIrcConfig(`[irc]\nserver = 10.0.0.1\n${bad}\n`), bad).toThrow(
        expect.objectContaining({ code: 'IRC_CONFIG_INVALID' }),
      )
    const codeOf = (text: string): boolean => {
      try {
        readIrcConfig(text)
        return false
      } catch (err) {
        return isDollyError(err, 'IRC_CONFIG_INVALID')
      }
    }
    expect(codeOf('[irc]\nserver = a b\n')).toBe(true)
    expect(codeOf('[irc]\nserver = x\nport = abc\n')).toBe(true)
  })
})
