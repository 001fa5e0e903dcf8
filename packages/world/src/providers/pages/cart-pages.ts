/** The cart (`cart.php?a=view`), the checkout form (`form#frmCheckout`) and the order-complete page. */
import { errorBox, esc, hidden } from '../html.ts'
import { cycleLabel, formatUsd } from '../pricing.ts'
import type { GatewayKind, TemplateName } from '../types.ts'

/** One line of the cart summary. */
export interface CartLine {
  readonly name: string
  readonly hostname: string
  readonly cents: number
  readonly cycle: 'monthly' | 'quarterly' | 'annually'
}

/** The cart page with its checkout link. */
export function cartBody(template: TemplateName, lines: readonly CartLine[]): string {
  if (lines.length === 0) {
    return `<div class="view-cart-empty">Your Shopping Cart is Empty</div><a href="cart.php" class="btn btn-default">Continue Shopping</a>`
  }
  const total = lines.reduce((sum, l) => sum + l.cents, 0)
  const items = lines
    .map(
      (l, i) =>
        `<div class="item" data-index="${i}"><span class="item-title">${esc(l.name)}</span> <span class="item-domain">${esc(l.hostname)}</span> <span class="item-price">${formatUsd(l.cents)} ${cycleLabel(l.cycle)}</span></div>`,
    )
    .join('\n')
  const checkout =
    template === 'six'
      ? `<div class="summary-container"><h2>Order Summary</h2><div class="total-due-today"><span class="amt">${formatUsd(total)}</span><span>Total Due Today</span></div><div class="text-right"><a href="cart.php?a=checkout" class="btn btn-success btn-lg btn-checkout" id="checkout">Checkout <i class="fas fa-arrow-right"></i></a></div></div>`
      : `<div class="order-summary"><div class="total-price">${formatUsd(total)}</div><a id="checkout" class="btn btn-primary btn-block" href="cart.php?a=checkout">Checkout</a></div>`
  return `<div id="order-standard_cart"><div class="view-cart-items">${items}</div>${checkout}</div>`
}

const input = (name: string, label: string, type = 'text', value = ''): string =>
  `<div class="form-group"><label for="input${name}">${esc(label)}</label><input type="${type}" name="${name}" id="input${name}" class="form-control" value="${esc(value)}" /></div>`

/** The checkout/registration page. `values` refills the form after a failed submission, as WHMCS does. */
export function checkoutBody(input_: {
  template: TemplateName
  gateway: GatewayKind
  gatewayLabel: string
  token: string
  totalCents: number
  errors: readonly string[]
  values: ReadonlyMap<string, string>
  loggedIn: boolean
}): string {
  const v = (name: string): string => input_.values.get(name) ?? ''
  const countries = ['NL', 'DE', 'US', 'GB', 'FR', 'SE']
    .map((c) => `<option value="${c}"${v('country') === c ? ' selected="selected"' : ''}>${c}</option>`)
    .join('')
  const customer = input_.loggedIn
    ? hidden('custtype', 'existing') +
      '<p class="logged-in">You are logged in; the order is placed on your account.</p>'
    : `<div class="btn-group" data-toggle="buttons">
<label><input type="radio" name="custtype" value="new" checked="checked" /> New Customer</label>
<label><input type="radio" name="custtype" value="existing" /> Existing Customer</label></div>
<div id="containerExistingUserSignin" class="hidden">${input('loginemail', 'Email Address', 'email')}${input('loginpassword', 'Password', 'password')}</div>
<div id="containerNewUserSignup">
${input('firstname', 'First Name', 'text', v('firstname'))}${input('lastname', 'Last Name', 'text', v('lastname'))}
${input('companyname', 'Company Name (Optional)', 'text', v('companyname'))}${input('email', 'Email Address', 'email', v('email'))}
${input('phonenumber', 'Phone Number', 'tel', v('phonenumber'))}${input('address1', 'Street Address', 'text', v('address1'))}
${input('address2', 'Street Address 2', 'text', v('address2'))}${input('city', 'City', 'text', v('city'))}
${input('state', 'State', 'text', v('state'))}${input('postcode', 'Postcode', 'text', v('postcode'))}
<div class="form-group"><label for="inputCountry">Country</label><select name="country" id="inputCountry" class="form-control">${countries}</select></div>
${input('password', 'Password', 'password')}${input('password2', 'Confirm Password', 'password')}
</div>`
  return `<div id="order-standard_cart"><h1>Checkout</h1>
${errorBox(input_.template, input_.errors, 'checkout')}
<form method="post" action="cart.php?a=checkout" name="orderfrm" id="frmCheckout">
${hidden('token', input_.token)}${hidden('submit', 'true')}
<div class="form-group promo"><input type="text" name="promocode" class="form-control" placeholder="Enter promo code if you have one" /><button type="submit" name="validatepromo" class="btn btn-default" value="Validate Code">Validate Code</button></div>
${customer}
<div class="sub-heading"><span>Payment Details</span></div>
<p>Total Due Today: <span id="totalCartPrice">${formatUsd(input_.totalCents)}</span></p>
<label class="radio-inline"><input type="radio" name="paymentmethod" value="${input_.gateway}" checked="checked" class="payment-methods" /> ${esc(input_.gatewayLabel)}</label>
<div class="text-center"><label class="checkbox-inline"><input type="checkbox" name="accepttos" id="accepttos" /> I have read and agree to the <a href="terms.php" target="_blank">Terms of Service</a></label></div>
<div class="text-center"><button type="submit" id="btnCompleteOrder" class="btn btn-primary btn-lg">Complete Order <i class="fas fa-arrow-circle-right"></i></button></div>
</form></div>`
}

/** The order-complete page: WHMCS forwards the buyer to the gateway by auto-submitting its form. */
export function completeBody(input_: {
  orderId: number
  invoiceNum: number
  paymentHtml: string
  note: string
}): string {
  return `<div id="order-standard_cart"><h1>Order Confirmation</h1>
<div class="order-confirmation">Your Order Number is: <span>${input_.orderId}</span></div>
${input_.note === '' ? '' : `<div class="alert alert-warning">${esc(input_.note)}</div>`}
<div class="alert alert-info text-center">Please wait while you are redirected to the gateway you chose to make payment...</div>
<div id="submitfrm" class="text-center">${input_.paymentHtml}</div>
<p><a href="viewinvoice.php?id=${input_.invoiceNum}">View Invoice #${input_.invoiceNum}</a></p>
<script>setTimeout(function () { var f = document.querySelector('#submitfrm form'); if (f) f.submit() }, 5000)</script>
</div>`
}
