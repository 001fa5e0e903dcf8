/** The product listing and the configure page (`form#frmConfigureProduct`) of both templates. */
import { errorBox, esc, hidden } from '../html.ts'
import { cycleCents, cycleLabel, formatUsd } from '../pricing.ts'
import type { CartItem } from '../store.ts'
import type { BillingCycle, ConfigOption, Product, TemplateName } from '../types.ts'

/** A product with its current (drifted) monthly price. */
export interface PricedProduct {
  readonly product: Product
  readonly monthlyCents: number
}

const spec = (p: Product): readonly string[] => [
  `${p.cores} CPU Core${p.cores === 1 ? '' : 's'}`,
  `${p.memoryGB} GB RAM`,
  `${p.storageGB} GB SSD Storage`,
  p.bandwidthTB === null ? 'Unmetered Bandwidth' : `${p.bandwidthTB} TB Bandwidth`,
  `${p.connectionGbps} Gbps Port`,
  `${p.virtualization.toUpperCase()} Virtualization`,
]

/** The plan listing (`cart.php` / `cart.php?gid=1` / `index.php`). */
export function listingBody(template: TemplateName, products: readonly PricedProduct[]): string {
  if (template === 'six') {
    const items = products
      .map(({ product: p, monthlyCents }) => {
        const features = spec(p)
          .map((f, i) => `<li id="product${p.pid}-feature${i + 1}">${esc(f)}</li>`)
          .join('')
        const order = p.inStock
          ? `<a href="cart.php?a=add&amp;pid=${p.pid}" class="btn btn-success btn-sm" id="product${p.pid}-order-button"><i class="fas fa-shopping-cart"></i> Order Now</a>`
          : `<span class="btn btn-default btn-sm disabled">Out of Stock</span>`
        return `<div id="product${p.pid}" class="product clearfix">
<header><span id="product${p.pid}-name">${esc(p.name)}</span>${p.inStock ? '' : '<span class="qty">0 Available</span>'}</header>
<div class="product-desc"><ul>${features}</ul></div>
<footer><div class="product-pricing" id="product${p.pid}-price"><span class="price">${formatUsd(monthlyCents)}</span><br />Monthly</div>${order}</footer>
</div>`
      })
      .join('\n')
    return `<div id="order-standard_cart"><div class="header-lined"><h1>VPS Hosting</h1></div><div class="products" id="products">${items}</div></div>`
  }
  const rows = products
    .map(({ product: p, monthlyCents }) => {
      const cells = [
        p.name,
        String(p.cores),
        `${p.memoryGB} GB`,
        `${p.storageGB} GB`,
        p.bandwidthTB === null ? 'Unmetered' : `${p.bandwidthTB} TB`,
        `${p.connectionGbps} Gbps`,
      ]
        .map((c) => `<td>${esc(c)}</td>`)
        .join('')
      const order = p.inStock
        ? `<a class="btn btn-primary btn-order" href="cart.php?a=add&amp;pid=${p.pid}&amp;billingcycle=monthly">Order</a>`
        : '<span class="label label-danger">Sold Out</span>'
      return `<tr class="plan-row" data-pid="${p.pid}">${cells}<td class="plan-price">${formatUsd(monthlyCents)}/mo</td><td>${order}</td></tr>`
    })
    .join('\n')
  return `<div class="section section-plans"><table class="table table-plans" id="plans">
<thead><tr><th>Plan</th><th>vCPU</th><th>RAM</th><th>Disk</th><th>Traffic</th><th>Port</th><th>Price</th><th></th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}

/** The configure page of the cart item `index`. */
export function configureBody(input: {
  template: TemplateName
  index: number
  product: PricedProduct
  item: CartItem
  options: readonly ConfigOption[]
  token: string
  errors: readonly string[]
}): string {
  const { template, product, item, token } = input
  const cycles: readonly BillingCycle[] = ['monthly', 'quarterly', 'annually']
  const cycleSelect = `<select name="billingcycle" id="inputBillingcycle" class="form-control">${cycles
    .map(
      (c) =>
        `<option value="${c}"${c === item.billingCycle ? ' selected="selected"' : ''}>${formatUsd(cycleCents(product.monthlyCents, c))} ${cycleLabel(c)}</option>`,
    )
    .join('')}</select>`
  const optionSelects = input.options
    .map((o) => {
      const values = o.values
        .map(
          (v) =>
            `<option value="${v.id}"${item.configOptions[o.id] === v.id ? ' selected="selected"' : ''}>${esc(v.label)}${v.monthlyCents > 0 ? ` ${formatUsd(v.monthlyCents)}` : ''}${v.inStock ? '' : ' (Out of Stock)'}</option>`,
        )
        .join('')
      return `<div class="form-group"><label for="inputConfigOption${o.id}">${esc(o.label)}</label><select name="configoption[${o.id}]" id="inputConfigOption${o.id}" class="form-control">${values}</select></div>`
    })
    .join('\n')
  const server = `<div class="form-group"><label for="inputHostname">Hostname</label><input type="text" name="hostname" class="form-control" id="inputHostname" value="${esc(item.hostname)}" placeholder="servername.yourdomain.com"></div>
<div class="form-group"><label for="inputRootpw">Root Password</label><input type="password" name="rootpw" class="form-control" id="inputRootpw" value=""></div>
<div class="form-group"><label for="inputNs1prefix">NS1 Prefix</label><input type="text" name="ns1prefix" class="form-control" id="inputNs1prefix" value="${esc(item.ns1prefix)}" placeholder="ns1"></div>
<div class="form-group"><label for="inputNs2prefix">NS2 Prefix</label><input type="text" name="ns2prefix" class="form-control" id="inputNs2prefix" value="${esc(item.ns2prefix)}" placeholder="ns2"></div>`
  const errorHtml = errorBox(template, input.errors, 'generic')
  const container =
    template === 'six' ? `<div id="order-standard_cart">` : `<div class="order-configure lagom-cart">`
  const errorSlot =
    template === 'six'
      ? `<div class="alert alert-danger hidden" role="alert" id="containerProductValidationErrors"><p>Please correct the following errors before continuing:</p><ul id="containerProductValidationErrorsList"></ul></div>${errorHtml}`
      : errorHtml
  return `${container}
<h1>Configure</h1><p>${esc(product.product.name)}</p>
${errorSlot}
<form id="frmConfigureProduct" method="post" action="cart.php?a=confproduct&amp;i=${input.index}">
${hidden('token', token)}${hidden('configure', 'true')}${hidden('i', input.index)}
<div class="field-container">${cycleSelect}</div>
<div class="sub-heading"><span>Configure Server</span></div>
${server}
<div class="sub-heading"><span>Configurable Options</span></div>
${optionSelects}
<button type="submit" id="btnCompleteProductConfig" class="btn btn-primary btn-lg">Continue</button>
</form>
<script>
jQuery('#frmConfigureProduct').on('submit', function (e) { e.preventDefault();
  jQuery.post('cart.php', 'ajax=1&a=confproduct&' + jQuery('#frmConfigureProduct').serialize(), function (data) {
    if (data) { jQuery('#containerProductValidationErrorsList').html(data); jQuery('#containerProductValidationErrors').removeClass('hidden') }
    else { window.location = 'cart.php?a=confdomains' } }) })
</script>
</div>`
}
