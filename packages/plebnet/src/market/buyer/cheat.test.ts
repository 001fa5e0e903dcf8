import { describe, expect, it } from 'vitest'
import type { PaymentRecord, SendRequest, Wallet } from '@dolly/wallet'
import { tradePurpose } from '../settlement/wallet-payer.ts'
import { limitPayments } from './cheat.ts'

/** A wallet that records what it was asked to send. */
function recordingWallet(sent: SendRequest[]): Wallet {
  const fail = (): never => {
    throw new Error('not used')
  }
  return {
    network: undefined as unknown as Wallet['network'],
    receiveAddress: fail,
    balance: fail,
    send(request) {
      sent.push(request)
      return Promise.resolve({ txid: `tx${sent.length}` } as unknown as PaymentRecord)
    },
    sendAll: fail,
    sweepAccount: fail,
    reconcile: fail,
    history: fail,
    waitForConfirmations: fail,
  }
}

const req = (purpose: string): SendRequest => ({ to: 'bcrt1qexample', amountSats: 1_000n, purpose })

describe('limitPayments', () => {
  it('never-pay refuses every trade payment and passes any other payment', async () => {
    const sent: SendRequest[] = []
    const w = limitPayments(recordingWallet(sent), 'never-pay')
    await expect(w.send(req(tradePurpose('t1:sats:1')))).rejects.toMatchObject({
      code: 'BASE_INVALID_OPTION',
    })
    await w.send(req('vps linevast_basic'))
    expect(sent.map((s) => s.purpose)).toEqual(['vps linevast_basic'])
  })

  it("stop-paying makes each trade's first payment only", async () => {
    const sent: SendRequest[] = []
    const w = limitPayments(recordingWallet(sent), 'stop-paying')
    await w.send(req(tradePurpose('t1:sats:1')))
    await expect(w.send(req(tradePurpose('t1:sats:2')))).rejects.toMatchObject({
      code: 'BASE_INVALID_OPTION',
    })
    await w.send(req(tradePurpose('t2:sats:1')))
    await expect(w.send(req(tradePurpose('t2:sats:11')))).rejects.toMatchObject({
      code: 'BASE_INVALID_OPTION',
    })
    expect(sent.map((s) => s.purpose)).toEqual([tradePurpose('t1:sats:1'), tradePurpose('t2:sats:1')])
  })
})
