import { z } from 'zod'
import { LabelMap, Labels, Meta, PageQuery } from './common.js'

/**
 * Most resources one `:bulkUpdate` request may carry, as Indent's SDK sends a whole upload in one
 * request. The request's size is bounded too (`OPENINDENT_MAX_BULK_BODY_BYTES`); our SDK sends chunks.
 */
export const BULK_UPDATE_MAX = 100_000
/** Most resource names one `:bulkDelete` request may carry. */
export const BULK_DELETE_MAX = 5000

/** A resource as a client sends it: identity is `(kind, id)` within a space. */
export const ResourceInput = z.strictObject({
  kind: z.string().min(1).max(256),
  id: z.string().min(1).max(1024),
  displayName: z.string().max(1024).optional(),
  email: z.string().max(320).optional(),
  altIds: z.array(z.string().max(1024)).max(64).optional(),
  labels: Labels.optional(),
  /** Accepted for compatibility (Indent clients echo it back); only `meta.labels` is ignored. */
  meta: z.looseObject({}).optional(),
  /** Indent's server-assigned name; accepted and ignored on input. */
  name: z.string().optional(),
})
export type ResourceInput = z.infer<typeof ResourceInput>

/** A stored resource as the server returns it. */
export const Resource = z.object({
  name: z.string(),
  kind: z.string(),
  id: z.string(),
  displayName: z.string().optional(),
  email: z.string().optional(),
  altIds: z.array(z.string()).optional(),
  labels: LabelMap,
  meta: Meta,
})
export type Resource = z.infer<typeof Resource>

export const ListResourcesQuery = PageQuery.extend({
  kind: z.string().max(256).optional(),
  labelSelector: z.string().max(4096).optional(),
})
export type ListResourcesQuery = z.infer<typeof ListResourcesQuery>

export const ListResourcesResponse = z.object({
  resources: z.array(Resource),
  nextPageToken: z.string().optional(),
})

export const CreateResourceRequest = z.strictObject({
  resource: ResourceInput,
  ephemeral: z.boolean().optional(),
})
export const UpdateResourceRequest = CreateResourceRequest

export const BulkUpdateRequest = z.strictObject({
  resources: z.array(ResourceInput),
})
export type BulkUpdateRequest = z.infer<typeof BulkUpdateRequest>

export const BulkUpdateResponse = z.object({
  resources: z.array(Resource),
  /** OpenIndent addition: how many of `resources` were already stored as sent (only their update time moved). */
  unchanged: z.number().int().min(0).optional(),
})
export type BulkUpdateResponse = z.infer<typeof BulkUpdateResponse>

/**
 * OpenIndent addition: the answer to a bulk update sent with `Prefer: return=minimal`, counts instead
 * of every stored resource (a sync job that sends 100,000 resources rarely wants them back).
 * `count` is `created + updated + unchanged`.
 */
export const BulkUpdateSummary = z.object({
  count: z.number().int().min(0),
  created: z.number().int().min(0),
  updated: z.number().int().min(0),
  unchanged: z.number().int().min(0),
})
export type BulkUpdateSummary = z.infer<typeof BulkUpdateSummary>

export const BulkDeleteRequest = z.strictObject({
  resourceNames: z.array(z.string().min(1).max(64)),
})
export const BulkDeleteResponse = z.object({ deleted: z.number().int() })
