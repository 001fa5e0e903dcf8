import { describe, expect, it } from 'vitest'
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
})
