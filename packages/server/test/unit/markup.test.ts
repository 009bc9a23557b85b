import { describe, expect, it } from 'vitest'
import { escapeHtml, html } from '../../src/http/dashboard/markup.js'

describe('dashboard markup', () => {
  it('escapes every interpolated string, in text and in quoted attributes', () => {
    const name = `<script>alert("x")</script> & 'friends'`
    const out = String(html`<a title="${name}">${name}</a>`)
    expect(out).toBe(
      '<a title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39;">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39;</a>',
    )
  })

  it('passes its own markup through once, joins lists and drops absent values', () => {
    const items = ['a<b', 'c'].map((t) => html`<li>${t}</li>`)
    const out = String(html`<ul>${items}${null}${undefined}${false}${0}</ul>${html`<em>${'&'}</em>`}`)
    expect(out).toBe('<ul><li>a&lt;b</li><li>c</li>0</ul><em>&amp;</em>')
  })

  it('escapes a String object that is not marked as markup', () => {
    const boxed = new String('<b>') as unknown as string
    expect(String(html`${boxed}`)).toBe('&lt;b&gt;')
    expect(escapeHtml('plain')).toBe('plain')
  })
})
