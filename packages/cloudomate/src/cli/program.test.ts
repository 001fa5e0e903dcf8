import { createMemoryLogger, createSeededRng, createVirtualClock, runCli } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { CloudomateError } from '../errors.ts'
import { CLOUDOMATE_CLI_EXIT_STATUS } from './exit-status.ts'
import { createHttpSession } from '../http/session.ts'
import { createMemoryAccountStore } from '../purchase/accounts.ts'
import { createMemoryJournalStore } from '../purchase/journal.ts'
import { createVpsRegistry } from '../providers/registry.ts'
import { createFixedRateSource } from '../rates.ts'
import type { CloudomateCliEnv } from './env.ts'
import { buildCloudomateProgram } from './program.ts'

function cli(config = '') {
  const clock = createVirtualClock(1_700_000_000_000)
  const rng = createSeededRng('cli')
  const out: string[] = []
  const err: string[] = []
  const journal = createMemoryJournalStore()
  const accounts = createMemoryAccountStore()
  const env: CloudomateCliEnv = {
    defaultHome: '/nonexistent/cloudomate',
    clock,
    rng,
    log: createMemoryLogger(),
    readText: async (path) => (path.endsWith('cloudomate.cfg') ? config : undefined),
    writeSecretFile: async () => undefined,
    newSession: () =>
      createHttpSession(
        { send: async () => Promise.reject(new Error('offline')), clock, rng },
        { minIntervalMs: 0 },
      ),
    journal: () => journal,
    accounts: () => accounts,
    openWallet: async () => {
      throw new CloudomateError('CLOUDOMATE_SETTINGS_INVALID', 'no wallet in this test', {})
    },
    rates: () => createFixedRateSource(clock, { USD: 1000n }),
    confirm: async () => false,
    registry: (ini) => createVpsRegistry(ini),
    ssh: {
      exec: async () => ({ stdout: '', exitCode: 0 }),
      setRootPassword: async () => undefined,
      interactive: async () => 0,
    },
  }
  const run = async (...args: string[]) => {
    out.length = 0
    err.length = 0
    const exit: { code?: number } = {}
    const code = await runCli(
      buildCloudomateProgram({ out: (t) => out.push(t), err: (t) => err.push(t) }, env, exit),
      args,
      {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
      },
      CLOUDOMATE_CLI_EXIT_STATUS,
    )
    return { code: exit.code ?? code, out: out.join(''), err: err.join('') }
  }
  return { run }
}

describe('cloudomate CLI', () => {
  it('lists the providers in the original format', async () => {
    const { run } = cli('[bluecloud]\nurl = http://10.77.0.1:8080\n')
    const r = await run('vps', 'list')
    expect(r.code).toBe(0)
    expect(r.out).toMatchInlineSnapshot(`
      "Providers:
         bluecloud      world: BlueCloud Hosting
         crownhost      world: CrownHost               (needs [crownhost] url)
         pulsevps       world: Pulse VPS               (needs [pulsevps] url)
         twosync        world: TwoSync                 (needs [twosync] url)
         sporestack     https://sporestack.com
         bitlaunch      https://bitlaunch.io           (needs [bitlaunch] token)
         njalla         https://njal.la                (needs [njalla] token)
         lunanode       https://www.lunanode.com       (needs [lunanode] api_id, api_key)
         qhoster        https://www.qhoster.com
         linevast       https://linevast.de            (disabled)
         blueangelhost  https://www.blueangelhost.com  (disabled)
         ccihosting     https://www.ccihosting.com     (disabled)
         crowncloud     https://crowncloud.net         (disabled)
         orangewebsite  https://www.orangewebsite.com  (disabled)
         undergroundprivate https://undergroundprivate.com (disabled)"
    `)
  })

  it('exits 2 for an unknown provider, a provider without its URL, and an unknown command', async () => {
    const { run } = cli()
    expect((await run('vps', 'options', 'nosuch')).code).toBe(2)
    const noUrl = await run('vps', 'options', 'BlueCloud')
    expect(noUrl.code).toBe(2)
    expect(noUrl.err).toContain('bluecloud needs [bluecloud] url')
    expect((await run('vps', 'frobnicate')).code).toBe(2)
  })

  it('exits 2 for getip at a shop without its URL, and lists the VPN providers', async () => {
    const { run } = cli()
    expect((await run('vps', 'getip', 'bluecloud')).code).toBe(2)
    expect((await run('vpn', 'list')).out).toContain('mullvad')
    expect((await run('vpn', 'list')).out).toContain(
      'azirevpn       https://www.azirevpn.com       (needs [azirevpn] token)',
    )
    expect((await run('vps', 'status')).out).toBe('No purchases.')
  })

  it('registers njalla, lunanode and azirevpn, each needing its credentials', async () => {
    const bare = cli()
    const njalla = await bare.run('vps', 'options', 'njalla')
    expect(njalla.code).toBe(2)
    expect(njalla.err).toContain('njalla needs [njalla] token')
    expect((await bare.run('vps', 'options', 'lunanode')).err).toContain('[lunanode] api_id, api_key')
    const configured = cli(
      '[njalla]\ntoken = T\n[lunanode]\napi_id = a\napi_key = b\n[azirevpn]\ntoken = T\n',
    )
    const list = await configured.run('--json', 'vps', 'list')
    const rows = JSON.parse(list.out) as { name: string; usable: boolean }[]
    expect(rows.filter((r) => r.name === 'njalla' || r.name === 'lunanode')).toEqual([
      expect.objectContaining({ name: 'njalla', usable: true }),
      expect.objectContaining({ name: 'lunanode', usable: true }),
    ])
    expect((await configured.run('vpn', 'list')).out).not.toContain('needs [azirevpn] token')
    // Configured, but offline in this test: the driver reaches the network and fails with exit 1.
    expect((await configured.run('vps', 'options', 'njalla')).code).toBe(1)
  })
})
