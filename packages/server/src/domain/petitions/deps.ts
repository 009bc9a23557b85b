import type { Ctx } from '../context.js'
import type { EventFeed } from '../events.js'
import type { DecisionDeps } from '../webhooks/decision.js'

/**
 * What petition use cases need: the store and clock, the feed that tells waiters of decisions, and
 * (when wired) what asks decision webhooks at creation.
 */
export interface PetitionDeps extends Ctx, Partial<DecisionDeps> {
  feed: EventFeed
}
