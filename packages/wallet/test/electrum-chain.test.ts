import { describe, expect, it } from 'vitest'
import { createElectrumChain } from '@dolly/wallet'
import { loadElectrumSession, replayTransport } from './support/recorded-electrum.ts'

const session = loadElectrumSession()
const TX_HEX =
  '020000000100000000000000000000000000000000000000000000000000000000000000000000000000ffffffff0150c3000000000000160014751e76e8199196d454941c45d1b3a323f1433bd600000000'
const TXID = '7cb8d148b3eb2721846f6b79a6717a26d11e466a0e944ec77ffed582a5431de1'
const SCRIPT = '0014751e76e8199196d454941c45d1b3a323f1433bd6'

describe('electrum chain (recorded session)', () => {
  const chain = createElectrumChain({ transport: replayTransport(session) })

  it('reads the tip from headers.subscribe', async () => {
    expect(await chain.tipHeight()).toBe(2_583_405)
  })

  it('lists confirmed unspent outputs of a script hash only', async () => {
    expect(await chain.listUnspent([SCRIPT])).toEqual([
      { txid: TXID, vout: 0, valueSats: 50_000n, scriptHex: SCRIPT, height: 2_583_400 },
    ])
  })

  it('finds a transaction’s height through its output’s history', async () => {
    expect(await chain.getTransaction(TXID)).toEqual({
      txid: TXID,
      hex: TX_HEX,
      confirmations: 6,
      blockHeight: 2_583_400,
    })
  })

  it('does not know a transaction the daemon does not know', async () => {
    expect(await chain.getTransaction('ab'.repeat(32))).toBeUndefined()
  })

  it('maps broadcast replies to accepted and rejected', async () => {
    expect(await chain.broadcast(TX_HEX)).toEqual({ kind: 'accepted', txid: TXID })
    expect(await chain.broadcast('00')).toMatchObject({
      kind: 'rejected',
      reason: expect.stringContaining('TX decode failed'),
    })
  })

  it('converts BTC/kB estimates to exact sat/kvB, and -1 to no estimate', async () => {
    expect(await chain.estimateFee(6)).toEqual({
      feeRateSatPerKvb: 68_285n,
      minRelayFeeRateSatPerKvb: 1_000n,
    })
    expect(await chain.estimateFee(1008)).toEqual({ minRelayFeeRateSatPerKvb: 1_000n })
  })
})
