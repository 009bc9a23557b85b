import type { Event } from '@openindent/contract'
import type { NewEvent } from './types.js'

/** An event as the chain stores it: its bytes (what the hash covers) and the columns queries use. */
export interface ChainRecord {
  seq: number
  id: string
  event: string
  actorKind: string | null
  /** The actor's id, or its email when it has none. */
  actorId: string | null
  /** Epoch milliseconds. */
  timestamp: number
  /** The canonical JSON of the event. */
  body: string
  prevHash: string
  hash: string
  petition: string | null
}

/** An appended event with its place in the chain. */
export interface StoredEvent {
  seq: number
  hash: string
  prevHash: string
  event: Event
  petition?: string
}

/** What an audit query selects. Every field narrows; none given lists the whole log. */
export interface EventFilter {
  /** The stored actor id: the actor's id, or its email when it has no id. */
  actor?: string | undefined
  resourceKind?: string | undefined
  /** Only together with `resourceKind`. */
  resourceId?: string | undefined
  event?: string | undefined
  /** Epoch milliseconds, inclusive. */
  startTime?: number | undefined
  /** Epoch milliseconds, exclusive. */
  endTime?: number | undefined
}

/** Which slice of the matching events, in chain (`seq`) order. */
export interface EventWindow {
  /** Oldest first when true; newest first otherwise. */
  ascending: boolean
  /** Keyset cursor: only events after this seq in the chosen order. */
  after?: number | undefined
  /** Only events up to this seq (inclusive): pins an export to the head it started from. */
  through?: number | undefined
  limit: number
}

/** One `event_resources` row: the event at `seq` is listed under the resource (kind, id). */
export interface EventLink {
  seq: number
  kind: string
  id: string
}

/** A row of the grants table, as verify compares it with the grant and revoke events. */
export interface GrantRow {
  id: string
  petition: string
  petitionerKey: string
  resourceKey: string
  startTime: number
  expireTime: number | null
  revokeTime: number | null
}

/** Where a chain ends; `space` is the name of the space it belongs to, while that space exists. */
export interface ChainHead {
  chain: string
  seq: number
  hash: string
  space?: string
}

/**
 * Each space's append-only, hash-chained log, and the instance's (see chains.ts). Methods taking a
 * `spaceId` take any chain id.
 */
export interface AuditLog {
  /** Starts a space's chain; once, in the transaction that creates the space. */
  init(spaceId: string): Promise<void>
  /** Appends in order; needs a transaction, which serialises writers on the chain head. */
  append(spaceId: string, events: NewEvent[]): Promise<StoredEvent[]>
  /** Every event of a space in chain order, for verification. */
  scan(spaceId: string, batch?: number): AsyncGenerator<ChainRecord>
  head(spaceId: string): Promise<{ seq: number; hash: string } | undefined>
  list(spaceId: string, filter: EventFilter, window: EventWindow): Promise<ChainRecord[]>
  /**
   * The events of the given petitions, by petition and oldest first within each: their histories.
   * `only` keeps those event names; `afterSeq` and `limit` page through them (meant for one petition).
   */
  petitionEvents(
    spaceId: string,
    petitions: readonly string[],
    opts?: { only?: readonly string[]; afterSeq?: number | undefined; limit?: number },
  ): Promise<StoredEvent[]>
  /** Every chain's head, the instance's among them, in chain id order. */
  heads(): Promise<ChainHead[]>
  /** The `event_resources` rows with seq in (`after`, `through`], in seq order; both ends optional. */
  links(
    chain: string,
    range: { after?: number | undefined; through?: number; limit?: number },
  ): Promise<EventLink[]>
  /**
   * The next petitions after `after`, in the database's order of names, that have events or grant
   * rows; `limit` bounds the rows read per side, not the names returned. Verify walks them in batches.
   */
  grantPetitions(chain: string, after: string | undefined, limit: number): Promise<string[]>
  /** The `access/grant` and `access/revoke` events of these petitions, by petition, in chain order. */
  grantEvents(chain: string, petitions: readonly string[]): Promise<StoredEvent[]>
  grantRows(chain: string, petitions: readonly string[]): Promise<GrantRow[]>
}
