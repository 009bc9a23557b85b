/**
 * PostgreSQL array literals, built by us rather than by the driver. The driver turns a JavaScript
 * array into this text as it sends the statement, after the previous one has returned; a literal
 * built in advance lets an upload build it while the database is still writing the previous chunk.
 */

const NEEDS_ESCAPE = /["\\]/

/** `{"a","b",NULL}`: every element quoted (so `NULL`, `{` or `,` in a value stay text), null as NULL. */
export function textArray(values: readonly (string | null | undefined)[]): string {
  let out = '{'
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ','
    const v = values[i]
    if (v === null || v === undefined) out += 'NULL'
    else out += NEEDS_ESCAPE.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : `"${v}"`
  }
  return `${out}}`
}

/** `{1,2,3}`, for a `bigint[]` parameter. */
export function integerArray(values: readonly number[]): string {
  for (const v of values) {
    if (!Number.isSafeInteger(v)) throw new TypeError(`not an integer: ${v}`)
  }
  return `{${values.join(',')}}`
}
