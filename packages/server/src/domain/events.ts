/**
 * What happened, as the domain announces it once a transaction commits. Events are small (names and
 * ids, not records) because they also travel between instances; a subscriber that needs more reads it.
 */
export type DomainEvent = PetitionEvent

/** A step in a petition's life; `type` names the transition (see petitions/lifecycle/table.ts). */
export interface PetitionEvent {
  kind: 'petition'
  type: PetitionEventType
  spaceId: string
  petition: string
  /** Epoch milliseconds. */
  at: number
}

export type PetitionEventType =
  | 'opened'
  | 'approved'
  | 'granted'
  | 'denied'
  | 'cancelled'
  | 'revoked'
  | 'expired'
  | 'closed'

/** Petition steps that end a grant, so that a cached "granted" answer must not outlive their commit. */
const ENDS_ACCESS: ReadonlySet<PetitionEventType> = new Set(['revoked', 'expired', 'closed'])

/** Whether committing `event` takes away access that an instance may have cached (see UnitOfWork). */
export function takesAccessAway(event: DomainEvent): boolean {
  return ENDS_ACCESS.has(event.type)
}

/**
 * Committed events reach subscribers here: this instance's own right after the commit, other
 * instances' when their announcement arrives. Delivery is best effort and in-process; anything that
 * must not be lost is written in the transaction itself.
 */
export interface EventFeed {
  subscribe(listener: (events: readonly DomainEvent[]) => void): () => void
}

/** Fans committed events out to this process's subscribers. */
export class LocalEventFeed implements EventFeed {
  private readonly listeners = new Set<(events: readonly DomainEvent[]) => void>()

  subscribe(listener: (events: readonly DomainEvent[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  deliver(events: readonly DomainEvent[]): void {
    if (events.length === 0) return
    for (const listener of [...this.listeners]) listener(events)
  }
}
