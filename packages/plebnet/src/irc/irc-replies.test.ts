import { describe, expect, it } from 'vitest'
import { isDollyError } from './test-helpers.ts'
import { commandOf, errorLine, heartbeatLine, replyTo, type IrcSnapshot } from './irc-replies.ts'
import { pyFloat, pyStr } from './python-repr.ts'
import { qtableRows } from './qtable-rows.ts'

const MB = 2n ** 20n
const DAY = 86_400_000

const snapshot: IrcSnapshot = {
  initDate: '14:03:07 03-12-2026',
  mbWallet: 'ab'.repeat(32),
  coinWallet: 'rltc1qexampleaddress',
  testnet: false,
  mbBalanceBytes: 1536n * MB,
  coinSats: 123_456n,
  matchmakers: 3,
  uploadedBytes: 10n * MB + MB / 2n,
  downloadedBytes: 0n,
  helped: 4,
  helpedBy: 2,
  general: { host: 'linevast', option: 'Basic', vpn: true, tree: 'dolly.0.1', exitnode: false },
  life: { leaseRemainingMs: 2 * DAY + 3_723_000, nextChildDays: 1.25 },
  qtable: {
    offers: ['linevast_basic', 'linevast_pro', 'twosync_small'],
    q: [
      [0, 0.5, -1],
      [1e-5, 2, 0.125],
      [100, 0, 1 / 3],
    ],
  },
}

const line = (command: Parameters<typeof replyTo>[0], s: IrcSnapshot = snapshot, uptimeMs = 0): string => {
  const reply = replyTo(command, s, uptimeMs)
  expect(reply.lines).toHaveLength(1)
  return reply.lines[0] ?? ''
}

describe('the replies of AGENT.md §11, byte-exact', () => {
  it('answers every command of the table with its exact text', () => {
    expect(line('alive', snapshot, 3 * DAY + 3_600_000 + 62_000)).toBe('I am alive, for 3 days + 01:01:02')
    expect(line('alive', snapshot, 5_000)).toBe('I am alive, for 0 days + 00:00:05')
    expect(line('init')).toBe('My init date is: 14:03:07 03-12-2026')
    expect(line('joke')).toBe(
      'Q: Why did the hipster burn his tongue? A: He ate the pizza before it was cool.',
    )
    expect(line('MB_wallet')).toBe(`My MB wallet is: ${'ab'.repeat(32)}`)
    expect(line('BTC_wallet')).toBe('My BTC wallet is: rltc1qexampleaddress')
    expect(line('TBTC_wallet')).toBe('No TBTC wallet found')
    expect(line('MB_balance')).toBe('My MB balance is: 1536.00')
    expect(line('BTC_balance')).toBe('My BTC balance is:  0.00123456')
    expect(line('TBTC_balance')).toBe('My TBTC balance is: 0.00000000')
    expect(line('matchmakers')).toBe('I currently have: 3 matchmakers')
    expect(line('uploaded')).toBe('I currently have uploaded: 10.50 MB')
    expect(line('downloaded')).toBe('I currently have downloaded: 0.00 MB')
    expect(line('helped')).toBe('I currently have helped: 4 peers')
    expect(line('helped_by')).toBe('I am currently helped by: 2 peers')
    expect(line('general')).toBe(
      "general: {'host': 'linevast', 'option': 'Basic', 'vpn': True, 'tree': 'dolly.0.1', 'exitnode': False}",
    )
    expect(line('life')).toBe('My lease ends in 2 days + 01:02:03; next child in 1.3 days')
  })

  it('keeps the two spaces after "BTC balance is:" where the tracker reads words[8]', () => {
    const words = `:bot!u@h PRIVMSG #c :${line('BTC_balance')}`.split(' ')
    expect(words[8]).toBe('0.00123456')
    const mb = `:bot!u@h PRIVMSG #c :${line('MB_balance')}`.split(' ')
    expect(mb[7]).toBe('1536.00')
  })

  it('answers for a testnet agent with its TBTC wallet and balance', () => {
    const t = { ...snapshot, testnet: true }
    expect(line('TBTC_wallet', t)).toBe('My TBTC wallet is: rltc1qexampleaddress')
    expect(line('BTC_wallet', t)).toBe('No BTC wallet found')
    expect(line('TBTC_balance', t)).toBe('My TBTC balance is: 0.00123456')
    expect(line('BTC_balance', t)).toBe('My BTC balance is:  0.00000000')
  })

  it('says what it does not know instead of inventing a figure', () => {
    const none: IrcSnapshot = {
      ...snapshot,
      mbWallet: null,
      coinWallet: null,
      mbBalanceBytes: null,
      coinSats: null,
      uploadedBytes: null,
      helped: null,
      life: null,
      qtable: null,
    }
    expect(line('MB_wallet', none)).toBe('No MB wallet found')
    expect(line('BTC_wallet', none)).toBe('No BTC wallet found')
    expect(line('MB_balance', none)).toBe('My MB balance is: unknown')
    expect(line('BTC_balance', none)).toBe('My BTC balance is:  unknown')
    expect(line('uploaded', none)).toBe('I currently have uploaded: unknown MB')
    expect(line('helped', none)).toBe('I currently have helped: unknown peers')
    expect(line('life', none)).toBe('My lease end is not known yet')
    expect(line('qtables', none)).toBe('No Q-table yet')
  })

  it('answers !life with never, or unknown without a price, per §15', () => {
    const never = { ...snapshot, life: { leaseRemainingMs: 10 * DAY, nextChildDays: null } }
    expect(line('life', never)).toBe('My lease ends in 10 days + 00:00:00; next child: never')
    const unknown = { ...snapshot, life: { leaseRemainingMs: 59_999, nextChildDays: 'unknown' as const } }
    expect(line('life', unknown)).toBe('My lease ends in 0 days + 00:00:59; next child: unknown')
  })

  it('!error replies, then hands back its exception', () => {
    const reply = replyTo('error', snapshot, 0)
    expect(reply.lines).toEqual(['Let me create an error ...'])
    expect(isDollyError(reply.error, 'IRC_TEST_ERROR')).toBe(true)
  })

  it('writes the Q-table rows with provider-counter labels, str(float) cells and 20-wide columns, 3 s apart', () => {
    const reply = replyTo('qtables', snapshot, 0)
    expect(reply.gapMs).toBe(3_000)
    const pad = (s: string): string => s.padEnd(20)
    expect(reply.lines).toEqual([
      [pad('-'), pad('linevast1'), pad('linevast2'), 'twosync1'].join(' '),
      [pad('linevast1'), pad('0.0'), pad('0.5'), '-1.0'].join(' '),
      [pad('linevast2'), pad('1e-05'), pad('2.0'), '0.125'].join(' '),
      [pad('twosync1'), pad('100.0'), pad('0.0'), '0.3333333333333333'].join(' '),
    ])
  })

  it('widens a column to its label plus two', () => {
    const rows = qtableRows({ offers: ['averyveryverylongprovider_x'], q: [[1]] })
    expect(rows[0]).toBe(`${'-'.padEnd(28)} averyveryverylongprovider1`)
    expect(rows[1]).toBe(`${'averyveryverylongprovider1'.padEnd(28)} 1.0`)
  })

  it('matches the commands exactly, !qtables only with the nick number', () => {
    expect(commandOf('general', '4521')).toBe('general')
    expect(commandOf('General', '4521')).toBeUndefined()
    expect(commandOf('trackers', '4521')).toBeUndefined()
    expect(commandOf('qtables4521', '4521')).toBe('qtables')
    expect(commandOf('qtables1234', '4521')).toBeUndefined()
  })

  it('formats the heartbeat and the error line on one line', () => {
    expect(heartbeatLine(26 * 3_600_000 + 61_000)).toBe('IRC is still running - alive for 26:01:01')
    expect(errorLine('IRCbot', 'boom\r\nPRIVMSG #x :injected')).toBe(
      'A error occurred in IRCbot boom PRIVMSG #x :injected',
    )
  })
})

describe('Python reprs', () => {
  it('writes floats as Python 3 str() does', () => {
    const cases: Array<[number, string]> = [
      [0, '0.0'],
      [-0, '-0.0'],
      [1, '1.0'],
      [-2.5, '-2.5'],
      [0.1, '0.1'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [1e16, '1e+16'],
      [123456789012345.6, '123456789012345.6'],
      [1e15, '1000000000000000.0'],
      [1 / 3, '0.3333333333333333'],
    ]
    for (const [value, text] of cases) expect(pyFloat(value), String(value)).toBe(text)
  })

  it('quotes strings as Python repr does', () => {
    expect(pyStr('linevast')).toBe("'linevast'")
    expect(pyStr("it's")).toBe('"it\'s"')
    expect(pyStr('a\'b"c')).toBe("'a\\'b\"c'")
    expect(pyStr('back\\slash\n')).toBe("'back\\\\slash\\n'")
  })
})
