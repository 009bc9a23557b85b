import type { Requirement } from '../labels/selector.js'
import type { ResourceContent, ResourceRecord, ResourceSummary } from './types.js'

export interface ListResourcesFilter {
  kind?: string | undefined
  selector?: Requirement[] | undefined
  /** Keyset cursor: rows after this `(kind, id)`. */
  after?: { kind: string; id: string } | undefined
  limit: number
}

export interface UpsertOptions {
  /**
   * Whether `resources` holds the rows stored exactly as sent (default) or only counts them in
   * `unchanged`, for a caller that wants no copy of them: reading them back is most of the cost of
   * re-sending an unchanged row.
   */
  readUnchanged?: boolean
}

export interface UpsertOutcome {
  /** The stored resources, in the order given; without the unchanged ones if `readUnchanged` is false. */
  resources: ResourceRecord[]
  /** Those whose content this write created or changed (not just touched). */
  changed: ResourceRecord[]
  /** How many of `changed` this write created. */
  created: number
  /** How many were stored exactly as sent already: only their update time moved. */
  unchanged: number
}

/** Resources, identified by `(kind, id)` within a space and named by `resourceName`. */
export interface ResourceRepository {
  /** Upserts by `(kind, id)`; `writeId` marks the rows whose content this write changed. */
  upsert(
    spaceId: string,
    items: ResourceContent[],
    now: number,
    writeId: string,
    options?: UpsertOptions,
  ): Promise<UpsertOutcome>
  /** Undefined when `(kind, id)` already exists. */
  insert(
    spaceId: string,
    item: ResourceContent,
    now: number,
    writeId: string,
  ): Promise<ResourceRecord | undefined>
  /** Undefined when there is no resource by that name. */
  replace(
    spaceId: string,
    name: string,
    item: ResourceContent,
    now: number,
  ): Promise<ResourceRecord | undefined>
  get(spaceId: string, name: string): Promise<ResourceRecord | undefined>
  /**
   * The resources by these names that exist, in any order, with only what a page of petitions needs
   * (its targets in one read, without the columns it never shows).
   */
  summaries(spaceId: string, names: readonly string[]): Promise<ResourceSummary[]>
  list(spaceId: string, filter: ListResourcesFilter): Promise<ResourceRecord[]>
  /** Deletes by name; returns the deleted resources. */
  delete(spaceId: string, names: string[]): Promise<ResourceRecord[]>
}
