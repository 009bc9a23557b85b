import type { ResourceInput } from '@openindent/contract'
import type { ResourceContent } from './types.js'

/** Wire input → domain content; `meta` and `name` are accepted for compatibility and dropped. */
export function toContent(r: ResourceInput): ResourceContent {
  const out: ResourceContent = { kind: r.kind, id: r.id, labels: r.labels ?? {} }
  if (r.displayName !== undefined) out.displayName = r.displayName
  if (r.email !== undefined) out.email = r.email
  if (r.altIds !== undefined) out.altIds = r.altIds
  return out
}

/**
 * Keeps the last occurrence of each `(kind, id)`, as applying the list in order would. An upload
 * rarely repeats one, so the list is returned as it is unless it does; ids are looked up per kind
 * rather than under a joined key, which would be a new string to hash for every resource.
 */
export function lastWins(items: ResourceContent[]): ResourceContent[] {
  const byKind = new Map<string, Map<string, number>>()
  let repeated = false
  for (let i = 0; i < items.length; i++) {
    const { kind, id } = items[i] as ResourceContent
    let ids = byKind.get(kind)
    if (!ids) {
      ids = new Map()
      byKind.set(kind, ids)
    } else if (ids.has(id)) repeated = true
    ids.set(id, i)
  }
  return repeated ? items.filter((item, i) => byKind.get(item.kind)?.get(item.id) === i) : items
}
