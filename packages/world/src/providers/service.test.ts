import { describe, expect, it } from 'vitest'
import { newInvoice, observeInvoice } from './invoice.ts'
import {
  activateService,
  fileDmca,
  provisioningFailed,
  serviceStatusLabel,
  stepService,
  type Service,
} from './service.ts'

const timing = {
  provisioningDelayMs: 600_000,
  manualReviewMs: 0,
  dmcaSuspendDelayMs: 60_000,
  maxProvisionAttempts: 2,
}
const invoice = newInvoice({
  id: 'i',
  orderId: '1',
  address: 'a',
  amountSats: 100n,
  priceCents: 1,
  nowMs: 0,
  expiryMs: 900_000,
})
const settled = observeInvoice(invoice, { seenSats: 100n, confirmedSats: 100n, completeSats: 0n }, 10)
const service: Service = {
  id: 1,
  clientId: 1,
  orderId: 1,
  pid: 1,
  productName: 'Basic',
  hostname: 'h',
  rootPassword: 'pw',
  billingCycle: 'monthly',
  recurringCents: 500,
  leaseMs: 1_000_000,
  invoiceId: 'i',
  createdMs: 0,
  state: { kind: 'awaiting-payment' },
}

describe('service lifecycle', () => {
  it('waits for a settled invoice, then the provisioning delay, then provisions', () => {
    expect(stepService(service, invoice, 100, timing).service.state.kind).toBe('awaiting-payment')
    const queued = stepService(service, settled, 100, timing)
    expect(queued.service.state).toEqual({ kind: 'queued', provisionAtMs: 600_100, attempts: 0 })
    expect(stepService(queued.service, settled, 600_099, timing).effects).toEqual([])
    const go = stepService(queued.service, settled, 600_100, timing)
    expect(go.effects).toEqual([{ kind: 'provision' }])
    expect(serviceStatusLabel(go.service.state)).toBe('Pending')
  })

  it('holds a paid order in manual review first', () => {
    const review = stepService(service, settled, 100, { ...timing, manualReviewMs: 3_600_000 })
    expect(review.service.state).toEqual({ kind: 'review', untilMs: 3_600_100 })
    expect(stepService(review.service, settled, 3_600_099, timing).service.state.kind).toBe('review')
    expect(stepService(review.service, settled, 3_600_100, timing).service.state.kind).toBe('queued')
  })

  it('cancels the order when its invoice expires unpaid', () => {
    const expired = observeInvoice(invoice, { seenSats: 0n, confirmedSats: 0n, completeSats: 0n }, 900_000)
    const step = stepService(service, expired, 900_000, timing)
    expect(step.service.state).toMatchObject({ kind: 'cancelled', reason: 'invoice-expired' })
    expect(serviceStatusLabel(step.service.state)).toBe('Cancelled')
  })

  it('ends the lease after the bought period and destroys the host', () => {
    const active = activateService(service, { id: 'h1', ip: '10.0.0.2' }, 5_000)
    expect(serviceStatusLabel(active.state)).toBe('Active')
    expect(stepService(active, settled, 1_004_999, timing).effects).toEqual([])
    const end = stepService(active, settled, 1_005_000, timing)
    expect(end.effects).toEqual([{ kind: 'destroy', hostId: 'h1', reason: 'lease-ended' }])
    expect(serviceStatusLabel(end.service.state)).toBe('Terminated')
  })

  it('suspends a host a minute after a DMCA complaint', () => {
    const active = fileDmca(activateService(service, { id: 'h1', ip: '10.0.0.2' }, 0), 1000)
    expect(stepService(active, settled, 60_999, timing).effects).toEqual([])
    const suspended = stepService(active, settled, 61_000, timing)
    expect(suspended.effects).toEqual([{ kind: 'destroy', hostId: 'h1', reason: 'dmca' }])
    expect(serviceStatusLabel(suspended.service.state)).toBe('Suspended')
  })

  it('retries a failed provisioning and gives up after the attempt limit', () => {
    let s = stepService(service, settled, 0, timing).service
    for (let attempt = 1; attempt <= 2; attempt++) {
      const go = stepService(s, settled, 10_000_000 * attempt, timing)
      expect(go.effects).toEqual([{ kind: 'provision' }])
      s = provisioningFailed(go.service, 10_000_000 * attempt, timing)
    }
    expect(stepService(s, settled, 99_000_000, timing).service.state).toMatchObject({
      kind: 'cancelled',
      reason: 'provisioning-failed',
    })
  })
})
