import { createNullLogger, createSeededRng, generateIdentity } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { startLibp2pHost, type Libp2pHost } from '../../src/adapters/libp2p-host.ts'
import { createLibp2pMemoChannel, type Libp2pMemoChannel } from '../../src/adapters/libp2p-memo-channel.ts'
import { NetworkError } from '../../src/errors.ts'

const hosts: Libp2pHost[] = []
const channels: Libp2pMemoChannel[] = []
afterEach(async () => {
  for (const c of channels.splice(0)) await c.stop()
  for (const h of hosts.splice(0)) await h.stop()
})

async function start(
  seed: string,
  timeoutMs = 2_000,
): Promise<{ host: Libp2pHost; channel: Libp2pMemoChannel }> {
  const identity = generateIdentity(createSeededRng(seed))
  const host = await startLibp2pHost(identity, {
    listen: ['/ip4/127.0.0.1/tcp/0'],
    protocols: [],
    log: createNullLogger(),
  })
  hosts.push(host)
  const channel = createLibp2pMemoChannel({ host, log: createNullLogger() }, { timeoutMs, maxBytes: 64 })
  channels.push(channel)
  await channel.start()
  return { host, channel }
}

describe('libp2p memo channel', () => {
  it('carries a memo and its answer, naming the authenticated sender', async () => {
    const a = await start('memo-a')
    const b = await start('memo-b')
    const seen: string[] = []
    b.channel.serve((from, memo) => {
      seen.push(from)
      return Uint8Array.of(memo.length, ...memo.slice(0, 2))
    })
    a.host.learn(hexToRaw(b.host), b.host.addresses())
    const answer = await a.channel.request(b.host.peerId.toString(), Uint8Array.of(7, 8, 9))
    expect([...answer]).toEqual([3, 7, 8])
    expect(seen).toEqual([a.host.peerId.toString()])
    expect(b.channel.stats()).toEqual({ served: 1, failed: 0 })
  })

  it('rejects oversize memos, peers that do not serve, and unknown peers with NETWORK codes', async () => {
    const a = await start('memo-c')
    const b = await start('memo-d')
    a.host.learn(hexToRaw(b.host), b.host.addresses())
    await expect(a.channel.request(b.host.peerId.toString(), new Uint8Array(65))).rejects.toMatchObject({
      code: 'NETWORK_ENVELOPE_OVERSIZED',
    })
    // b has no handler: the stream is aborted, the requester gets a coded error.
    const err = await a.channel.request(b.host.peerId.toString(), Uint8Array.of(1)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NetworkError)
    expect((err as NetworkError).code).toBe('NETWORK_PEER_UNREACHABLE')
    expect(b.channel.stats().failed).toBe(1)
    // An answer larger than the limit is refused by the server.
    b.channel.serve(() => new Uint8Array(65))
    await expect(a.channel.request(b.host.peerId.toString(), Uint8Array.of(1))).rejects.toMatchObject({
      code: 'NETWORK_PEER_UNREACHABLE',
    })
  })
})

/** The raw Ed25519 key of a host's peer id (what `learn` takes). */
function hexToRaw(host: Libp2pHost): Uint8Array {
  const key = host.peerId.publicKey
  if (key === undefined) throw new Error('peer id without a key')
  return key.raw
}
