import { describe, expect, it } from 'vitest'
import {
  effectiveIni,
  postcardConfigOf,
  readAgentConfig,
  readIrcConfig,
  reporterConfigOf,
} from '@dolly/plebnet'
import type { WorldState } from '../runtime/world-state.ts'
import { genesisConfigText } from './genesis-config.ts'

const STATE: WorldState = {
  version: 1,
  pid: 1,
  startedAtRealMs: 1000,
  timeScale: { scale: 3600, epochRealMs: 1000, epochWorldMs: 1000 },
  blockIntervalWorldMs: 600_000,
  chain: {
    rpcUrl: 'http://127.0.0.1:1/',
    rpcUser: 'u',
    rpcPassword: 'admin-secret',
    agentRpcUser: 'agent',
    agentRpcPassword: 'p w',
    dataDir: '/x',
    pid: 2,
  },
  controlUrl: 'http://127.0.0.1:2/',
  providers: [
    { name: 'bluecloud', kind: 'whmcs', url: 'http://10.77.1.1:4001/' },
    { name: 'sporestack', kind: 'sporestack', url: 'http://10.77.1.1:4005/' },
  ],
  network: {
    bridge: 'dollybr1',
    gatewayIp: '10.77.1.1',
    subnetCidr: '10.77.1.0/24',
    internetIp: '10.78.1.1',
    hostRpcUrl: 'http://10.77.1.1:18443/',
  },
}

describe('the family config genesis writes', () => {
  it('points every agent’s IRC bot at the world’s server and channel (issue 18)', () => {
    const irc = { host: '10.77.1.1', localHost: '127.0.0.1', port: 40123, channel: '#plebnet123', pid: 9 }
    const config = readIrcConfig(genesisConfigText({ ...STATE, irc }, { walletPassword: 'pw' }) ?? '')
    expect(config).toMatchObject({
      server: '10.77.1.1',
      port: 40123,
      channel: '#plebnet123',
      nickDef: 'plebbot',
      // The genesis agent's `!general` names the operator's host, as the census does, not the
      // config default (linevast/Basic) it said before.
      bootstrapState: 'operator/genesis',
    })
    // A world without an IRC server leaves the bot off.
    expect(readIrcConfig(genesisConfigText(STATE, { walletPassword: 'pw' }) ?? '')).toBeUndefined()
  })

  it('is read back by the agent as the world’s chain, WHMCS shops and clock', () => {
    const text = genesisConfigText(STATE, { walletPassword: 'pw', leaseS: 600 })
    const config = readAgentConfig(text ?? '')
    expect(config.world?.chainBackend).toBe('http://agent:p%20w@10.77.1.1:18443/')
    expect(config.world?.shops).toEqual([{ name: 'bluecloud', url: 'http://10.77.1.1:4001/' }])
    expect(config.world?.timeScale).toEqual(STATE.timeScale)
    expect(config.leaseMs).toBe(600_000)
    // The same settings a real-mode agent writes by hand: one code path builds its drivers.
    expect(config.chainBackend).toBe('http://agent:p%20w@10.77.1.1:18443/')
    expect(config.rates).toEqual({ kind: 'fixed', satsPerUsd: 1000n })
    expect(config.providers.map((p) => [p.name, p.settings.get('url')])).toEqual([
      ['bluecloud', 'http://10.77.1.1:4001/'],
    ])
  })

  it("gives agents the chain's restricted agents' user, never its admin password", () => {
    const text = genesisConfigText(STATE, { walletPassword: 'pw' }) ?? ''
    expect(text).not.toContain('admin-secret')
    const { agentRpcUser: _u, agentRpcPassword: _p, ...olderChain } = STATE.chain
    expect(() => genesisConfigText({ ...STATE, chain: olderChain }, { walletPassword: 'pw' })).toThrow(
      expect.objectContaining({ code: 'WORLD_GENESIS_INVALID' }),
    )
  })

  it("makes the world's content network the family's only exit network", () => {
    const content = {
      bridge: 'dollycbr1',
      subnetCidr: '10.79.1.0/24',
      serverIp: '10.79.1.1',
      httpUrl: 'http://10.79.1.1:80/',
      udpEcho: '10.79.1.1:7',
      files: [{ name: '1MiB.bin', bytes: 1_048_576 }],
    }
    const config = readAgentConfig(genesisConfigText({ ...STATE, content }, { walletPassword: 'pw' }) ?? '')
    expect(config.tunnelExitNetworks).toEqual(['10.79.1.0/24'])
    // Without a content network no exit network is written: such a world agent does not exit.
    expect(readAgentConfig(genesisConfigText(STATE, { walletPassword: 'pw' }) ?? '').tunnelExitNetworks).toBe(
      undefined,
    )
  })

  it("points every agent's postcards at the world's mail sink and its error reports at its tracker", () => {
    const text =
      genesisConfigText(
        {
          ...STATE,
          mail: { host: '10.77.1.1', port: 2525, dir: '/w/mail' },
          issues: {
            url: 'http://10.77.1.1:4100',
            owner: 'dollynator',
            repo: 'dollynator',
            token: 'tok123',
            dir: '/w/issues',
          },
        },
        { walletPassword: 'pw' },
      ) ?? ''
    const ini = effectiveIni(text, {})
    expect(postcardConfigOf(ini)).toMatchObject({
      active: true,
      smtpHost: '10.77.1.1',
      smtpPort: 2525,
      to: 'operator@world.test',
      includeSecrets: false,
    })
    expect(reporterConfigOf(ini)).toEqual({
      active: true,
      apiUrl: 'http://10.77.1.1:4100',
      owner: 'dollynator',
      repo: 'dollynator',
      token: 'tok123',
      maxIssuesPerDay: 5,
    })
    // Children get the sink's and tracker's settings only through share_secrets (AGENT.md §4).
    expect(ini.get('install')?.get('share_secrets')).toBe('1')
    expect(readAgentConfig(text).leaseMs).toBe(2_592_000_000)
    // Without them (an older world.json) nothing of the kind is written.
    expect(genesisConfigText(STATE, { walletPassword: 'pw' })).not.toContain('[postcard]')
  })

  it('is undefined for a world without hosts', () => {
    const { network: _network, ...chainOnly } = STATE
    expect(genesisConfigText(chainOnly, { walletPassword: 'pw' })).toBeUndefined()
  })
})
