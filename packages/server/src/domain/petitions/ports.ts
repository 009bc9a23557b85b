import type { Phase } from '@openindent/contract'
import type { Requirement } from '../labels/selector.js'
import type { GrantRecord, Outcome, PetitionRecord } from './types.js'

export interface PetitionFilter {
  phase?: Phase | undefined
  /** A petitioner identity (`user/<email>`, `kind/id`), or a bare id or email matched against any kind. */
  petitioner?: string | undefined
  /** Only petitions naming this identity as a petitioner, or filed by it. */
  visibleTo?: string | undefined
  resource?: string | undefined
  /** Over the petition's own labels. */
  selector?: Requirement[] | undefined
  after?: { time: number; name: string } | undefined
  ascending: boolean
  limit: number
}

/** A live grant as the approval check needs it. */
export interface LiveGrant {
  petition: string
  petitionerKey: string
  resourceKey: string
  startTime: number
  /** Undefined: until revoked. */
  expireTime?: number
}

/** Petitions, the approvals they collected and the grants they made. */
export interface PetitionRepository {
  /** Inserts an open petition; false when an identical one is open already (concurrent requests make one). */
  insertOpen(p: PetitionRecord): Promise<boolean>
  /**
   * Inserts a petition decided before it was stored (a policy granted or denied it at once), unless the
   * request is held already (see `holderOf`): false then. Of identical requests decided side by side,
   * one is stored; the others find it.
   */
  insertDecided(p: PetitionRecord): Promise<boolean>
  /**
   * The petition that holds a request at `now`: the open one, or one granted whose grants are live.
   * A request has at most one.
   */
  holderOf(spaceId: string, requestKey: string, now: number): Promise<PetitionRecord | undefined>
  /** Reads a petition and locks it until the transaction ends, so decisions on it apply one at a time. */
  lock(spaceId: string, name: string): Promise<PetitionRecord | undefined>
  get(spaceId: string, name: string): Promise<PetitionRecord | undefined>
  openFor(spaceId: string, requestKey: string): Promise<PetitionRecord | undefined>
  /** The most recent petition for a request, whatever its phase. */
  latestFor(spaceId: string, requestKey: string): Promise<PetitionRecord | undefined>
  list(spaceId: string, filter: PetitionFilter): Promise<PetitionRecord[]>
  /** One conditional update; undefined when the petition was not in a `from` phase. */
  transition(
    spaceId: string,
    name: string,
    from: readonly Phase[],
    to: Phase,
    now: number,
    outcome?: { outcome: Outcome; reason?: string | undefined },
  ): Promise<PetitionRecord | undefined>
  /**
   * `transition` for many petitions of one space in one set-based update; returns the names of those
   * that were in a `from` phase and moved.
   */
  transitionMany(
    spaceId: string,
    names: readonly string[],
    from: readonly Phase[],
    to: Phase,
    now: number,
    outcome: { outcome: Outcome; reason?: string | undefined },
  ): Promise<string[]>
  /**
   * Records a reviewer's approval once (`added` is false when they had approved already) and returns
   * every approval the petition holds, one per reviewer identity.
   */
  addApproval(
    spaceId: string,
    petition: string,
    reviewer: string,
    durationMs: number | null,
    now: number,
  ): Promise<{ added: boolean; approvals: { reviewer: string; durationMs: number | null }[] }>
  insertGrants(spaceId: string, grants: GrantRecord[]): Promise<void>
  /** The grants of these petitions, by petition. */
  grantsOf(spaceId: string, petitions: readonly string[]): Promise<Map<string, GrantRecord[]>>
  /** Live grants (not revoked, not expired at `now`) among these petitioner and target keys. */
  activeGrants(
    spaceId: string,
    petitionerKeys: string[],
    resourceKeys: string[],
    now: number,
  ): Promise<LiveGrant[]>
  /** Revokes a petition's live grants; returns the ones this call revoked. */
  revokeGrantsOf(spaceId: string, petition: string, now: number, reason: string): Promise<GrantRecord[]>
  /**
   * Claims expired grants across all spaces; each is claimed by exactly one caller, and concurrent
   * callers claim disjoint batches rather than queueing for the same rows.
   */
  revokeExpired(now: number, limit: number): Promise<(GrantRecord & { spaceId: string })[]>
  liveGrantCount(spaceId: string, petition: string): Promise<number>
  /** Which of these petitions still have a live grant (one query for many). */
  withLiveGrants(spaceId: string, petitions: readonly string[]): Promise<Set<string>>
  /** The next time a live grant expires. */
  nextExpiry(): Promise<number | undefined>
}

/** What the signals read: a page's worth in one statement each, by petitioner and target. */
export interface ReviewSignalReads {
  /**
   * Of `asks`, the positions of those whose petitioner asked for the target before `before`, in a
   * petition other than `except`.
   */
  askedBefore(
    spaceId: string,
    asks: readonly { petitioner: string; target: string; except: string; before: number }[],
  ): Promise<Set<number>>
  /** Grants held at `now` (not revoked, not expired), over every target, by petitioner; none: absent. */
  grantsHeld(spaceId: string, petitioners: readonly string[], now: number): Promise<Map<string, number>>
}
