/**
 * A small browser-like form engine over parsed HTML (CLOUDOMATE.md §1 `FormSession`): pick a form by
 * CSS selector or index, set text/hidden/select/checkbox values (select values must exist, so a
 * changed shop is detected instead of silently ordering something else), add the controls a page's
 * JavaScript would add, choose the submit button, and serialise only the successful controls in
 * document order, as the HTML standard's form submission algorithm does.
 */
import * as cheerio from 'cheerio'
import type { Element } from 'domhandler'
import { CloudomateError } from '../errors.ts'

/** One control of a form. */
interface Control {
  readonly name: string
  readonly kind: 'value' | 'checkable' | 'select' | 'submit'
  /** Current value (for a checkable: its value attribute). */
  value: string
  checked: boolean
  /** For selects: the allowed option values. */
  readonly options: readonly string[]
  readonly disabled: boolean
  readonly id: string
  readonly classes: string
}

/** A form ready to be filled and submitted. */
export interface Form {
  /** Absolute action URL. */
  action: string
  method: 'get' | 'post'
  /** True when the form has a control named `name`. */
  has(name: string): boolean
  /** Current value of a control (the checked one for radios), undefined when absent. */
  get(name: string): string | undefined
  /**
   * Sets a text/hidden/password value, picks a select option (validated), or checks the radio with
   * that value. Throws CLOUDOMATE_SHOP_CHANGED when the control or the option does not exist.
   */
  set(name: string, value: string): Form
  /** Sets when present; returns false (a warning for the caller) when the control is missing. */
  trySet(name: string, value: string): boolean
  /** Checks or unchecks a checkbox. */
  check(name: string, checked?: boolean): Form
  /** Adds (or overwrites) a hidden control, as a page's script would. */
  add(name: string, value: string): Form
  /** Removes every control named `name`. */
  remove(name: string): Form
  /** The successful controls, in order, with the chosen submitter (by CSS-ish `#id`, `.class` or name). */
  serialize(submitter?: string): readonly (readonly [string, string])[]
}

/** Options to find a form. */
export type FormSelector = { readonly selector: string } | { readonly index: number }

/**
 * Parses the form matching `which` out of `html`; `pageUrl` resolves its action.
 *
 * @throws CloudomateError CLOUDOMATE_SHOP_CHANGED when no such form exists
 */
export function parseForm(html: string, pageUrl: string, which: FormSelector): Form {
  const $ = cheerio.load(html)
  const forms = $('form').toArray()
  const element = 'selector' in which ? $(which.selector).filter('form').toArray()[0] : forms[which.index]
  if (element === undefined) {
    throw new CloudomateError(
      'CLOUDOMATE_SHOP_CHANGED',
      `no form ${'selector' in which ? which.selector : `#${which.index}`} on ${pageUrl}; the shop's page changed`,
      { url: pageUrl },
    )
  }
  return formFromElement($, element, pageUrl)
}

/** Every form on a page, in order. */
export function parseForms(html: string, pageUrl: string): readonly Form[] {
  const $ = cheerio.load(html)
  return $('form')
    .toArray()
    .map((el) => formFromElement($, el, pageUrl))
}

function formFromElement($: cheerio.CheerioAPI, element: Element, pageUrl: string): Form {
  const form = $(element)
  const controls: Control[] = []
  form.find('input, select, textarea, button').each((_, el) => {
    const c = $(el)
    const tag = el.tagName.toLowerCase()
    const type = (c.attr('type') ?? (tag === 'button' ? 'submit' : 'text')).toLowerCase()
    const isSubmit = type === 'submit' || type === 'image'
    // Nameless submit buttons are kept so the caller can choose (and require) them by id or class.
    const name = c.attr('name') ?? (isSubmit ? '' : undefined)
    if (name === undefined || (name === '' && !isSubmit)) return
    const disabled = c.attr('disabled') !== undefined
    const base = { name, disabled, id: c.attr('id') ?? '', classes: c.attr('class') ?? '' }
    if (tag === 'select') {
      const options = c
        .find('option')
        .toArray()
        .map((o) => $(o).attr('value') ?? $(o).text().trim())
      const selected = c.find('option[selected]').first()
      const value =
        selected.length > 0 ? (selected.attr('value') ?? selected.text().trim()) : (options[0] ?? '')
      controls.push({ ...base, kind: 'select', value, checked: false, options })
      return
    }
    if (tag === 'textarea') {
      controls.push({ ...base, kind: 'value', value: c.text(), checked: false, options: [] })
      return
    }
    if (isSubmit) {
      controls.push({ ...base, kind: 'submit', value: c.attr('value') ?? '', checked: false, options: [] })
      return
    }
    if (type === 'button' || type === 'reset' || type === 'file') return
    if (type === 'checkbox' || type === 'radio') {
      controls.push({
        ...base,
        kind: 'checkable',
        value: c.attr('value') ?? 'on',
        checked: c.attr('checked') !== undefined,
        options: [],
      })
      return
    }
    controls.push({ ...base, kind: 'value', value: c.attr('value') ?? '', checked: false, options: [] })
  })
  const method = (form.attr('method') ?? 'get').toLowerCase() === 'post' ? 'post' : 'get'
  const actionText = form.attr('action') ?? ''
  // new URL throws a TypeError on an action like "http://a b/" (fuzz suite): a changed page, with a code.
  if (!URL.canParse(actionText, pageUrl)) {
    throw new CloudomateError(
      'CLOUDOMATE_SHOP_CHANGED',
      `form action ${JSON.stringify(actionText.slice(0, 200))} on ${pageUrl} is not a URL; the shop's page changed`,
      { url: pageUrl },
    )
  }
  const action = new URL(actionText, pageUrl).toString()
  return buildForm(controls, action, method, pageUrl)
}

function buildForm(controls: Control[], action: string, method: 'get' | 'post', pageUrl: string): Form {
  const changed = (message: string, details: Record<string, unknown>): CloudomateError =>
    new CloudomateError('CLOUDOMATE_SHOP_CHANGED', `${message} (form ${action} on ${pageUrl})`, details)
  const named = (name: string): Control[] => controls.filter((c) => c.name === name && c.kind !== 'submit')
  const setValue = (name: string, value: string): boolean => {
    const found = named(name)
    if (found.length === 0) return false
    const first = found[0]
    if (first === undefined) return false
    if (first.kind === 'select') {
      if (!first.options.includes(value)) {
        throw changed(`select ${name} has no option ${JSON.stringify(value)}`, {
          name,
          value,
          options: first.options,
        })
      }
      first.value = value
      return true
    }
    if (first.kind === 'checkable') {
      const target = found.find((c) => c.value === value)
      if (target === undefined) {
        throw changed(`no ${name} choice with value ${JSON.stringify(value)}`, { name, value })
      }
      for (const c of found) c.checked = c === target
      return true
    }
    first.value = value
    return true
  }
  const self: Form = {
    action,
    method,
    has: (name) => named(name).length > 0,
    get: (name) => {
      const found = named(name)
      const checkable = found.filter((c) => c.kind === 'checkable')
      if (checkable.length > 0) return checkable.find((c) => c.checked)?.value
      return found[0]?.value
    },
    set: (name, value) => {
      if (!setValue(name, value)) throw changed(`no control named ${name}`, { name })
      return self
    },
    trySet: (name, value) => setValue(name, value),
    check: (name, checked = true) => {
      const found = named(name).filter((c) => c.kind === 'checkable')
      if (found.length === 0) throw changed(`no checkbox named ${name}`, { name })
      for (const c of found) c.checked = checked
      return self
    },
    add: (name, value) => {
      const existing = named(name)
      if (existing.length > 0) {
        for (const c of existing) {
          c.value = value
          c.checked = true
        }
        return self
      }
      controls.push({
        name,
        kind: 'value',
        value,
        checked: false,
        options: [],
        disabled: false,
        id: '',
        classes: '',
      })
      return self
    },
    remove: (name) => {
      for (let i = controls.length - 1; i >= 0; i--) if (controls[i]?.name === name) controls.splice(i, 1)
      return self
    },
    serialize: (submitter) => {
      const out: [string, string][] = []
      const chosen = submitter === undefined ? undefined : findSubmitter(controls, submitter)
      if (submitter !== undefined && chosen === undefined) {
        throw changed(`no submit button ${submitter}`, { submitter })
      }
      for (const c of controls) {
        if (c.disabled) continue
        if (c.kind === 'submit') {
          if (c === chosen && c.name !== '') out.push([c.name, c.value])
          continue
        }
        if (c.kind === 'checkable' && !c.checked) continue
        out.push([c.name, c.value])
      }
      return out
    },
  }
  return self
}

function findSubmitter(controls: readonly Control[], which: string): Control | undefined {
  const submits = controls.filter((c) => c.kind === 'submit')
  if (which.startsWith('#')) return submits.find((c) => c.id === which.slice(1))
  if (which.startsWith('.')) return submits.find((c) => c.classes.split(/\s+/).includes(which.slice(1)))
  return submits.find((c) => c.name === which)
}
