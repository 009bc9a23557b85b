import { CACHE_TTL_MS, FreshCache, type Freshness } from '../cache.js'
import type { Clock } from '../clock.js'
import type { HandlerType, WebhookRecord } from './types.js'

/**
 * A space's webhooks by handler type, read on every grant's commit (its applyUpdate deliveries) and
 * every petition's creation (its decision webhooks), and changed rarely. A webhook's creation, change
 * or deletion is a broad commit (it calls no `narrow`), so it drops every entry on this instance at
 * once and on every other through its announcement; those commits also wait until the other
 * instances applied them (`revokesAccess`), so once one returns no instance answers from the old list.
 * Other processes' writes on SQLite are noticed through the data version, and the TTL bounds the rest.
 */
export class WebhookHandlerCache {
  private readonly entries: FreshCache<readonly WebhookRecord[]>

  constructor(
    private readonly freshness: Freshness,
    private readonly clock: Clock,
  ) {
    this.entries = new FreshCache(freshness, 1000)
  }

  /** The cached list, or `read`'s (stored when nothing changed while it read). Shared: never mutate. */
  async get(
    spaceId: string,
    type: HandlerType,
    read: () => Promise<WebhookRecord[]>,
  ): Promise<WebhookRecord[]> {
    const key = `${spaceId}\u0000${type}`
    const now = this.clock.now()
    const hit = this.entries.get(key, now)
    if (hit) return [...hit]
    // Read before the database is: a change committed meanwhile leaves the entry stale at once.
    const generation = this.freshness.current()
    const hooks = await read()
    if (this.freshness.trusted)
      this.entries.set(key, Object.freeze([...hooks]), now + CACHE_TTL_MS, generation)
    return hooks
  }
}
