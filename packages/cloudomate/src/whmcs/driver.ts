/** The data-driven WHMCS + SolusVM driver (CLOUDOMATE.md §4, §6): one config record per shop. */
import { CloudomateError } from '../errors.ts'
import { GATEWAY_FEE_PERCENT } from '../gateways/flows.ts'
import { isoDateToMs } from '../iso-time.ts'
import type { ClientAreaService } from '../model.ts'
import type { DriverContext, PurchaseAccount, ServiceState, VpsDriver } from '../providers/driver.ts'
import { WHMCS_REQUIRED } from '../settings.ts'
import { openShopPage } from './browse.ts'
import { openClientArea, type ClientArea } from './clientarea.ts'
import { parseListing } from './listing.ts'
import { placeWhmcsOrder } from './order.ts'
import type { WhmcsShopConfig } from './shop-config.ts'

/** Options of the WHMCS driver. */
export interface WhmcsDriverOptions {
  /** Pay for orders a shop reviews by hand (§8); default false: such orders stop before payment. */
  readonly acceptManualReview?: boolean
}

/**
 * The lease end a WHMCS client area states: the start (00:00 UTC) of the service's next due date,
 * `YYYY-MM-DD` as the services table hides it for sorting. The day's start, not its end, so an agent
 * that plans by it is early rather than late. Undefined for anything else (a shop showing "-").
 */
export function dueDateMs(nextDue: string): number | undefined {
  const ms = isoDateToMs(nextDue)
  return Number.isNaN(ms) ? undefined : ms
}

/** Creates the driver of one shop. */
export function createWhmcsDriver(shop: WhmcsShopConfig, driverOptions: WhmcsDriverOptions = {}): VpsDriver {
  const base = shop.baseUrl.endsWith('/') ? shop.baseUrl : `${shop.baseUrl}/`
  const login = (ctx: DriverContext, account: PurchaseAccount, signal: { signal?: AbortSignal }) =>
    openClientArea(
      { session: ctx.session, clock: ctx.clock },
      shop,
      { email: account.settings.email ?? '', password: account.settings.password ?? '' },
      signal,
    )
  const pickService = async (
    area: ClientArea,
    account: PurchaseAccount,
    signal: { signal?: AbortSignal },
  ): Promise<ClientAreaService | undefined> => {
    const services = await area.services(signal)
    const wanted = account.data['serviceId']
    if (wanted !== undefined) return services.find((s) => s.id === wanted)
    // The account is per purchase; on a shared account the newest service is this purchase's.
    return [...services].sort((a, b) => Number(b.id) - Number(a.id))[0]
  }
  return {
    name: shop.name,
    website: shop.website,
    kind: 'whmcs',
    gatewayFeePercent: GATEWAY_FEE_PERCENT[shop.gateway],
    tunTap: shop.tunTap,
    enabled: shop.enabled,
    ...(shop.notes === undefined ? {} : { notes: shop.notes }),
    requiredSettings: () => WHMCS_REQUIRED,
    options: async (ctx, options = {}) => {
      const page = await openShopPage(ctx.session, shop, new URL(shop.listingPath, base).toString(), options)
      return parseListing(shop, page.body, page.url)
    },
    order: async (ctx, option, account, options = {}) => {
      const order = await placeWhmcsOrder(
        { session: ctx.session, log: ctx.log },
        shop,
        option,
        account.settings,
        ctx.network,
        { ...options, ...(driverOptions.acceptManualReview === true ? { acceptManualReview: true } : {}) },
      )
      return {
        quote: order.quote,
        data: order.invoiceNumber === null ? {} : { invoiceNumber: order.invoiceNumber },
        ...(order.afterPay === undefined ? {} : { afterPay: order.afterPay }),
      }
    },
    state: async (ctx, account, options = {}): Promise<ServiceState> => {
      const area = await login(ctx, account, options)
      const service = await pickService(area, account, options)
      if (service === undefined) return { kind: 'pending', status: 'no service yet' }
      const data = { serviceId: service.id }
      if (['cancelled', 'terminated', 'fraud', 'suspended'].includes(service.status))
        return { kind: 'failed', status: service.status }
      if (service.status !== 'active') return { kind: 'pending', status: service.status, data }
      const ip = await area.serviceIp(service, options)
      if (ip === null) return { kind: 'pending', status: 'active, no IP yet', data }
      // Shops that ignore the order-time password mail the one they set (CrownCloud, §6).
      const mail = await area.serverMail(options)
      const mailed = mail !== null && (mail.ip === null || mail.ip === ip) ? mail.rootPassword : null
      const rootPassword = account.data['rootPassword'] ?? mailed ?? account.settings.root_password
      const expirationMs = dueDateMs(service.nextDue)
      return {
        kind: 'active',
        ip,
        ...(rootPassword === undefined ? {} : { rootPassword }),
        ...(expirationMs === undefined ? {} : { expirationMs }),
        data,
      }
    },
    setRootPassword: async (ctx, account, password, options = {}) => {
      const area = await login(ctx, account, options)
      const service = await pickService(area, account, options)
      if (service === undefined || service.status !== 'active') {
        throw new CloudomateError(
          'CLOUDOMATE_NOT_READY',
          `${shop.name}: no active service for purchase ${account.purchaseId}`,
          {
            provider: shop.name,
          },
        )
      }
      await area.changeRootPassword(service, password, options)
    },
  }
}
