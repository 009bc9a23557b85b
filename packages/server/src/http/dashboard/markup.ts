import { raw } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

/** Markup that is safe to send as is: built by `html` (or hono's JSX), never text from outside. */
export type Html = HtmlEscapedString

export type HtmlValue = string | number | Html | readonly HtmlValue[] | null | undefined | false

const SPECIAL = /[&<>"']/
const SPECIALS = /[&<>"']/g
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text as it must appear in an element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ENTITIES[c] as string) : text
}

function piece(v: HtmlValue): string {
  if (typeof v === 'string') return escapeHtml(v)
  if (typeof v === 'number') return String(v)
  if (v === null || v === undefined || v === false) return ''
  if (Array.isArray(v)) {
    let out = ''
    for (const item of v as readonly HtmlValue[]) out += piece(item)
    return out
  }
  const markup = v as unknown as Html
  return markup.isEscaped ? String(markup) : escapeHtml(String(markup))
}

/**
 * A tagged template that escapes every value it interpolates, as JSX does; only markup made by `html`
 * or JSX passes through. The inbox renders 25 cards a page: hono's own `html` helper (a buffer array,
 * a flattened copy of every list and room for async parts per call) allocated more than the page's
 * queries did (bench/dashboard). The result is accepted as a JSX child.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] as string
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + (strings[i + 1] as string)
  return raw(out) as Html
}
