import type { ResourceRecord } from './resources/types.js'
import type { PolicyReads } from './rules/policy.js'
import type { StoredRule } from './rules/ports.js'

/**
 * The rule and resource reads of one page, each made once: a page of petitions asks for the same
 * rules for every petition, and for each target twice (its policy, its display name).
 */
export function readsOnce(store: PolicyReads): PolicyReads {
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
  return {
    rules: { all: (spaceId) => once(rules, spaceId, () => store.rules.all(spaceId)) },
    resources: {
      get: (spaceId, name) =>
        once(resources, `${spaceId}\u0000${name}`, () => store.resources.get(spaceId, name)),
    },
  }
}
