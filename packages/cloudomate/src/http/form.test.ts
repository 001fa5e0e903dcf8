import { errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { parseForm } from './form.ts'

const PAGE = `<form id="other" action="/x"><input name="q" /></form>
<form method="post" action="cart.php?a=checkout" id="frmCheckout">
<input type="hidden" name="token" value="abc" />
<button type="submit" name="validatepromo" value="Validate Code">Validate</button>
<input type="radio" name="custtype" value="new" checked="checked" /><input type="radio" name="custtype" value="existing" />
<input type="text" name="firstname" />
<select name="country"><option value="NL">NL</option><option value="DE" selected="selected">DE</option></select>
<input type="checkbox" name="accepttos" />
<input type="checkbox" name="newsletter" checked />
<input type="text" name="disabled" value="x" disabled />
<textarea name="notes">hi</textarea>
<input type="file" name="upload" />
<button type="submit" id="btnCompleteOrder" class="btn btn-primary">Complete Order</button>
</form>`

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return errorCode(err)
  }
  return undefined
}

describe('form engine', () => {
  it('selects by CSS or index and resolves the action against the page URL', () => {
    expect(parseForm(PAGE, 'https://s.example/shop/cart.php', { selector: '#frmCheckout' }).action).toBe(
      'https://s.example/shop/cart.php?a=checkout',
    )
    expect(parseForm(PAGE, 'https://s.example/shop/', { index: 0 }).action).toBe('https://s.example/x')
    expect(parseForm(PAGE, 'https://s.example/', { index: 1 }).method).toBe('post')
  })

  it('serialises only successful controls, in document order, with the chosen submitter', () => {
    const form = parseForm(PAGE, 'https://s.example/', { selector: 'form#frmCheckout' })
    form.set('firstname', 'Pleb').set('country', 'NL').check('accepttos').add('ajax', '1')
    expect(form.serialize('#btnCompleteOrder')).toEqual([
      ['token', 'abc'],
      ['custtype', 'new'],
      ['firstname', 'Pleb'],
      ['country', 'NL'],
      ['accepttos', 'on'],
      ['newsletter', 'on'],
      ['notes', 'hi'],
      ['ajax', '1'],
    ])
    expect(form.serialize('validatepromo')).toContainEqual(['validatepromo', 'Validate Code'])
  })

  it('switches radios by value and reads the checked one', () => {
    const form = parseForm(PAGE, 'https://s.example/', { index: 1 })
    form.set('custtype', 'existing')
    expect(form.get('custtype')).toBe('existing')
    expect(form.serialize().filter(([k]) => k === 'custtype')).toEqual([['custtype', 'existing']])
  })

  it('detects a changed shop: a missing select value, control, submit button or form', () => {
    const form = parseForm(PAGE, 'https://s.example/', { index: 1 })
    expect(codeOf(() => form.set('country', 'XX'))).toBe('CLOUDOMATE_SHOP_CHANGED')
    expect(codeOf(() => form.set('nosuch', 'v'))).toBe('CLOUDOMATE_SHOP_CHANGED')
    expect(codeOf(() => form.serialize('#nosuchbutton'))).toBe('CLOUDOMATE_SHOP_CHANGED')
    expect(codeOf(() => parseForm(PAGE, 'https://s.example/', { selector: '#nosuchform' }))).toBe(
      'CLOUDOMATE_SHOP_CHANGED',
    )
    expect(form.trySet('hostname', 'x')).toBe(false)
  })
})

describe('form engine on hostile pages', () => {
  it('refuses a form whose action is not a URL with CLOUDOMATE_SHOP_CHANGED (found by the fuzz suite)', () => {
    for (const action of ['http://a b/', 'http://[', 'https://gatewa\u0000y.example/'])
      expect(
        errorCode(
          captured(() => parseForm(`<form action="${action}"></form>`, 'https://s.example/', { index: 0 })),
        ),
        action,
      ).toBe('CLOUDOMATE_SHOP_CHANGED')
  })
})

function captured(f: () => unknown): unknown {
  try {
    f()
  } catch (err) {
    return err
  }
  return undefined
}
