/**
 * The shell around `service.ts`: on every pass it refreshes open invoices, steps every service on the
 * world clock and carries out the effects (provision through the provisioner port, destroy at lease
 * end or DMCA suspension), and writes the client-area e-mails.
 */
import { errorCode } from '@dolly/base'
import { paymentMail, serverReadyMail, suspensionMail } from './emails.ts'
import type { ProvidedHost, ProviderProvisioner } from './ports.ts'
import { activateService, fileDmca, provisioningFailed, stepService, type Service } from './service.ts'
import type { ShopContext } from './shop-context.ts'
import { sendMail } from './shop-orders.ts'

/** The running lifecycle of one shop. */
export interface ShopLifecycle {
  /** One pass: refresh invoices, step services, start effects. Exposed for tests and `status`. */
  pass(): Promise<void>
  /** Files a DMCA complaint against the host with `ip`; true if an active service had it. */
  fileDmca(ip: string): boolean
  /** Hosts this shop currently runs. */
  hosts(): readonly ProvidedHost[]
  /** Waits for in-flight provisioning and destroys every host this shop made. */
  stop(): Promise<void>
}

/** Creates the lifecycle shell of a shop. */
export function createShopLifecycle(ctx: ShopContext, provisioner: ProviderProvisioner): ShopLifecycle {
  const hosts = new Map<number, ProvidedHost>()
  const inFlight = new Set<Promise<void>>()
  const abort = new AbortController()
  const track = (p: Promise<void>): void => {
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
  }
  const clientName = (s: Service): string => {
    const c = ctx.store.clients.get(s.clientId)
    return c === undefined ? 'Customer' : `${c.firstname} ${c.lastname}`
  }
  const save = (s: Service): void => {
    ctx.store.services.set(s.id, s)
  }

  const provision = async (service: Service): Promise<void> => {
    try {
      const host = await provisioner.create(
        {
          hostname: service.hostname,
          rootPassword: service.rootPassword,
          ...(service.bandwidthMbit === undefined ? {} : { bandwidthMbit: service.bandwidthMbit }),
        },
        { signal: abort.signal },
      )
      if (abort.signal.aborted) {
        await host.destroy()
        return
      }
      hosts.set(service.id, host)
      const latest = ctx.store.services.get(service.id) ?? service
      const active = activateService(latest, host, ctx.clock.nowMs())
      save(active)
      sendMail(
        ctx,
        service.clientId,
        serverReadyMail(
          ctx.config.company,
          clientName(service),
          service.hostname,
          host.ip,
          latest.rootPassword,
        ),
      )
      ctx.log.info('shop.host_active', {
        shop: ctx.config.name,
        serviceId: service.id,
        hostId: host.id,
        ip: host.ip,
        leaseEndMs: active.state.kind === 'active' ? active.state.leaseEndMs : null,
      })
    } catch (err) {
      if (abort.signal.aborted) return
      ctx.log.warn('shop.provision_failed', {
        shop: ctx.config.name,
        serviceId: service.id,
        code: errorCode(err) ?? 'unknown',
        message: err instanceof Error ? err.message : String(err),
      })
      const latest = ctx.store.services.get(service.id) ?? service
      save(provisioningFailed(latest, ctx.clock.nowMs(), ctx.settings.timing))
    }
  }

  const destroy = async (serviceId: number, hostId: string, reason: string): Promise<void> => {
    const host = hosts.get(serviceId)
    hosts.delete(serviceId)
    try {
      await host?.destroy()
      ctx.log.info('shop.host_destroyed', { shop: ctx.config.name, serviceId, hostId, reason })
    } catch (err) {
      ctx.log.error('shop.host_destroy_failed', {
        shop: ctx.config.name,
        serviceId,
        hostId,
        code: errorCode(err) ?? 'unknown',
      })
    }
  }

  return {
    async pass() {
      await ctx.book.refreshOpen()
      const now = ctx.clock.nowMs()
      for (const service of [...ctx.store.services.values()]) {
        const invoice = ctx.book.get(service.invoiceId)
        if (invoice === undefined) continue
        const step = stepService(service, invoice, now, ctx.settings.timing)
        if (step.service !== service) save(step.service)
        if (
          service.state.kind === 'awaiting-payment' &&
          (step.service.state.kind === 'review' || step.service.state.kind === 'queued')
        ) {
          sendMail(
            ctx,
            service.clientId,
            paymentMail(ctx.config.company, clientName(service), Number(invoice.orderId), invoice.seenSats),
          )
          ctx.log.info('shop.order_paid', {
            shop: ctx.config.name,
            serviceId: service.id,
            invoiceId: invoice.id,
            review: step.service.state.kind === 'review',
          })
        }
        for (const effect of step.effects) {
          switch (effect.kind) {
            case 'provision':
              track(provision(step.service))
              break
            case 'destroy':
              if (effect.reason === 'dmca') {
                sendMail(
                  ctx,
                  service.clientId,
                  suspensionMail(
                    ctx.config.company,
                    clientName(service),
                    service.hostname,
                    'Abuse: DMCA complaint',
                  ),
                )
              }
              track(destroy(service.id, effect.hostId, effect.reason))
              break
            default: {
              const never: never = effect
              void never
            }
          }
        }
      }
    },
    fileDmca(ip) {
      for (const service of ctx.store.services.values()) {
        if (service.state.kind !== 'active' || service.state.ip !== ip) continue
        ctx.log.info('shop.dmca_complaint', {
          shop: ctx.config.name,
          serviceId: service.id,
          ip,
          strict: ctx.config.quirks.dmcaStrict,
        })
        if (ctx.config.quirks.dmcaStrict) save(fileDmca(service, ctx.clock.nowMs()))
        return true
      }
      return false
    },
    hosts: () => [...hosts.values()],
    async stop() {
      abort.abort()
      await Promise.allSettled([...inFlight])
      const all = [...hosts.entries()]
      hosts.clear()
      await Promise.allSettled(all.map(([, h]) => h.destroy()))
    },
  }
}
