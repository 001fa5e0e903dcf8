/** Applying a `cart.php?a=confproduct` submission to a cart item, pure, with WHMCS's messages. */
import type { CartItem } from './store.ts'
import type { BillingCycle, ShopConfig } from './types.ts'

// Printable ASCII without quotes, spaces, backslashes and ':' (the shadow-file separator hosts reject).
const ROOT_PASSWORD_RE = /^[!#-&(-9;-[\]-~]{6,64}$/

const CYCLES: readonly BillingCycle[] = ['monthly', 'quarterly', 'annually']
const HOSTNAME_RE =
  /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** A new cart item for `pid` with the first value of every option preselected. */
export function newCartItem(config: ShopConfig, pid: number, cycle: string | undefined): CartItem {
  const configOptions: Record<number, number> = {}
  for (const o of config.configOptions) {
    const first = o.values[0]
    if (first !== undefined) configOptions[o.id] = first.id
  }
  return {
    pid,
    billingCycle: CYCLES.find((c) => c === cycle) ?? 'monthly',
    configOptions,
    hostname: '',
    rootPassword: '',
    ns1prefix: 'ns1',
    ns2prefix: 'ns2',
    configured: false,
  }
}

/** Applies submitted fields; returns the updated item and the error list (empty = accepted). */
export function applyConfigure(
  config: ShopConfig,
  item: CartItem,
  params: ReadonlyMap<string, string>,
): { item: CartItem; errors: readonly string[] } {
  const errors: string[] = []
  const configOptions: Record<number, number> = { ...item.configOptions }
  for (const option of config.configOptions) {
    const raw = params.get(`configoption[${option.id}]`)
    if (raw === undefined) continue
    const value = option.values.find((v) => String(v.id) === raw.trim())
    if (value === undefined) errors.push(`The selected ${option.label} is not valid`)
    else if (!value.inStock) errors.push(`${option.label}: ${value.label} is currently out of stock`)
    else configOptions[option.id] = value.id
  }
  const cycleRaw = params.get('billingcycle')
  const billingCycle = cycleRaw === undefined ? item.billingCycle : CYCLES.find((c) => c === cycleRaw)
  if (billingCycle === undefined) errors.push('The selected billing cycle is not valid')
  const hostname = (params.get('hostname') ?? item.hostname).trim()
  if (hostname === '') errors.push('You must enter a hostname for your server')
  else if (!HOSTNAME_RE.test(hostname)) errors.push('The hostname you entered is not valid')
  const rootPassword = params.get('rootpw') ?? item.rootPassword
  if (rootPassword === '' && !config.quirks.randomRootPassword) errors.push('You must enter a root password')
  else if (rootPassword !== '' && !ROOT_PASSWORD_RE.test(rootPassword)) {
    errors.push(
      'The root password must be 6 to 64 printable characters without quotes, spaces, colons or backslashes',
    )
  }
  const next: CartItem = {
    ...item,
    configOptions,
    billingCycle: billingCycle ?? item.billingCycle,
    hostname,
    rootPassword,
    ns1prefix: params.get('ns1prefix') ?? item.ns1prefix,
    ns2prefix: params.get('ns2prefix') ?? item.ns2prefix,
    configured: errors.length === 0,
  }
  return { item: next, errors }
}
