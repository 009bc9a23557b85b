/**
 * JSON with object keys sorted and `undefined` dropped, so equal values always give equal bytes.
 * Used where bytes are hashed: the audit chain and resource content hashes.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

/** The value `canonicalJson` writes: what parsing its bytes back gives, key order included. */
export const canonicalForm: (value: unknown) => unknown = sortKeys

/**
 * A copy with sorted keys, sharing every part that is canonical already: an upload's event lists up to
 * 100,000 resources, built in key order, and copying them all only fed the garbage collector.
 */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i]
      const s = sortKeys(v)
      if (out) out.push(s)
      else if (s !== v) {
        out = value.slice(0, i)
        out.push(s)
      }
    }
    return out ?? value
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record)
    // Only plain objects are shared as they are: JSON.stringify would call a Date's toJSON, where the
    // copy (of its own enumerable properties, none) gives `{}`.
    const proto = Object.getPrototypeOf(record)
    let canonical = proto === Object.prototype || proto === null
    // Allocated once the object turns out not to be canonical: until then each child is itself.
    let children: unknown[] | undefined = canonical ? undefined : new Array(keys.length)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      const v = record[key]
      const s = v === undefined ? undefined : sortKeys(v)
      if (canonical && (v === undefined || s !== v || (i > 0 && (keys[i - 1] as string) >= key))) {
        canonical = false
        children = new Array(keys.length)
        for (let j = 0; j < i; j++) children[j] = record[keys[j] as string]
      }
      if (children) children[i] = s
    }
    if (!children) return value
    const order = keys.map((_, i) => i).sort((a, b) => ((keys[a] as string) < (keys[b] as string) ? -1 : 1))
    const out: Record<string, unknown> = {}
    for (const i of order) if (children[i] !== undefined) out[keys[i] as string] = children[i]
    return out
  }
  return value
}
