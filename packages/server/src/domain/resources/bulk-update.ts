import { BULK_UPDATE_MAX, EVENT_NAMES, type ResourceInput } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { invalid } from '../errors.js'
import { newId } from '../ids.js'
import { resourceEvent } from './events.js'
import { lastWins, toContent } from './input.js'
import type { ResourceRecord } from './types.js'

/**
 * Upserts resources by `(kind, id)`, all or nothing. Re-sending the same resources changes only their
 * update time, and only resources whose content changed are written to the audit log.
 */
export async function bulkUpdateResources(
  ctx: Ctx,
  access: SpaceAccess,
  inputs: ResourceInput[],
): Promise<ResourceRecord[]> {
  requireRole(access, 'editor')
  if (inputs.length > BULK_UPDATE_MAX) {
    throw invalid(
      `at most ${BULK_UPDATE_MAX.toLocaleString('en-US')} resources per request; send larger uploads in chunks`,
      'resources',
    )
  }
  const items = lastWins(inputs.map(toContent))
  if (items.length === 0) return []
  const now = ctx.clock.now()
  return ctx.store.transaction(async (tx) => {
    tx.narrow()
    const { resources, changed } = await tx.resources.upsert(access.space.id, items, now, newId('w'))
    if (changed.length > 0) {
      await tx.audit.append(access.space.id, [
        resourceEvent(EVENT_NAMES.resourceUpdate, access, changed, now),
      ])
    }
    return resources
  })
}
