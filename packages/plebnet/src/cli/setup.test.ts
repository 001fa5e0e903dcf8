import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSeededRng, createVirtualClock, writeFileAtomic } from '@dolly/base'
import { exportChildKey, mnemonicToRoot, networkParams, readKeystoreFile } from '@dolly/wallet'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createRootGenome } from '@dolly/learning'
import { buildChildPayload, serializeChildPayload } from '../replication/payload.ts'

import type { ServicePlan } from '../daemon/service-files.ts'
import { runSetup, type SetupDeps } from './setup.ts'

const MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art'

const PARENT_ADDRESS = 'rltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kz5j4kq'

describe('plebnet setup', () => {
  let home: string
  const plans: ServicePlan[] = []
  const deps = (): SetupDeps => ({
    clock: createVirtualClock(1_700_000_000_000),
    rng: createSeededRng('setup'),
    env: { HOME: '/root' },
    kdf: { n: 1024, r: 8, p: 1 },
    installService: async (plan) => {
      plans.push(plan)
      return { kind: 'cron-watchdog', changed: true }
    },
  })

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'plebnet-setup-'))
    plans.length = 0
  })
  afterEach(async () => rm(home, { recursive: true, force: true }))

  it("consumes the parent's payload: tree, parent, wallet from the family key, then deletes the plaintext key", async () => {
    const params = networkParams('world')
    const parentRoot = mnemonicToRoot(MNEMONIC, params)
    const parent = { publicKey: 'a'.repeat(64), tree: 'genesis', host: '10.77.1.2', statusPort: 8480 }
    const payload = buildChildPayload(
      {
        index: 2,
        parentTree: 'genesis',
        parentContact: parent,
        parentContacts: [],
        parentGenome: createRootGenome({ providers: [], version: '0.1.0', exitNode: false }),
        parentQTable: null,
        parentConfig: '',
        runningVersion: '0.1.0',
        state: { provider: 'bluecloud', option: 'Starter' },
        purchase: {
          txid: 'c'.repeat(64),
          provider: 'bluecloud',
          option: 'Starter',
          priceSats: '12000',
          boughtAtS: 1_700_000_000,
        },
        leaseEndS: 1_702_592_000,
        parentAddress: PARENT_ADDRESS,
        walletKey: exportChildKey(parentRoot, params, 'genesis', 2),
        testnet: false,
      },
      createSeededRng(9),
    )
    await writeFileAtomic(
      join(home, 'child_payload', 'payload.json'),
      JSON.stringify(serializeChildPayload(payload)),
      { mode: 0o600, dirMode: 0o700 },
    )
    const result = await runSetup(deps(), { home, testnet: false, exitNode: false, service: true })
    expect(result).toMatchObject({
      tree: 'genesis.2',
      origin: 'payload',
      wallet: 'created',
      service: 'cron-watchdog',
    })
    expect((await readKeystoreFile(join(home, 'wallet.json'))).tree).toBe('genesis.2')
    await expect(stat(join(home, 'child_payload', 'payload.json'))).rejects.toMatchObject({ code: 'ENOENT' })
    // What the parent knows of the server and of itself: the lease end its shop states, the offer, the heir address.
    expect(JSON.parse(await readFile(join(home, 'agent.json'), 'utf8'))).toMatchObject({
      tree: 'genesis.2',
      parent,
      parentAddress: PARENT_ADDRESS,
      leaseEndMs: 1_702_592_000_000,
      selfState: { provider: 'bluecloud', option: 'Starter' },
      // The money invested in this server, for the learning reward.
      selfPriceSats: '12000',
    })
    expect((await stat(join(home, 'agent.json'))).mode & 0o777).toBe(0o600)
    expect(plans[0]).toMatchObject({
      home,
      logPath: '/root/plebnet.log',
      watchdogPath: '/opt/plebnet/watchdog.sh',
    })

    // Idempotent: a second run keeps identity, tree and wallet.
    const again = await runSetup(deps(), { home, testnet: false, exitNode: false, service: false })
    expect(again).toMatchObject({
      tree: 'genesis.2',
      origin: 'existing',
      wallet: 'existing',
      publicKey: result.publicKey,
    })
  })

  it('makes a root agent without a payload, with the given tree name', async () => {
    const result = await runSetup(deps(), {
      home,
      testnet: true,
      exitNode: true,
      tree: 'genesis',
      service: false,
    })
    expect(result).toMatchObject({ tree: 'genesis', origin: 'root', wallet: 'none', service: 'skipped' })
    expect(JSON.parse(await readFile(join(home, 'genome.json'), 'utf8'))).toMatchObject({ exitNode: true })
    expect(plans).toEqual([])
  })
})
