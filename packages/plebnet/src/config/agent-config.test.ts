import { describe, expect, it } from 'vitest'
import { agentOptionsFrom } from '../agent/adapters/ports-from-runtime.ts'
import { readAgentConfig } from './agent-config.ts'
import { setIniValue, parseIniText } from './ini.ts'

describe('plebnet_setup.cfg', () => {
  it('takes the original defaults when the file is empty', () => {
    const c = readAgentConfig('')
    expect(c.tickIntervalMs).toBe(300_000)
    expect(c.leaseMs).toBe(2_592_000_000)
    expect(c.sweepBeforeMs).toBe(3_600_000)
    expect(c.maxConsecutiveFailures).toBe(3)
    expect(c.btcGlobal).toBeUndefined()
    expect(c.world).toBeUndefined()
  })

  it('reads the world section and lets the environment override a key', () => {
    const text = [
      '[world]',
      'chain_backend = http://u:p@10.77.1.1:18443/',
      'providers = bluecloud=http://10.77.1.1:4001/,pulsevps=http://10.77.1.1:4003/',
      'time_scale = 3600',
      'epoch_real_ms = 1000',
      'epoch_world_ms = 2000',
    ].join('\n')
    const c = readAgentConfig(text, { PLEBNET_CFG_DAEMON_TICK_INTERVAL: '60' })
    expect(c.tickIntervalMs).toBe(60_000)
    expect(c.world?.shops.map((s) => s.name)).toEqual(['bluecloud', 'pulsevps'])
    expect(c.world?.timeScale).toEqual({ scale: 3600, epochRealMs: 1000, epochWorldMs: 2000 })
  })

  it('reads [qd] into the learning options the agent runs with, and names a bad value', () => {
    expect(readAgentConfig('').qd).toEqual({ trimF: 1, maxRemotes: 8, rewardCap: 1, selector: 'qtable' })
    const c = readAgentConfig('[qd]\ntrim_f = 0\nmax_remotes = 3\nreward_cap = 0.5\nselector = dna\n')
    expect(c.qd).toEqual({ trimF: 0, maxRemotes: 3, rewardCap: 0.5, selector: 'dna' })
    const options = agentOptionsFrom(c)
    expect(options.learn).toEqual({ trimF: 0, maxRemotes: 3, rewardCap: 0.5 })
    expect(options.selector).toBe('dna')
    for (const [key, value] of [
      ['trim_f', '9'],
      ['max_remotes', '0'],
      ['reward_cap', '0'],
      ['selector', 'roulette'],
    ] as const) {
      expect(() => readAgentConfig(`[qd]\n${key} = ${value}\n`)).toThrow(
        expect.objectContaining({
          code: 'LIFECYCLE_CONFIG_INVALID',
          message: expect.stringContaining(`qd.${key}`),
        }),
      )
    }
  })

  it('reads daemon.offer_refresh (default a day) as world time, at any time scale', () => {
    expect(readAgentConfig('').offerRefreshMs).toBe(86_400_000)
    expect(agentOptionsFrom({ ...readAgentConfig(''), btcGlobal: undefined }).offerRefreshMs).toBe(86_400_000)
    const world = [
      '[daemon]',
      'offer_refresh = 3600',
      '[world]',
      'chain_backend = http://u:p@10.77.1.1:18443/',
      'providers = bluecloud=http://10.77.1.1:4001/',
      'time_scale = 1440',
      'epoch_real_ms = 1000',
      'epoch_world_ms = 2000',
    ].join('\n')
    const c = readAgentConfig(world)
    // The tick is a real-time timer (scaled to world ms); the refresh is counted on the world clock.
    expect(agentOptionsFrom({ ...c, btcGlobal: undefined })).toMatchObject({
      offerRefreshMs: 3_600_000,
      sell: { tickMs: 300_000 * 1440 },
    })
    expect(() => readAgentConfig('[daemon]\noffer_refresh = daily\n')).toThrow(
      expect.objectContaining({
        code: 'LIFECYCLE_CONFIG_INVALID',
        message: expect.stringContaining('daemon.offer_refresh'),
      }),
    )
  })

  it('reads [strategy] order_timeout into the sell step (default 3600 s), and names a bad value', () => {
    expect(readAgentConfig('').orderTimeoutMs).toBe(3_600_000)
    const c = readAgentConfig('[strategy]\norder_timeout = 600\n')
    expect(agentOptionsFrom({ ...c, btcGlobal: undefined }).sell).toMatchObject({
      orderTimeoutMs: 600_000,
      tickMs: 300_000,
    })
    expect(() => readAgentConfig('[strategy]\norder_timeout = soon\n')).toThrow(
      expect.objectContaining({ code: 'LIFECYCLE_CONFIG_INVALID' }),
    )
  })

  it('names the key of an invalid value', () => {
    expect(() => readAgentConfig('[daemon]\ntick_interval = soon\n')).toThrow(/daemon\.tick_interval/)
    expect(() => readAgentConfig('[daemon]\ntick_interval = soon\n')).toThrow(
      expect.objectContaining({ code: 'LIFECYCLE_CONFIG_INVALID' }),
    )
  })

  it('refuses a world time scale of 0 or one too long for a double (Infinity), found by the fuzz suite', () => {
    const world = (scale: string): string =>
      [
        '[world]',
        'chain_backend = http://127.0.0.1:1',
        'providers = a=http://x',
        'epoch_real_ms = 1',
        'epoch_world_ms = 1',
        `time_scale = ${scale}`,
      ].join('\n')
    for (const scale of ['9'.repeat(309), '0', '0.0'])
      expect(() => readAgentConfig(world(scale)), scale).toThrow(
        expect.objectContaining({ code: 'LIFECYCLE_CONFIG_INVALID' }),
      )
    expect(readAgentConfig(world('0.5')).world?.timeScale.scale).toBe(0.5)
  })

  it('sets a key in place, keeping comments, and adds missing sections', () => {
    const text = '; mine\n[irc]\nnick = a\n\n[vps]\nhost = x\n'
    const next = setIniValue(setIniValue(text, 'irc', 'nick', 'b'), 'lease', 'time_alive', '60')
    expect(next).toContain('; mine')
    expect(parseIniText(next).get('irc')?.get('nick')).toBe('b')
    expect(parseIniText(next).get('lease')?.get('time_alive')).toBe('60')
    expect(parseIniText(next).get('vps')?.get('host')).toBe('x')
  })

  describe('real mode', () => {
    const code = expect.objectContaining({ code: 'LIFECYCLE_CONFIG_INVALID' })

    it('knows no chain, no providers and the mempool price API without any setting', () => {
      const c = readAgentConfig('')
      expect(c.chainBackend).toBeUndefined()
      expect(c.providers).toEqual([])
      expect(c.rates).toEqual({ kind: 'mempool', url: undefined })
    })

    it('reads the chain, a fixed rate and the providers by their cloudomate sections', () => {
      const c = readAgentConfig(
        [
          '[chain]',
          'backend = http://agent:pw@10.77.1.1:18443/',
          '[rates]',
          'source = fixed 1000',
          '[bitlaunch]',
          'url = http://10.77.1.1:9002/api',
          'create_account = 1',
          '[bluecloud]',
          'url = http://10.77.1.1:8001/',
          '[strategy]',
          'name = constant_sell',
        ].join('\n'),
      )
      expect(c.world).toBeUndefined()
      expect(c.chainBackend).toBe('http://agent:pw@10.77.1.1:18443/')
      expect(c.rates).toEqual({ kind: 'fixed', satsPerUsd: 1000n })
      expect(c.providers.map((p) => [p.name, Object.fromEntries(p.settings)])).toEqual([
        ['bitlaunch', { url: 'http://10.77.1.1:9002/api', create_account: '1' }],
        ['bluecloud', { url: 'http://10.77.1.1:8001/' }],
      ])
    })

    it('takes Esplora and Electrum backends, a mempool mirror, and the environment', () => {
      const c = readAgentConfig('[rates]\nsource = mempool https://mempool.example/api/v1/prices\n', {
        PLEBNET_CFG_CHAIN_BACKEND: 'esplora+https://blockstream.info/api/',
      })
      expect(c.chainBackend).toBe('esplora+https://blockstream.info/api/')
      expect(c.rates).toEqual({ kind: 'mempool', url: 'https://mempool.example/api/v1/prices' })
      expect(readAgentConfig('[chain]\nbackend = electrums://electrum.example:50002\n').chainBackend).toBe(
        'electrums://electrum.example:50002',
      )
    })

    it('lets [world] fill in the chain, the shops and the world rate, under explicit settings', () => {
      const world = [
        '[world]',
        'chain_backend = http://u:p@10.77.1.1:18443/',
        'providers = bluecloud=http://10.77.1.1:4001/,nosuchshop=http://10.77.1.1:4009/',
        'time_scale = 3600',
        'epoch_real_ms = 1000',
        'epoch_world_ms = 2000',
      ].join('\n')
      const c = readAgentConfig(world)
      expect(c.chainBackend).toBe('http://u:p@10.77.1.1:18443/')
      expect(c.rates).toEqual({ kind: 'fixed', satsPerUsd: 1000n })
      // A world name cloudomate has no driver for is no provider.
      expect(c.providers.map((p) => [p.name, p.settings.get('url')])).toEqual([
        ['bluecloud', 'http://10.77.1.1:4001/'],
      ])
      const own = readAgentConfig(
        `${world}\n[chain]\nbackend = http://a:b@10.0.0.1:1/\n[rates]\nsource = fixed 2000\n[bluecloud]\nurl = http://10.0.0.9/\n`,
      )
      expect(own.chainBackend).toBe('http://a:b@10.0.0.1:1/')
      expect(own.rates).toEqual({ kind: 'fixed', satsPerUsd: 2000n })
      expect(own.providers[0]?.settings.get('url')).toBe('http://10.0.0.9/')
    })

    it('refuses a bad chain URL, rate source or provider section with a coded error naming it', () => {
      const bad: readonly [string, RegExp][] = [
        ['[chain]\nbackend = ftp://x/\n', /chain\.backend/],
        ['[chain]\nbackend = 10.77.1.1:18443\n', /chain\.backend/],
        ['[chain]\nbackend = http://\n', /chain\.backend/],
        ['[rates]\nsource = fixed\n', /rates\.source/],
        ['[rates]\nsource = fixed 0\n', /rates\.source/],
        ['[rates]\nsource = fixed -5\n', /rates\.source/],
        ['[rates]\nsource = fixed 1000000000\n', /rates\.source/],
        ['[rates]\nsource = fixed 1000 extra\n', /rates\.source/],
        ['[rates]\nsource = mempool file:///etc/passwd\n', /rates\.source/],
        ['[rates]\nsource = coindesk\n', /rates\.source/],
        ['[bitlaunch]\nurl = http://10.0.0.1/api\n', /\[bitlaunch\] needs \[bitlaunch\] token/],
        ['[njalla]\nmonths = 1\n', /\[njalla\] needs \[njalla\] token/],
        ['[lunanode]\napi_id = x\n', /\[lunanode\] needs/],
        ['[bluecloud]\n', /\[bluecloud\] needs \[bluecloud\] url/],
        ['[bluecloud]\nurl = javascript:alert(1)\n', /\[bluecloud\] url/],
        ['[sporestack]\ndays = soon\n', /\[sporestack\] days/],
      ]
      for (const [text, message] of bad) {
        expect(() => readAgentConfig(text), text).toThrow(code)
        expect(() => readAgentConfig(text), text).toThrow(message)
      }
    })

    it('reads [tunnels] exit_networks as CIDRs and refuses a malformed one by code', () => {
      expect(readAgentConfig('').tunnelExitNetworks).toBeUndefined()
      const c = readAgentConfig('[tunnels]\nexit_networks = 10.99.0.0/16, 10.98.1.0/24\n')
      expect(c.tunnelExitNetworks).toEqual(['10.99.0.0/16', '10.98.1.0/24'])
      for (const text of [
        '[tunnels]\nexit_networks = 10.99.0.0/33\n',
        '[tunnels]\nexit_networks = example.org\n',
      ]) {
        expect(() => readAgentConfig(text), text).toThrow(code)
        expect(() => readAgentConfig(text), text).toThrow(/tunnels\.exit_networks/)
      }
    })

    it('reads [tunnels] payout_rule (default fair) and refuses an unknown rule by code', () => {
      expect(readAgentConfig('').tunnelPayoutRule).toBe('fair')
      for (const rule of ['fair', '2017', '2021'] as const)
        expect(readAgentConfig(`[tunnels]\npayout_rule = ${rule}\n`).tunnelPayoutRule).toBe(rule)
      for (const text of ['[tunnels]\npayout_rule = 2019\n', '[tunnels]\npayout_rule = FAIR\n']) {
        expect(() => readAgentConfig(text), text).toThrow(code)
        expect(() => readAgentConfig(text), text).toThrow(/tunnels\.payout_rule/)
      }
    })

    it('reads [market] enabled: 1 by default in a world, 0 elsewhere, and refuses anything but 0 or 1', () => {
      const world =
        '[world]\nchain_backend = http://u:p@10.77.1.1:18443/\nproviders = bluecloud=http://10.77.1.1:4001/\ntime_scale = 60\nepoch_real_ms = 1000\nepoch_world_ms = 2000\n'
      expect(readAgentConfig('').marketEnabled).toBe(false)
      expect(readAgentConfig(world).marketEnabled).toBe(true)
      expect(readAgentConfig(`${world}[market]\nenabled = 0\n`).marketEnabled).toBe(false)
      expect(readAgentConfig('[market]\nenabled = 1\n').marketEnabled).toBe(true)
      for (const text of ['[market]\nenabled = yes\n', '[market]\nenabled = 2\n'])
        expect(() => readAgentConfig(text), text).toThrow(/market\.enabled/)
    })
  })
})
