import { readFileSync } from 'node:fs'
import { Transaction } from 'bitcoinjs-lib'
import { describe, expect, it } from 'vitest'
import { createEsploraChain, scriptHashHex, type FetchLike } from '@dolly/wallet'

interface Reply {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly body: string
}
const replies = JSON.parse(
  readFileSync(new URL('./fixtures/esplora-replies.json', import.meta.url), 'utf8'),
) as Record<string, Reply>
const BASE = 'https://esplora.invalid/api/'
// A P2WPKH script; its scripthash (SHA-256, reversed) is what esplora is asked for.
const SCRIPT = '0014751e76e8199196d454941c45d1b3a323f1433bd6'
const SCRIPTHASH = '9623df75239b5daa7f5f03042d325b51498c4bb7059c7748b17049bf96f73888'

/** Serves the named recorded replies; any other request fails the test. */
function replay(...names: string[]): FetchLike {
  return async (url, init) => {
    for (const name of names) {
      const r = replies[name]
      if (
        r !== undefined &&
        init.method === r.method &&
        url === `${BASE}${r.path.replace('SCRIPTHASH', SCRIPTHASH)}`
      ) {
        return new Response(r.body, { status: r.status })
      }
    }
    throw new Error(`unexpected request ${init.method} ${url}`)
  }
}
const chainWith = (...names: string[]) =>
  createEsploraChain({ fetch: replay(...names) }, { baseUrl: BASE, timeoutMs: 1_000 })

describe('esplora chain (recorded replies)', () => {
  it('reads the tip height', async () => {
    expect(await chainWith('tip').tipHeight()).toBe(2_583_405)
  })

  it('lists only confirmed outputs, with exact satoshis and the script asked for', async () => {
    expect(await chainWith('utxo').listUnspent([SCRIPT])).toEqual([
      {
        txid: 'c0c8d4a7e3f9c0b0f0a0e0d0c0b0a09080706050403020100f0e0d0c0b0a0908',
        vout: 1,
        valueSats: 150_000n,
        scriptHex: SCRIPT,
        height: 2_583_400,
      },
    ])
  })

  it('derives confirmations from the status and the tip, and knows mempool and unknown transactions', async () => {
    const chain = chainWith(
      'tip',
      'txStatusConfirmed',
      'txHexConfirmed',
      'txStatusMempool',
      'txHexMempool',
      'txStatusUnknown',
    )
    expect(
      await chain.getTransaction('c0c8d4a7e3f9c0b0f0a0e0d0c0b0a09080706050403020100f0e0d0c0b0a0908'),
    ).toMatchObject({ confirmations: 6, blockHeight: 2_583_400 })
    expect(
      await chain.getTransaction('d1d9e5b8f4a0d1c1a1b1f1e1d1c1b1a191817161514131211101f1e1d1c1b1a1'),
    ).toMatchObject({ confirmations: 0, hex: '02000000000101bb' })
    expect(await chain.getTransaction('ab'.repeat(32))).toBeUndefined()
  })

  it('maps broadcast replies: txid accepted, -26 rejected, -27 already mined is accepted, 5xx is unknown', async () => {
    expect(await chainWith('broadcastAccepted').broadcast('00')).toEqual({
      kind: 'accepted',
      txid: 'c0c8d4a7e3f9c0b0f0a0e0d0c0b0a09080706050403020100f0e0d0c0b0a0908',
    })
    expect(await chainWith('broadcastRejected').broadcast('00')).toMatchObject({
      kind: 'rejected',
      reason: expect.stringContaining('min relay fee not met'),
    })
    const tx = new Transaction()
    tx.addInput(new Uint8Array(32), 0)
    tx.addOutput(new Uint8Array([0x51]), 1_000n)
    expect(await chainWith('broadcastInChain').broadcast(tx.toHex())).toEqual({
      kind: 'accepted',
      txid: tx.getId(),
    })
    await expect(chainWith('broadcastBadGateway').broadcast('00')).rejects.toMatchObject({
      code: 'WALLET_BACKEND_DOWN',
    })
  })

  it('picks the estimate for the nearest listed target at or above the wanted one, in sat/kvB rounded up', async () => {
    expect(await chainWith('feeEstimates').estimateFee(6)).toEqual({
      feeRateSatPerKvb: 68_285n,
      minRelayFeeRateSatPerKvb: 1_000n,
    })
    expect(await chainWith('feeEstimates').estimateFee(1)).toEqual({
      feeRateSatPerKvb: 87_882n,
      minRelayFeeRateSatPerKvb: 1_000n,
    })
  })

  it('reports an unreachable server as WALLET_BACKEND_DOWN and a garbled reply as WALLET_BACKEND_PROTOCOL', async () => {
    const down = createEsploraChain(
      { fetch: async () => Promise.reject(new TypeError('fetch failed')) },
      { baseUrl: BASE, timeoutMs: 1_000 },
    )
    await expect(down.tipHeight()).rejects.toMatchObject({ code: 'WALLET_BACKEND_DOWN' })
    const garbled = createEsploraChain(
      { fetch: async () => new Response('<html>', { status: 200 }) },
      { baseUrl: BASE, timeoutMs: 1_000 },
    )
    await expect(garbled.estimateFee(6)).rejects.toMatchObject({ code: 'WALLET_BACKEND_PROTOCOL' })
  })
})

describe('scripthash', () => {
  it('matches the electrumx documentation example', () => {
    expect(scriptHashHex('76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac')).toBe(
      '8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161',
    )
  })
})
