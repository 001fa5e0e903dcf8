/**
 * The client area: login (`dologin.php`), services, product details, e-mails, and the SolusVM-Pro
 * module's JSON (client data, root password change) (CLOUDOMATE.md §6).
 */
import { errorCode } from '@dolly/base'
import { esc } from './html.ts'
import { html, json } from './http.ts'
import {
  emailsBody,
  emailView,
  loginBody,
  productDetailsBody,
  servicesBody,
} from './pages/clientarea-pages.ts'
import { serviceIp, serviceStatusLabel } from './service.ts'
import type { ShopContext } from './shop-context.ts'
import { checkPassword } from './shop-orders.ts'
import { findClientByEmail, type Session } from './store.ts'

/** What the shop router hands to the client area. */
export interface ClientAreaRequest {
  readonly request: Request
  readonly session: Session
  readonly params: ReadonlyMap<string, string>
  readonly path: string
  readonly isPost: boolean
  readonly tokenOk: boolean
  readonly page: (title: string, body: string, status?: number) => Response
  readonly go: (location: string) => Response
}

const PASSWORD_RE = /^[A-Za-z0-9!#$%&()*+,\-./;<=>?@[\]^_{|}~]{8,64}$/

/** Handles client-area paths; anything unknown is a 404 page. */
export async function handleClientArea(ctx: ShopContext, r: ClientAreaRequest): Promise<Response> {
  const { session, params, path, page, go } = r
  if (path === '/dologin.php') {
    const client = findClientByEmail(ctx.store, params.get('username') ?? '')
    if (
      !r.isPost ||
      !r.tokenOk ||
      client === undefined ||
      !checkPassword(params.get('password') ?? '', client.passwordHash)
    ) {
      return go('clientarea.php?incorrect=true')
    }
    session.clientId = client.id
    return go('clientarea.php')
  }
  if (path === '/logout.php') {
    session.clientId = null
    return go('index.php')
  }
  const client = session.clientId === null ? undefined : ctx.store.clients.get(session.clientId)
  if (path === '/clientarea.php' && client === undefined) {
    return page('Login', loginBody(session.token, params.get('incorrect') === 'true'))
  }
  if (client === undefined) return go('clientarea.php')
  const own = (id: string | undefined) => {
    const service = ctx.store.services.get(Number(id))
    return service !== undefined && service.clientId === client.id ? service : undefined
  }
  if (path === '/clientarea.php') {
    const action = params.get('action') ?? ''
    if (action === 'services') {
      const services = [...ctx.store.services.values()]
        .filter((s) => s.clientId === client.id)
        .sort((a, b) => b.id - a.id)
      return page('My Products & Services', servicesBody(ctx.config.template, services))
    }
    if (action === 'emails') {
      return page(
        'Email History',
        emailsBody([...ctx.store.emails.values()].filter((e) => e.clientId === client.id)),
      )
    }
    if (action === 'productdetails') {
      const service = own(params.get('id'))
      if (service === undefined) return go('clientarea.php?action=services')
      if (params.get('modop') === 'custom' && params.get('a') === 'ChangeRootPassword') {
        return json(await changeRootPassword(ctx, service.id, params.get('newrootpassword') ?? ''))
      }
      return page('Manage Product', productDetailsBody(service))
    }
    return page(
      'Client Area',
      `<div class="client-home"><p>Welcome back, ${client.firstname}.</p><ul><li><a href="clientarea.php?action=services">My Services</a></li><li><a href="clientarea.php?action=emails">Email History</a></li></ul></div>`,
    )
  }
  // The older SolusVM module form (CLOUDOMATE.md §6): POST newrootpassword, rootpassword=Change.
  if (path === '/rootpassword.php') {
    const service = own(params.get('id'))
    if (service === undefined) return go('clientarea.php?action=services')
    if (!r.isPost || params.get('rootpassword') !== 'Change') {
      return page(
        'Change Root Password',
        `<form method="post" action="rootpassword.php?id=${service.id}"><input type="password" name="newrootpassword" /><input type="submit" name="rootpassword" value="Change" /></form>`,
      )
    }
    const result = await changeRootPassword(ctx, service.id, params.get('newrootpassword') ?? '')
    return page(
      'Change Root Password',
      result.success
        ? '<div class="alert alert-success">Password Updated</div>'
        : `<div class="alert alert-danger">${esc(result.msg)}</div>`,
    )
  }
  if (path === '/viewemail.php') {
    const email = ctx.store.emails.get(Number(params.get('id')))
    if (email === undefined || email.clientId !== client.id) return go('clientarea.php?action=emails')
    return html(emailView(ctx.config.company, email))
  }
  if (path === '/modules/servers/solusvmpro/get_client_data.php') {
    const service = own(params.get('vserverid'))
    if (service === undefined) return json({ status: 'error', msg: 'Access denied' }, 403)
    const ip = serviceIp(service.state)
    const status = serviceStatusLabel(service.state)
    return json({
      status: status === 'Active' ? 'online' : status.toLowerCase(),
      mainip: ip ?? '',
      ipcsv: ip ?? '',
      hostname: service.hostname,
      bandwidthused: '0',
      bandwidthtotal: '1099511627776',
      memoryused: '0',
      memorytotal: '1073741824',
      hddused: '0',
      hddtotal: '21474836480',
    })
  }
  return page('Not Found', '<div class="alert alert-danger">The page you requested was not found.</div>', 404)
}

async function changeRootPassword(
  ctx: ShopContext,
  serviceId: number,
  newPassword: string,
): Promise<{ success: boolean; msg: string }> {
  const service = ctx.store.services.get(serviceId)
  if (service === undefined || service.state.kind !== 'active')
    return { success: false, msg: 'The server is not online' }
  if (!PASSWORD_RE.test(newPassword))
    return { success: false, msg: 'Invalid password: use 8 to 64 characters without spaces or quotes' }
  if (ctx.passwords === null)
    return { success: false, msg: 'Root password changes are not available for this server' }
  try {
    await ctx.passwords.setRootPassword(service.state.ip, service.rootPassword, newPassword)
  } catch (err) {
    ctx.log.warn('shop.root_password_failed', {
      shop: ctx.config.name,
      serviceId,
      code: errorCode(err) ?? 'unknown',
      reason: err instanceof Error ? err.message : String(err),
    })
    return { success: false, msg: 'Could not change the root password, please contact support' }
  }
  const latest = ctx.store.services.get(serviceId)
  if (latest !== undefined) ctx.store.services.set(serviceId, { ...latest, rootPassword: newPassword })
  ctx.log.info('shop.root_password_changed', { shop: ctx.config.name, serviceId })
  return { success: true, msg: 'Root password changed successfully' }
}
