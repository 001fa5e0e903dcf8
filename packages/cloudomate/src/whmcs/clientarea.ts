/**
 * The WHMCS client area as a session (CLOUDOMATE.md §6): log in, list services, read a service's IP
 * (product page or SolusVM-Pro JSON) and its root password (the provider's server e-mail, for shops
 * that ignore the order-time password), and change the root password through the SolusVM module.
 */
import type { AbortOptions, Clock } from '@dolly/base'
import { z } from 'zod'
import { CloudomateError } from '../errors.ts'
import { submitForm } from '../gateways/flows.ts'
import { parseForm } from '../http/form.ts'
import type { HttpSession } from '../http/session.ts'
import type { ClientAreaService } from '../model.ts'
import { openShopPage } from './browse.ts'
import {
  isUsableIpv4,
  parseEmailList,
  parseProductIp,
  parseServerMail,
  parseServices,
  parseVserverId,
} from './clientarea-pages.ts'
import type { WhmcsShopConfig } from './shop-config.ts'

/** A logged-in client area. */
export interface ClientArea {
  services(options?: AbortOptions): Promise<readonly ClientAreaService[]>
  /** The service's IP, or null while it is not provisioned. */
  serviceIp(service: ClientAreaService, options?: AbortOptions): Promise<string | null>
  /** Root password and IP from the newest server e-mail, if the shop sent one. */
  serverMail(options?: AbortOptions): Promise<{ ip: string | null; rootPassword: string | null } | null>
  /** Changes the root password through the SolusVM-Pro module; true when the panel confirmed it. */
  changeRootPassword(service: ClientAreaService, password: string, options?: AbortOptions): Promise<boolean>
}

const solusDataSchema = z.object({ mainip: z.string().optional() })
const solusResultSchema = z.object({
  success: z.union([z.boolean(), z.string(), z.number()]),
  msg: z.string().optional(),
})

/**
 * Logs into the client area with the account's e-mail and password.
 *
 * @throws CloudomateError CLOUDOMATE_LOGIN_FAILED, CLOUDOMATE_SHOP_CHANGED
 */
export async function openClientArea(
  deps: { session: HttpSession; clock: Clock },
  shop: WhmcsShopConfig,
  credentials: { email: string; password: string },
  options: AbortOptions = {},
): Promise<ClientArea> {
  const { session } = deps
  const base = shop.baseUrl.endsWith('/') ? shop.baseUrl : `${shop.baseUrl}/`
  const url = (path: string) => new URL(path, base).toString()
  const login = await openShopPage(session, shop, url('clientarea.php'), options)
  if (login.body.includes('logincontainer')) {
    const form = parseForm(login.body, login.url, { selector: '.logincontainer form' })
    form.set('username', credentials.email).set('password', credentials.password)
    const after = await submitForm(session, form, undefined, options)
    if (after.url.includes('incorrect=true') || after.body.includes('logincontainer')) {
      throw new CloudomateError(
        'CLOUDOMATE_LOGIN_FAILED',
        `${shop.name}: the client area refused the login for this purchase's account`,
        {
          provider: shop.name,
        },
      )
    }
  }
  const productPage = async (service: ClientAreaService, options: AbortOptions) =>
    openShopPage(session, shop, service.url, options)
  return {
    services: async (opts = {}) => {
      const page = await openShopPage(
        session,
        shop,
        url('clientarea.php?action=services&language=english'),
        opts,
      )
      return parseServices(page.body, page.url)
    },
    serviceIp: async (service, opts = {}) => {
      const page = await productPage(service, opts)
      const fromPage = parseProductIp(page.body)
      if (fromPage !== null) return fromPage
      const vserverid = parseVserverId(page.body)
      if (vserverid === null) return null
      const data = await session.get(
        url(`modules/servers/solusvmpro/get_client_data.php?vserverid=${vserverid}&_=${deps.clock.nowMs()}`),
        opts,
      )
      const parsed = solusDataSchema.safeParse(safeJson(data.body))
      const ip = parsed.success ? (parsed.data.mainip ?? '') : ''
      return isUsableIpv4(ip) ? ip : null
    },
    serverMail: async (opts = {}) => {
      const list = await openShopPage(session, shop, url('clientarea.php?action=emails'), opts)
      const mails = parseEmailList(list.body).filter((m) =>
        /server information|vps information|login details|is ready|welcome email/i.test(m.subject),
      )
      const newest = mails[0]
      if (newest === undefined) return null
      const mail = await session.get(url(`viewemail.php?id=${newest.id}`), opts)
      const parsed = parseServerMail(mail.body)
      return { ip: parsed.ip, rootPassword: parsed.rootPassword }
    },
    changeRootPassword: async (service, password, opts = {}) => {
      const page = await productPage(service, opts)
      const vserverid = parseVserverId(page.body) ?? service.id
      const query = new URLSearchParams({
        action: 'productdetails',
        id: service.id,
        vserverid,
        modop: 'custom',
        a: 'ChangeRootPassword',
        newrootpassword: password,
        ajax: '1',
        ac: 'Custom_ChangeRootPassword',
        _: String(deps.clock.nowMs()),
      })
      const reply = await session.get(url(`clientarea.php?${query.toString()}`), opts)
      const parsed = solusResultSchema.safeParse(safeJson(reply.body))
      if (!parsed.success) {
        throw new CloudomateError(
          'CLOUDOMATE_PANEL_FAILED',
          `${shop.name}: the SolusVM root password reply is not JSON {success, msg}`,
          {
            provider: shop.name,
            status: reply.status,
          },
        )
      }
      // The original counted HTTP 200 as success (§17.14); the JSON says whether it worked.
      const ok = parsed.data.success === true || parsed.data.success === '1' || parsed.data.success === 1
      if (!ok) {
        throw new CloudomateError(
          'CLOUDOMATE_PANEL_FAILED',
          `${shop.name}: the panel refused the new root password: ${parsed.data.msg ?? ''}`,
          {
            provider: shop.name,
            msg: parsed.data.msg ?? '',
          },
        )
      }
      return true
    },
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
