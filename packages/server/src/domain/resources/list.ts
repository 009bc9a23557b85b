import type { ListResourcesQuery } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { parseLabelSelector } from '../labels/selector.js'
import { decodePageToken, isStringPair, page } from '../pagination.js'
import type { ResourceRecord } from './types.js'

/** Lists resources in `(kind, id)` order with keyset pagination: page N costs the same as page 1. */
export async function listResources(ctx: Ctx, access: SpaceAccess, query: ListResourcesQuery) {
  requireRole(access, 'viewer')
  const selector = query.labelSelector ? parseLabelSelector(query.labelSelector) : undefined
  const after = decodePageToken(query.pageToken, isStringPair)
  return page<ResourceRecord>(
    query.pageSize,
    (limit) =>
      ctx.store.resources.list(access.space.id, {
        kind: query.kind,
        selector,
        after: after && { kind: after[0], id: after[1] },
        limit,
      }),
    (last) => [last.kind, last.id],
  )
}
