import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLogger, createSeededRng, createVirtualClock } from '@dolly/base'
import { readAgentConfig } from '../../config/agent-config.ts'
import { openAgentRuntime, rateSourceOf, vpsDriversOf } from './agent-runtime.ts'

const WORLD = [
  '[world]',
  'chain_backend = http://u:p@10.77.1.1:18443/',
  'providers = bluecloud=http://10.77.1.1:4001/',
  'time_scale = 3600',
  'epoch_real_ms = 1000',
  'epoch_world_ms = 2000',
].join('\n')

describe('the agent runtime from its config', () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    dir = undefined
  })

  it('builds drivers only for the providers the config names, through cloudomate’s registry', () => {
    const drivers = vpsDriversOf(
      readAgentConfig(
        '[bitlaunch]\nurl = http://10.0.0.1/api\ntoken = tok12345\n[sporestack]\n[crownhost]\nurl = http://10.0.0.2/\n',
      ),
    )
    expect([...drivers.keys()].sort()).toEqual(['bitlaunch', 'crownhost', 'sporestack'])
    expect(drivers.get('bitlaunch')?.kind).toBe('api')
    expect(drivers.get('crownhost')?.kind).toBe('whmcs')
    expect(vpsDriversOf(readAgentConfig('')).size).toBe(0)
  })

  it('gives a world agent the same drivers from its [world] URLs as a real-mode agent from its sections', () => {
    const world = vpsDriversOf(readAgentConfig(WORLD))
    const real = vpsDriversOf(readAgentConfig('[bluecloud]\nurl = http://10.77.1.1:4001/\n'))
    expect([...world.keys()]).toEqual(['bluecloud'])
    expect([...real.keys()]).toEqual(['bluecloud'])
    expect(world.get('bluecloud')?.gatewayFeePercent).toBe(real.get('bluecloud')?.gatewayFeePercent)
  })

  it('prices with the configured fixed rate, and refuses other currencies with a coded error', async () => {
    const clock = createVirtualClock(5_000)
    const rates = rateSourceOf({ kind: 'fixed', satsPerUsd: 1234n }, clock)
    expect(await rates.rate('USD')).toEqual({ satsPerUnit: 1234n, atMs: 5_000 })
    await expect(rates.rate('EUR')).rejects.toMatchObject({ code: 'CLOUDOMATE_SETTINGS_INVALID' })
  })

  it('refuses to open without a chain backend, naming the settings', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-runtime-'))
    await writeFile(join(dir, 'plebnet_setup.cfg'), '[bluecloud]\nurl = http://10.0.0.1/\n')
    const open = openAgentRuntime({ rng: createSeededRng('rt'), log: createMemoryLogger(), env: {} }, dir)
    await expect(open).rejects.toMatchObject({ code: 'LIFECYCLE_NOT_SET_UP' })
    await expect(
      openAgentRuntime({ rng: createSeededRng('rt'), log: createMemoryLogger(), env: {} }, dir),
    ).rejects.toThrow(/\[chain\] backend/)
  })
})
