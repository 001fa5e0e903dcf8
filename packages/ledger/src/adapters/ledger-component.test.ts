import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNullLogger, createSeededRng, createVirtualClock } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity } from '@dolly/base'
import { BYTES_PER_MB } from '../constants.ts'
import { createLedger } from '../ledger.ts'
import { createLedgerProtocol } from '../protocol/ledger-protocol.ts'
import { createLedgerComponent } from './ledger-component.ts'
import { createMemoryNetwork } from './memory-transport.ts'
import { openSqliteLedgerStore } from './sqlite-store.ts'

const MiB = BYTES_PER_MB
const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

describe('the daemon\u2019s ledger component', () => {
  it('refuses every proposal until something is expected, then agrees exactly to what is', async () => {
    const home = await mkdtemp(join(tmpdir(), 'dolly-ledger-component-'))
    dirs.push(home)
    const clock = createVirtualClock(1_700_000_000_000)
    const network = createMemoryNetwork()
    const agent = generateIdentity(createSeededRng('component-agent'))
    const component = createLedgerComponent(
      {
        clock,
        log: createNullLogger(),
        identity: agent,
        transport: () => network.transport(agent.publicKey),
      },
      { home },
    )
    await component.start()
    const peer = generateIdentity(createSeededRng('component-peer'))
    const peerStore = openSqliteLedgerStore(':memory:')
    const peerProtocol = createLedgerProtocol({
      ledger: createLedger({ store: peerStore, signer: peer, clock }),
      store: peerStore,
      transport: network.transport(peer.publicKey),
      clock,
    })
    // The peer answers crawls: its refused first proposal stays in its chain, so the agent fetches it
    // to validate the second.
    peerProtocol.start()
    try {
      expect(await peerProtocol.transact(agent.publicKey, 0n, 3n * MiB)).toMatchObject({
        ok: false,
        code: 'LEDGER_PROPOSAL_UNEXPECTED',
      })
      expect(
        component.expectations.expect(peer.publicKey, { ref: 'sale', upBytes: 3n * MiB, downBytes: 0n }).ok,
      ).toBe(true)
      expect(await peerProtocol.transact(agent.publicKey, 0n, 3n * MiB)).toMatchObject({ ok: true })
      expect(component.protocol()?.stats()).toMatchObject({
        agreed: 1,
        refused: { LEDGER_PROPOSAL_UNEXPECTED: 1 },
      })
    } finally {
      peerProtocol.stop()
      await component.stop()
      peerStore.close()
    }
  })
})
