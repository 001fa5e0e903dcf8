import { describe, expect, it } from 'vitest'
import { checkWellFormed } from './well-formed.ts'

describe('checkWellFormed', () => {
  it('accepts well-formed documents and lists their elements', () => {
    expect(checkWellFormed('<a><b/></a>')).toEqual({ ok: true, root: 'a', elements: ['a', 'b'] })
    const doc = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<!DOCTYPE html>',
      '<!-- a comment -->',
      `<svg xmlns="http://www.w3.org/2000/svg" a='1' b = "x &amp; &#60; &#x3c;">`,
      '<text>1 &lt; 2 &gt; 0 &quot;q&quot; &apos;</text><![CDATA[ <raw> & ]]>',
      '</svg >',
      '',
    ].join('\n')
    expect(checkWellFormed(doc)).toMatchObject({ ok: true, root: 'svg', elements: ['svg', 'text'] })
  })

  it('rejects what an XML parser rejects', () => {
    const bad = [
      '',
      'text only',
      '<a>',
      '<a></b>',
      '<a><b></a></b>',
      '<a/><b/>',
      '<a>x & y</a>',
      '<a>&nbsp;</a>',
      '<a x="1" x="2"/>',
      '<a x=1/>',
      '<a x="<"/>',
      '<a x="&"/>',
      '<a x="1"y="2"/>',
      '<a>1 < 2</a>',
      '<a>]]></a>',
      '<a>\u0001</a>',
      '<a><!-- -- --></a>',
      '<a/>trailing',
      '<a></a></a>',
    ]
    for (const text of bad) expect(checkWellFormed(text).ok, JSON.stringify(text)).toBe(false)
  })
})
