import { describe, expect, it } from 'vitest'
import { createSeededRng } from '@dolly/base'
import { connected, handleLine, qtablesSuffixOf, type IrcProtocolOptions } from './irc-protocol.ts'

const options: IrcProtocolOptions = { channel: '#plebnet123', nickDef: 'plebbot', qtablesSuffix: '4521' }
const start = connected('plebbot4521')

describe('the line handling of AGENT.md §11', () => {
  it('registers with NICK, then USER with the original gecos', () => {
    expect(start.actions).toEqual([
      { kind: 'send', line: 'NICK plebbot4521' },
      { kind: 'send', line: 'USER plebbot4521 plebbot4521 plebbot4521 : Plebbot version 2.15' },
    ])
  })

  it('answers PING x with PONG x', () => {
    const step = handleLine(start.state, 'PING :irc.world', options, createSeededRng('a'))
    expect(step.actions).toEqual([{ kind: 'send', line: 'PONG :irc.world' }])
  })

  it('takes nick_def + 1000..10000 on 433, persists it and registers again', () => {
    const rng = createSeededRng('collide')
    const step = handleLine(
      start.state,
      ':irc.world 433 * plebbot4521 :Nickname already in use',
      options,
      rng,
    )
    const nick = step.state.nick
    expect(nick).toMatch(/^plebbot\d{4,5}$/)
    const n = Number(nick.slice('plebbot'.length))
    expect(n >= 1000 && n <= 10000).toBe(true)
    expect(step.actions).toEqual([
      { kind: 'nick', nick },
      { kind: 'send', line: `NICK ${nick}` },
      { kind: 'send', line: `USER ${nick} ${nick} ${nick} : Plebbot version 2.15` },
    ])
    // Another client's 433 (a different nick) is not ours.
    expect(handleLine(step.state, ':s 433 * plebbot4521 :in use', options, rng).actions).toEqual([])
  })

  it('draws collision nicks over the whole 1000..10000 range, both ends', () => {
    const seen = new Set<number>()
    const rng = createSeededRng('range')
    for (let i = 0; i < 200_000 && seen.size < 9001; i++) {
      const step = handleLine({ nick: 'x', joined: false }, ':s 433 * x :in use', options, rng)
      seen.add(Number(step.state.nick.slice(7)))
    }
    expect(Math.min(...seen)).toBe(1000)
    expect(Math.max(...seen)).toBe(10000)
  })

  it('joins once after the end of the MOTD (376) or no MOTD (422)', () => {
    const rng = createSeededRng('b')
    for (const numeric of ['376', '422']) {
      const step = handleLine(start.state, `:irc.world ${numeric} plebbot4521 :End of MOTD`, options, rng)
      expect(step.actions).toEqual([{ kind: 'send', line: 'JOIN #plebnet123' }, { kind: 'joined' }])
      expect(
        handleLine(step.state, `:irc.world ${numeric} plebbot4521 :again`, options, rng).actions,
      ).toEqual([])
    }
    expect(handleLine(start.state, ':irc.world 375 plebbot4521 :- MOTD', options, rng).actions).toEqual([])
  })

  it('dispatches on word 3 of a PRIVMSG, with the sender nick', () => {
    const rng = createSeededRng('c')
    const joined = { nick: 'plebbot4521', joined: true }
    expect(
      handleLine(joined, ':watcher!w@10.0.0.1 PRIVMSG #plebnet123 :!general', options, rng).actions,
    ).toEqual([{ kind: 'command', command: 'general', from: 'watcher' }])
    expect(handleLine(joined, ':w!w@h PRIVMSG #plebnet123 :!qtables4521', options, rng).actions).toEqual([
      { kind: 'command', command: 'qtables', from: 'w' },
    ])
    for (const ignored of [
      ':w!w@h PRIVMSG #plebnet123 :hello !general',
      ':w!w@h PRIVMSG #plebnet123 :!nosuch',
      ':w!w@h PRIVMSG #plebnet123 :!qtables1',
      ':w!w@h NOTICE #plebnet123 :!general',
      ':w!w@h PRIVMSG #plebnet123  :!general',
      'garbage',
      '',
    ])
      expect(handleLine(joined, ignored, options, rng).actions, ignored).toEqual([])
  })

  it('reads the !qtables number from the startup nick', () => {
    expect(qtablesSuffixOf('plebbot4521', 'plebbot')).toBe('4521')
    expect(qtablesSuffixOf('plebbot', 'plebbot')).toBe('')
    expect(qtablesSuffixOf('dolly.0', 'plebbot')).toBe('')
  })
})
