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

/** Keeps the last occurrence of each `(kind, id)`, as applying the list in order would. */
export function lastWins(items: ResourceContent[]): ResourceContent[] {
  const byKey = new Map<string, ResourceContent>()
  for (const item of items) {
    const key = `${item.kind}\u0000${item.id}`
    byKey.delete(key)
    byKey.set(key, item)
  }
  return [...byKey.values()]
}
