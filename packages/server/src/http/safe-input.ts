import { LABELS_PER_OBJECT_MAX, LABELS_PER_REQUEST_MAX } from '@openindent/contract'
import { httpError } from './errors.js'

/**
 * Text no engine stores faithfully: PostgreSQL rejects NUL in `text` and `\u0000` or an unpaired
 * surrogate in `jsonb` (a driver error, so a 500), where SQLite stores or replaces them silently. Both
 * engines refuse them up front instead, alike, as the client's error.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const isUnstorable = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s)

const unstorable = (where: string) =>
  httpError(
    'INVALID_ARGUMENT',
    `${where ? `${where}: ` : ''}contains a NUL character or an unpaired surrogate, which cannot be stored`,
    where || undefined,
  )

/** Path parameters and query values: decoded from the URL, so `%00` arrives as a NUL. */
export function refuseNul(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) if (value.includes('\u0000')) throw unstorable(name)
}

/**
 * Checks a parsed JSON body for unstorable strings and for `__proto__` keys (which zod skips without
 * validating them, so they would be dropped silently, and which are a prototype-pollution hazard for
 * any later merge). Only escapes (`\u…`) or a literal `__proto__` in the text can produce either, so
 * ordinary bodies are not walked. The walk is iterative: nesting depth cannot overflow the stack.
 */
export function refuseUnsafeJson(text: string, value: unknown): void {
  if (!text.includes('\\u') && !text.includes('__proto__')) return
  const stack: [unknown, string][] = [[value, '']]
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, path] = item
    if (typeof v === 'string') {
      if (isUnstorable(v)) throw unstorable(path)
      continue
    }
    if (v === null || typeof v !== 'object') continue
    const children: [unknown, string][] = []
    for (const [key, child] of Object.entries(v)) {
      const where = path ? `${path}.${key}` : key
      if (key === '__proto__')
        throw httpError('INVALID_ARGUMENT', `${where}: "__proto__" is not allowed`, where)
      if (isUnstorable(key)) throw unstorable(where)
      children.push([child, where])
    }
    // Reversed, so the first offending field in document order is the one reported.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as [unknown, string])
  }
}

/**
 * Bounds the labels one request carries, per object (`LABELS_PER_OBJECT_MAX`) and all objects together
 * (`LABELS_PER_REQUEST_MAX`), before any schema looks at them: validating one map of hundreds of
 * thousands of labels stalls the server for everyone, so the per-object limit (the contract's `Labels`
 * one, repeated here) is enforced on the count alone. Counts the members of every object
 * held under a `labels` key; bodies that cannot contain one (neither the word nor an escape) are not
 * walked. Iterative, like `refuseUnsafeJson`.
 */
export function refuseTooManyLabels(text: string, value: unknown, max = LABELS_PER_REQUEST_MAX): void {
  if (!text.includes('"labels"') && !text.includes('\\u')) return
  let total = 0
  // Parallel stacks, and a path joined only for an object that has objects inside: an upload holds
  // 100,000 resources, and a tuple, a joined path and an entries array for each was most of the walk.
  const values: unknown[] = [value]
  const parents: string[] = ['']
  const keys: string[] = ['']
  while (values.length > 0) {
    const v = values.pop()
    const parent = parents.pop() as string
    const key = keys.pop() as string
    if (v === null || typeof v !== 'object') continue
    // The same test as the joined path's `=== 'labels' || endsWith('.labels')`, without joining it.
    const labelMap = !Array.isArray(v) && (key === 'labels' || key.endsWith('.labels'))
    const path = parent ? `${parent}.${key}` : key
    if (labelMap) {
      // A label map holds strings: counted, not walked (a wrong value type is the schema's to report).
      const count = Object.keys(v).length
      if (count > LABELS_PER_OBJECT_MAX) {
        throw httpError(
          'INVALID_ARGUMENT',
          `${path}: at most ${LABELS_PER_OBJECT_MAX} labels per object`,
          path,
        )
      }
      total += count
      if (total > max) {
        throw httpError(
          'INVALID_ARGUMENT',
          `${path}: more than ${max} labels in one request; send fewer resources or labels per request`,
          path,
        )
      }
      continue
    }
    // Reversed, so the object reported is the first past the limit in document order.
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        const child: unknown = v[i]
        if (child !== null && typeof child === 'object') {
          values.push(child)
          parents.push(path)
          keys.push(String(i))
        }
      }
      continue
    }
    const names = Object.keys(v)
    for (let i = names.length - 1; i >= 0; i--) {
      const name = names[i] as string
      const child: unknown = (v as Record<string, unknown>)[name]
      if (child !== null && typeof child === 'object') {
        values.push(child)
        parents.push(path)
        keys.push(name)
      }
    }
  }
}
