/**
 * A bought server's life at a provider, as a pure state machine: awaiting payment → (manual review)
 * → queued for the provisioning delay → provisioning → active until the lease ends → terminated.
 * The shell (`lifecycle.ts`) calls `stepService` on every pass and carries out the returned effect.
 */
import { isSettled, type Invoice } from './invoice.ts'
import type { BillingCycle } from './types.ts'

/** Where a service stands. */
export type ServiceState =
  | { readonly kind: 'awaiting-payment' }
  | { readonly kind: 'review'; readonly untilMs: number }
  | { readonly kind: 'queued'; readonly provisionAtMs: number; readonly attempts: number }
  | { readonly kind: 'provisioning'; readonly attempts: number }
  | {
      readonly kind: 'active'
      readonly hostId: string
      readonly ip: string
      readonly sinceMs: number
      readonly leaseEndMs: number
      /** World time of a DMCA complaint not yet acted on, or null. */
      readonly dmcaAtMs: number | null
    }
  | { readonly kind: 'suspended'; readonly atMs: number; readonly ip: string; readonly reason: 'dmca' }
  | {
      readonly kind: 'terminated'
      readonly atMs: number
      readonly ip: string
      readonly reason: 'lease-ended'
    }
  | {
      readonly kind: 'cancelled'
      readonly atMs: number
      readonly reason: 'invoice-expired' | 'provisioning-failed'
    }

/** One service (WHMCS "product/service") of a client. */
export interface Service {
  readonly id: number
  readonly clientId: number
  readonly orderId: number
  readonly pid: number
  readonly productName: string
  readonly hostname: string
  readonly rootPassword: string
  readonly billingCycle: BillingCycle
  /** Recurring amount in US cents for one billing cycle. */
  readonly recurringCents: number
  /** Lease bought, in world ms. */
  readonly leaseMs: number
  readonly bandwidthMbit?: number
  readonly invoiceId: string
  readonly createdMs: number
  readonly state: ServiceState
}

/** Timing parameters of one shop. */
export interface ServiceTiming {
  readonly provisioningDelayMs: number
  readonly manualReviewMs: number
  readonly dmcaSuspendDelayMs: number
  /** Provisioning attempts before the order is cancelled. */
  readonly maxProvisionAttempts: number
}

/** An action the shell must take for a service. */
export type ServiceEffect =
  | { readonly kind: 'provision' }
  | { readonly kind: 'destroy'; readonly hostId: string; readonly reason: 'lease-ended' | 'dmca' }

/** The result of one step. */
export interface ServiceStep {
  readonly service: Service
  readonly effects: readonly ServiceEffect[]
}

/** WHMCS's status label for the client area. */
export function serviceStatusLabel(
  state: ServiceState,
): 'Pending' | 'Active' | 'Suspended' | 'Terminated' | 'Cancelled' {
  switch (state.kind) {
    case 'awaiting-payment':
    case 'review':
    case 'queued':
    case 'provisioning':
      return 'Pending'
    case 'active':
      return 'Active'
    case 'suspended':
      return 'Suspended'
    case 'terminated':
      return 'Terminated'
    case 'cancelled':
      return 'Cancelled'
    default: {
      const never: never = state
      return never
    }
  }
}

/** The service's IP if it has (or had) one. */
export function serviceIp(state: ServiceState): string | null {
  return state.kind === 'active' || state.kind === 'suspended' || state.kind === 'terminated'
    ? state.ip
    : null
}

/** Decides what happens to a service at `nowMs` given its invoice; pure. */
export function stepService(
  service: Service,
  invoice: Invoice,
  nowMs: number,
  timing: ServiceTiming,
): ServiceStep {
  const with_ = (state: ServiceState, effects: readonly ServiceEffect[] = []): ServiceStep => ({
    service: { ...service, state },
    effects,
  })
  const state = service.state
  switch (state.kind) {
    case 'awaiting-payment':
      if (isSettled(invoice)) {
        return timing.manualReviewMs > 0
          ? with_({ kind: 'review', untilMs: nowMs + timing.manualReviewMs })
          : with_({ kind: 'queued', provisionAtMs: nowMs + timing.provisioningDelayMs, attempts: 0 })
      }
      if (invoice.status === 'expired')
        return with_({ kind: 'cancelled', atMs: nowMs, reason: 'invoice-expired' })
      return { service, effects: [] }
    case 'review':
      return nowMs >= state.untilMs
        ? with_({ kind: 'queued', provisionAtMs: nowMs + timing.provisioningDelayMs, attempts: 0 })
        : { service, effects: [] }
    case 'queued':
      if (nowMs < state.provisionAtMs) return { service, effects: [] }
      if (state.attempts >= timing.maxProvisionAttempts) {
        return with_({ kind: 'cancelled', atMs: nowMs, reason: 'provisioning-failed' })
      }
      return with_({ kind: 'provisioning', attempts: state.attempts + 1 }, [{ kind: 'provision' }])
    case 'active':
      if (nowMs >= state.leaseEndMs) {
        return with_({ kind: 'terminated', atMs: nowMs, ip: state.ip, reason: 'lease-ended' }, [
          { kind: 'destroy', hostId: state.hostId, reason: 'lease-ended' },
        ])
      }
      if (state.dmcaAtMs !== null && nowMs >= state.dmcaAtMs + timing.dmcaSuspendDelayMs) {
        return with_({ kind: 'suspended', atMs: nowMs, ip: state.ip, reason: 'dmca' }, [
          { kind: 'destroy', hostId: state.hostId, reason: 'dmca' },
        ])
      }
      return { service, effects: [] }
    case 'provisioning':
    case 'suspended':
    case 'terminated':
    case 'cancelled':
      return { service, effects: [] }
    default: {
      const never: never = state
      return never
    }
  }
}

/** The service after its host came up: active for the bought lease from `nowMs`. */
export function activateService(service: Service, host: { id: string; ip: string }, nowMs: number): Service {
  return {
    ...service,
    state: {
      kind: 'active',
      hostId: host.id,
      ip: host.ip,
      sinceMs: nowMs,
      leaseEndMs: nowMs + service.leaseMs,
      dmcaAtMs: null,
    },
  }
}

/** The service after a failed provisioning attempt: queued again after the delay. */
export function provisioningFailed(service: Service, nowMs: number, timing: ServiceTiming): Service {
  const attempts = service.state.kind === 'provisioning' ? service.state.attempts : 0
  return {
    ...service,
    state: { kind: 'queued', provisionAtMs: nowMs + timing.provisioningDelayMs, attempts },
  }
}

/** Records a DMCA complaint; only a strict shop acts on it (the caller decides), and only once. */
export function fileDmca(service: Service, nowMs: number): Service {
  if (service.state.kind !== 'active' || service.state.dmcaAtMs !== null) return service
  return { ...service, state: { ...service.state, dmcaAtMs: nowMs } }
}
