import type { EventResource } from '@openindent/contract'
import type { ResourceRepository } from './resources/ports.js'
import { type ResourceRecord, resourceName } from './resources/types.js'
import type { PolicyReads } from './rules/policy.js'
import type { StoredRule } from './rules/ports.js'

export interface PageReads extends PolicyReads {
  /** Reads these targets' resources in one query, for the `get`s that follow. */
  prefetch(spaceId: string, targets: readonly EventResource[]): Promise<void>
}

/**
 * The rule and resource reads of one page, each made once: a page of petitions asks for the same
 * rules for every petition, and for each target twice (its policy, its display name).
 */
export function readsOnce(
  store: PolicyReads & { resources: Pick<ResourceRepository, 'getMany'> },
): PageReads {
  const rules = new Map<string, Promise<StoredRule[]>>()
  const resources = new Map<string, Promise<ResourceRecord | undefined>>()
  const once = <T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>) => {
    let hit = cache.get(key)
    if (!hit) {
      hit = read()
      cache.set(key, hit)
    }
    return hit
  }
  const key = (spaceId: string, name: string) => `${spaceId}\u0000${name}`
  return {
    async prefetch(spaceId, targets) {
      const names = new Set<string>()
      for (const t of targets) {
        if (!t.kind || !t.id) continue
        const name = resourceName(t.kind, t.id)
        if (!resources.has(key(spaceId, name))) names.add(name)
      }
      if (names.size === 0) return
      const found = new Map((await store.resources.getMany(spaceId, [...names])).map((r) => [r.name, r]))
      for (const name of names) resources.set(key(spaceId, name), Promise.resolve(found.get(name)))
    },
    rules: { all: (spaceId) => once(rules, spaceId, () => store.rules.all(spaceId)) },
    resources: {
      get: (spaceId, name) =>
        once(resources, `${spaceId}\u0000${name}`, () => store.resources.get(spaceId, name)),
    },
  }
}
