import type { Ctx } from '../context.js'
import type { EventFeed } from '../events.js'

/** What petition use cases need: the store and clock, and the feed that tells waiters of decisions. */
export interface PetitionDeps extends Ctx {
  feed: EventFeed
}
